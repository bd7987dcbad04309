/**
 * One change becomes one event: marked with its origin (the loop guard), stored once (the store's version
 * dedupe), and fanned out through the queue. The receiver and the sweep both announce through here, so a change
 * they both see reaches subscribers once.
 */
import type { CallContext } from '../call/context';
import type { Events } from './events';
import { eventKeyOf, type EventDetection, type ReferralEvent, type ReferralEventType } from './records';

export interface Change {
  readonly type: ReferralEventType;
  readonly referralId: string;
  /** Partner Center's change time, or, without one, the referral's own. */
  readonly changedAt: string;
  /** The key of the notification that told of it; made from the change when there is none. */
  readonly eventKey?: string;
  readonly referral: ReferralEvent['referral'];
  readonly etag?: string;
  readonly detectedBy: EventDetection;
}

export type Announcement =
  | { readonly kind: 'recorded'; readonly event: ReferralEvent }
  | { readonly kind: 'duplicate'; readonly eventKey: string };

export async function announce(call: CallContext, events: Events, change: Change): Promise<Announcement> {
  const { event, stored } = await events.guarded('storing the event', async ({ store }) => {
    const fromFacade =
      change.etag !== undefined && (await store.isFacadeWrite(change.referralId, change.etag));
    const event: ReferralEvent = {
      id: change.eventKey ?? eventKeyOf(change.type, change.referralId, change.changedAt),
      type: change.type,
      referralId: change.referralId,
      changedAt: change.changedAt,
      receivedAt: new Date(events.now()).toISOString(),
      origin: fromFacade ? 'facade' : 'partner-center',
      detectedBy: change.detectedBy,
      ...(change.etag === undefined ? {} : { etag: change.etag }),
      referral: change.referral,
    };
    return { event, stored: await store.record(event) };
  });
  if (stored === 'recorded') {
    await fanOut(call, events, event.referralId, event.id);
    return { kind: 'recorded', event };
  }
  await resumeFanOut(call, events, event.referralId, event.id);
  return { kind: 'duplicate', eventKey: event.id };
}

/** Sends the event's fan-out message and notes it sent; a failure in between leaves it to be sent again. */
export async function fanOut(
  call: CallContext,
  events: Events,
  referralId: string,
  eventKey: string,
): Promise<void> {
  await events.guarded('queueing the fan-out', async ({ store, queue }) => {
    await queue.send({ kind: 'fan-out', referralId, eventKey, correlationId: call.correlationId });
    await store.markFannedOut(referralId, eventKey);
  });
}

/** An event stored by an earlier attempt that failed before its fan-out is fanned out now. */
export async function resumeFanOut(
  call: CallContext,
  events: Events,
  referralId: string,
  eventKey: string,
): Promise<void> {
  const pending = await events.guarded('reading the event', ({ store }) =>
    store.fanOutPending(referralId, eventKey),
  );
  if (pending) await fanOut(call, events, referralId, eventKey);
}
