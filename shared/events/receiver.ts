/**
 * The one receiver Partner Center is registered with: verify the signature over the raw body, read the
 * notification, read the referral it names, store the change once and fan it out. The answer is 200 once the
 * event is stored (or known); a failure to read the referral or to store the event is a 5xx, so Partner Center
 * sends the notification again (up to ten times; the sweep recovers what it then parks).
 */
import { z } from 'zod';
import type { CallContext } from '../call/context';
import { renderJson, type RenderedResponse } from '../failures/problem';
import type { ReferralsFacade } from '../facade/referrals-facade';
import { announce, resumeFanOut } from './announce';
import type { Events } from './events';
import { parseNotification } from './notification';
import { readCurrentReferral } from './read-referral';
import { eventKeyOf, referralEventTypeSchema, TEST_EVENT } from './records';

/** The most the receiver spends reading the referral, retries included. */
export const RECEIVER_READ_BUDGET_MS = 8_000;

/** What the receiver needs of the signature check (shared/event-signature implements it). */
export interface SignatureCheck {
  verify(header: (name: string) => string | undefined, body: Uint8Array): Promise<void>;
}

export interface ReceiverDependencies {
  readonly events: () => Events;
  readonly facade: ReferralsFacade;
  readonly signature: () => SignatureCheck;
}

export interface SignedDelivery {
  readonly header: (name: string) => string | undefined;
  readonly body: Uint8Array;
}

export const eventReceiptSchema = z
  .object({
    status: z.enum(['accepted', 'duplicate', 'ignored']).meta({
      title: 'Status',
      description:
        'accepted: stored and fanned out; duplicate: this change was stored already; ignored: not a referral change (a validation event, an unknown event, a referral that no longer exists).',
    }),
    eventId: z.string().optional().meta({ title: 'Event ID', description: 'The stored event.' }),
    referralId: z.string().optional().meta({ title: 'Referral ID', description: 'The referral it names.' }),
    reason: z.string().optional().meta({ title: 'Reason', description: 'Why it was ignored.' }),
  })
  .meta({ title: 'Event receipt', description: 'What the receiver did with a Partner Center event.' });
export type EventReceipt = z.infer<typeof eventReceiptSchema>;
type ReceiptStatus = EventReceipt['status'];

function receipt(
  call: CallContext,
  status: ReceiptStatus,
  details: { eventId?: string; referralId?: string; reason?: string },
): RenderedResponse {
  return renderJson(call.correlationId, 200, { status, ...details });
}

export async function receivePartnerCenterEvent(
  call: CallContext,
  dependencies: ReceiverDependencies,
  delivery: SignedDelivery,
): Promise<RenderedResponse> {
  await dependencies.signature().verify(delivery.header, delivery.body);
  const notification = parseNotification(Buffer.from(delivery.body).toString('utf8'));
  if (notification.eventName === TEST_EVENT) {
    return receipt(call, 'ignored', { reason: 'a validation event: acknowledged, not fanned out' });
  }
  const type = referralEventTypeSchema.safeParse(notification.eventName);
  // An event this facade does not handle could never be handled: acknowledging stops Partner Center's retries.
  if (!type.success)
    return receipt(call, 'ignored', { reason: `${notification.eventName} is not a referral event` });
  const referralId = notification.referralId;
  if (referralId === undefined) {
    return receipt(call, 'ignored', { reason: 'the ResourceUri names no referral' });
  }
  call.referralId = referralId;
  const events = dependencies.events();
  const knownKey =
    notification.changedAt === undefined
      ? undefined
      : eventKeyOf(type.data, referralId, notification.changedAt);
  // The same notification again: stored already (its fan-out queued now if an earlier attempt could not).
  if (knownKey !== undefined && (await resumeFanOut(call, events, referralId, knownKey)) === 'stored') {
    return receipt(call, 'duplicate', { eventId: knownKey, referralId });
  }
  // Webhook senders wait about 10 s (GitHub's figure; Partner Center's is not documented): past this the read
  // fails with a 503 and Partner Center tries again, instead of the sender giving up on a slow answer.
  call.budgetMs = RECEIVER_READ_BUDGET_MS;
  const current = await readCurrentReferral(call, dependencies.facade, referralId);
  if (current === undefined) {
    return receipt(call, 'ignored', {
      referralId,
      reason: 'the referral cannot be read: it no longer exists',
    });
  }
  const changedAt =
    notification.changedAt ??
    (typeof current.referral['updatedDateTime'] === 'string' ? current.referral['updatedDateTime'] : '');
  const announced = await announce(call, events, {
    type: type.data,
    referralId,
    changedAt,
    ...(notification.changedAt === undefined ? {} : { announcedAt: notification.changedAt }),
    ...(knownKey === undefined
      ? { eventKey: eventKeyOf(type.data, referralId, `etag:${current.etag ?? changedAt}`) }
      : { eventKey: knownKey }),
    referral: current.referral,
    ...(current.etag === undefined ? {} : { etag: current.etag }),
    detectedBy: 'event',
  });
  switch (announced.kind) {
    case 'recorded':
      return receipt(call, 'accepted', { eventId: announced.event.id, referralId });
    case 'duplicate':
      return receipt(call, 'duplicate', { eventId: announced.eventKey, referralId });
    case 'too-large':
      return receipt(call, 'ignored', {
        referralId,
        reason: 'the referral is too large to carry in an event',
      });
  }
}
