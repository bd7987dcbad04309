/**
 * One change becomes one event: marked with its origin (the loop guard), stored once per type and version (the
 * store's dedupe), and fanned out through the queue. The receiver and the sweep both announce through here, so a
 * change they both see reaches subscribers once.
 */
import type { CallContext } from '../call/context';
import { eventFanOutUnqueued } from '../failures/failure-map';
import type { EventStore } from './event-store';
import { MAX_STORED_REFERRAL_CHARS } from './event-store';
import type { Events } from './events';
import {
  eventKeyOf,
  type EventDetection,
  type EventOrigin,
  type ReferralEvent,
  type ReferralEventType,
} from './records';

export interface Change {
  readonly type: ReferralEventType;
  readonly referralId: string;
  /** Partner Center's change time, or, without one, the referral's own. */
  readonly changedAt: string;
  /** The change time of the notification that told of it, when one did: which change the event is about. */
  readonly announcedAt?: string;
  /** The key of the notification that told of it; made from the change when there is none. */
  readonly eventKey?: string;
  readonly referral: ReferralEvent['referral'];
  readonly etag?: string;
  readonly detectedBy: EventDetection;
  /** Who made the change, when the caller has decided it already (`originOf`); else decided here. */
  readonly origin?: EventOrigin;
}

export type Announcement =
  | { readonly kind: 'recorded'; readonly event: ReferralEvent }
  | { readonly kind: 'duplicate'; readonly eventKey: string }
  /** Larger than an event can carry: logged, never stored, so it cannot block the receiver or the sweep. */
  | { readonly kind: 'too-large' };

/** Partner Center's change times and the referral's own may differ by this much for one change. */
const SAME_CHANGE_MS = 1_000;

/**
 * `facade` only when the version read is one the facade's own write produced AND it is the change the
 * notification announces: a notification of an earlier change (someone else's) that reads the facade's later
 * version stays `partner-center`, so no subscriber that leaves out the facade's changes misses it.
 */
export async function originOf(
  store: EventStore,
  change: Pick<Change, 'referralId' | 'etag' | 'announcedAt' | 'referral'>,
): Promise<EventOrigin> {
  if (change.etag === undefined) return 'partner-center';
  if (change.announcedAt !== undefined) {
    const updated = change.referral['updatedDateTime'];
    const readAt = typeof updated === 'string' ? Date.parse(updated) : Number.NaN;
    const announcedAt = Date.parse(change.announcedAt);
    if (readAt > announcedAt + SAME_CHANGE_MS) return 'partner-center';
  }
  return (await store.isFacadeWrite(change.referralId, change.etag)) ? 'facade' : 'partner-center';
}

export async function announce(call: CallContext, events: Events, change: Change): Promise<Announcement> {
  if (JSON.stringify(change.referral).length > MAX_STORED_REFERRAL_CHARS) {
    call.log.error(`events: referral ${change.referralId} is too large to carry in an event; not announced`);
    return { kind: 'too-large' };
  }
  const { event, stored } = await events.guarded('storing the event', async ({ store }) => {
    const event: ReferralEvent = {
      id: change.eventKey ?? eventKeyOf(change.type, change.referralId, change.changedAt),
      type: change.type,
      referralId: change.referralId,
      changedAt: change.changedAt,
      receivedAt: new Date(events.now()).toISOString(),
      origin: change.origin ?? (await originOf(store, change)),
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
  // The event stored before, by this notification or another one for the same version: fan it out if an
  // earlier attempt stored it and then failed to queue its fan-out.
  const etag = change.etag;
  const storedKey =
    etag === undefined
      ? event.id
      : ((await events.guarded('reading the event', ({ store }) =>
          store.announced(change.referralId, change.type, event.origin, etag),
        )) ?? event.id);
  await resumeFanOut(call, events, change.referralId, storedKey);
  return { kind: 'duplicate', eventKey: storedKey };
}

/** Sends the event's fan-out message and notes it sent; a failure in between leaves it to be sent again. */
export async function fanOut(
  call: CallContext,
  events: Events,
  referralId: string,
  eventKey: string,
): Promise<void> {
  // The event is stored: a failure here must not say "nothing was stored".
  await events.guarded(
    'queueing the fan-out',
    async ({ store, queue }) => {
      await queue.send({ kind: 'fan-out', referralId, eventKey, correlationId: call.correlationId });
      await store.markFannedOut(referralId, eventKey);
    },
    () => eventFanOutUnqueued(),
  );
}

/**
 * An event stored by an earlier attempt that failed before its fan-out is fanned out now. Says whether the event
 * is stored at all, so a caller that only needs to know that reads once.
 */
export async function resumeFanOut(
  call: CallContext,
  events: Events,
  referralId: string,
  eventKey: string,
): Promise<'absent' | 'stored'> {
  const state = await events.guarded('reading the event', ({ store }) =>
    store.fanOutState(referralId, eventKey),
  );
  if (state === 'pending') await fanOut(call, events, referralId, eventKey);
  return state === 'absent' ? 'absent' : 'stored';
}
