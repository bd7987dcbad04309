/**
 * Fan-out and delivery over the events queue. A `fan-out` message writes one delivery row per subscriber whose
 * filters the event passes and sends one `deliver` message each; a `deliver` message makes one attempt. Messages
 * may come twice or late (the queue promises at least once), so the rows decide: a row is written once per event
 * and subscriber, a run claims it before sending, a message for a finished row is dropped, and one that comes
 * before its row is due is put back until then. `handleEventMessage` is the one entry point the queue glue calls.
 */
import { Webhook } from 'standardwebhooks';
import type { CallContext } from '../call/context';
import type { DeliverMessage, EventMessage, FanOutMessage, ReferralEvent } from './records';
import { appendAttempt, deliveryKeyOf, type DeliveryRow } from './delivery-store';
import type { Events } from './events';
import type { EventsBackend } from './backend';
import type { PostResult } from './destination';
import { passesFilters, webhookTypeOf, type DeliveryAttempt } from './subscription-schemas';
import type { Subscription } from './subscription-store';
import { subscriberParts, type SubscriberParts } from './subscribers';

export type EventMessageResult =
  | { readonly kind: 'fanned-out'; readonly subscribers: number; readonly deliveries: number }
  | { readonly kind: 'event-missing' }
  | {
      readonly kind: 'attempted';
      readonly outcome: 'delivered' | 'retrying' | 'parked' | 'gone';
      readonly status?: number;
    }
  | { readonly kind: 'skipped'; readonly reason: string }
  | { readonly kind: 'rescheduled'; readonly delayMs: number };

/** The status the message's log line carries, as an HTTP call's would. */
export function statusOfResult(result: EventMessageResult): number {
  switch (result.kind) {
    case 'fanned-out':
      return 200;
    case 'event-missing':
      return 404;
    case 'attempted':
      return result.outcome === 'delivered' ? 200 : result.outcome === 'gone' ? 410 : 502;
    case 'skipped':
    case 'rescheduled':
      return 204;
  }
}

/** Subscribers written at once: enough to fan out to hundreds quickly, few enough for one storage account. */
const FAN_OUT_CONCURRENCY = 16;

async function inPool<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await work(item);
    }
  });
  await Promise.all(runners);
}

export async function fanOut(
  events: Events,
  message: FanOutMessage,
  call: CallContext,
): Promise<EventMessageResult> {
  const backend = await events.backend();
  const { subscriptions, deliveries } = subscriberParts(events, backend);
  call.referralId = message.referralId;
  const event = await backend.store.find(message.referralId, message.eventKey);
  // The receiver stores before it sends, so a missing event was removed since: nothing to deliver, ever.
  if (!event) return { kind: 'event-missing' };
  const matching = (await subscriptions.list()).filter(
    (subscription) => subscription.state === 'active' && passesFilters(subscription.filters, event),
  );
  let sent = 0;
  await inPool(matching, FAN_OUT_CONCURRENCY, async (subscription) => {
    const written = await deliveries.create(subscription.id, event);
    // A repeated fan-out sends again only for a row that was never tried: the first run may have stopped between
    // writing the row and sending its message. A duplicate message is harmless (the row arbitrates).
    const untried = !written.created && written.row?.state === 'pending' && written.row.attempts === 0;
    if (!written.created && !untried) return;
    await backend.queue.send({
      kind: 'deliver',
      subscriptionId: subscription.id,
      deliveryKey: deliveryKeyOf(event),
      correlationId: call.correlationId,
    });
    sent += 1;
  });
  return { kind: 'fanned-out', subscribers: matching.length, deliveries: sent };
}

/** The wait before attempt `attempts + 1`: base × 2^(attempts − 1), capped, with up to 10% jitter. */
export function retryDelayMs(attempts: number, baseMs: number, maxMs: number, random = Math.random): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(exponential * (1 + random() * 0.1));
}

/** The same id on every attempt and replay of one event to one subscriber: the receiver's idempotency key. */
export const webhookIdOf = (eventId: string, subscriptionId: string): string =>
  `msg_${eventId}_${subscriptionId}`;

/** The request one attempt sends: the Standard Webhooks envelope, signed; or, for a flow, the event itself. */
export function deliveryRequest(
  subscription: Subscription,
  event: ReferralEvent,
  nowMs: number,
): { body: string; headers: Record<string, string> } {
  const id = webhookIdOf(event.id, subscription.id);
  const common = { 'content-type': 'application/json', 'user-agent': 'referrals-facade', 'webhook-id': id };
  if (subscription.kind === 'power-automate') {
    // The trigger's output schema is the event (x-ms-notification-content); the callback's SAS signature is its
    // authentication, so nothing is signed.
    return { body: JSON.stringify(event), headers: common };
  }
  const body = JSON.stringify({ type: webhookTypeOf(event.type), timestamp: event.changedAt, data: event });
  const timestamp = new Date(Math.floor(nowMs / 1_000) * 1_000);
  const signature = new Webhook(subscription.secret ?? '').sign(id, timestamp, body);
  return {
    body,
    headers: {
      ...common,
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1_000)),
      'webhook-signature': signature,
    },
  };
}

/** Standard Webhooks: 410 disables an endpoint. A flow's callback answers 404 once the flow is deleted. */
function isGone(subscription: Subscription, status: number | undefined): boolean {
  if (status === 410) return true;
  return subscription.kind === 'power-automate' && status === 404;
}

/** How long a run may hold a row: the attempt's timeout and a margin for storage. */
const LEASE_MARGIN_MS = 30_000;
/** A message this early is put back; within it the row counts as due (the queue rounds delays to seconds). */
const DUE_SLACK_MS = 1_000;

export async function deliver(
  events: Events,
  message: DeliverMessage,
  call: CallContext,
): Promise<EventMessageResult> {
  const backend = await events.backend();
  const parts = subscriberParts(events, backend);
  const row = await parts.deliveries.get(message.subscriptionId, message.deliveryKey);
  if (!row) return { kind: 'skipped', reason: 'no such delivery' };
  call.referralId = row.referralId;
  if (row.state !== 'pending' && row.state !== 'retrying') return { kind: 'skipped', reason: row.state };
  const subscription = await parts.subscriptions.get(row.subscriptionId);
  if (!subscription || subscription.state === 'disabled') {
    await parts.deliveries.change(row, { state: subscription ? 'gone' : 'cancelled' });
    return { kind: 'skipped', reason: subscription ? 'subscription disabled' : 'subscription deleted' };
  }
  const now = events.now();
  // Early (a duplicate, or a retry message whose row update was repeated): back in line until the row is due.
  const dueAt = Math.max(row.nextAttemptAt, row.leaseUntil);
  if (dueAt > now + DUE_SLACK_MS) {
    await backend.queue.send(message, dueAt - now);
    return { kind: 'rescheduled', delayMs: dueAt - now };
  }
  const claimed = await parts.deliveries.change(row, {
    leaseUntil: now + events.delivery.timeoutMs + LEASE_MARGIN_MS,
  });
  if (!claimed) return { kind: 'skipped', reason: 'claimed by another run' };
  const event = await backend.store.find(row.referralId, row.eventKey);
  if (!event) {
    await parts.deliveries.change(claimed, {
      state: 'parked',
      leaseUntil: 0,
      log: appendAttempt(claimed.log, {
        attempt: claimed.attempts + 1,
        at: new Date(now).toISOString(),
        durationMs: 0,
        error: 'the event is no longer stored',
      }),
    });
    return { kind: 'attempted', outcome: 'parked' };
  }
  const request = deliveryRequest(subscription, event, now);
  const result = await parts.client.post(
    subscription.url,
    request.body,
    request.headers,
    events.delivery.timeoutMs,
  );
  return settle(events, backend, parts, claimed, subscription, result, message, now);
}

async function settle(
  events: Events,
  backend: EventsBackend,
  parts: SubscriberParts,
  row: DeliveryRow,
  subscription: Subscription,
  result: PostResult,
  message: DeliverMessage,
  startedAt: number,
): Promise<EventMessageResult> {
  const attempts = row.attempts + 1;
  const attempt: DeliveryAttempt = {
    attempt: attempts,
    at: new Date(startedAt).toISOString(),
    durationMs: result.durationMs,
    ...(result.status === undefined ? {} : { status: result.status }),
    ...(result.error === undefined
      ? result.status !== undefined && (result.status < 200 || result.status > 299)
        ? { error: `answered ${String(result.status)}` }
        : {}
      : { error: result.error }),
  };
  const log = appendAttempt(row.log, attempt);
  const status = result.status;
  const base = { attempts, log, leaseUntil: 0 };
  if (status !== undefined && status >= 200 && status <= 299) {
    await parts.deliveries.change(row, { ...base, state: 'delivered' });
    return { kind: 'attempted', outcome: 'delivered', status };
  }
  if (isGone(subscription, status)) {
    await parts.deliveries.change(row, { ...base, state: 'gone' });
    await parts.subscriptions.disable(
      subscription.id,
      new Date(events.now()).toISOString(),
      `the subscriber answered ${String(status)}`,
    );
    return { kind: 'attempted', outcome: 'gone', ...(status === undefined ? {} : { status }) };
  }
  // A refused destination stays refused until someone changes DNS or the subscription: parked for a replay.
  if (result.refused === true || attempts >= events.delivery.maxAttempts) {
    await parts.deliveries.change(row, { ...base, state: 'parked' });
    return { kind: 'attempted', outcome: 'parked', ...(status === undefined ? {} : { status }) };
  }
  const delayMs = retryDelayMs(attempts, events.delivery.retryBaseMs, events.delivery.retryMaxMs);
  const nextAttemptAt = events.now() + delayMs;
  const changed = await parts.deliveries.change(row, { ...base, state: 'retrying', nextAttemptAt });
  // The row first, then the message: if sending fails, this message comes back early and is put back in line.
  if (changed) await backend.queue.send(message, delayMs);
  return { kind: 'attempted', outcome: 'retrying', ...(status === undefined ? {} : { status }) };
}

/** The queue glue's one entry point: a parsed events-queue message, run under the message's call context. */
export function handleEventMessage(
  events: Events,
  message: EventMessage,
  call: CallContext,
): Promise<EventMessageResult> {
  return message.kind === 'fan-out' ? fanOut(events, message, call) : deliver(events, message, call);
}
