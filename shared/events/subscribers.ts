/**
 * The subscribers' side of the events hub, callable without HTTP (the endpoints, the queue glue and the
 * benchmark all use these): make, read, list and delete subscriptions, list a subscription's deliveries and
 * replay them. Every failure is the failure map's problem: a refused destination, an unknown subscription, or
 * storage that did not answer.
 */
import { randomBytes } from 'node:crypto';
import { destinationRefused, subscriptionDisabled, subscriptionNotFound } from '../failures/failure-map';
import type { EventsBackend } from './backend';
import { checkDestination, DeliveryClient, DestinationRefusedError } from './destination';
import { DeliveryStore, deliveryViewOf, type DeliveryRow } from './delivery-store';
import type { Events } from './events';
import {
  SUBSCRIPTION_ID_PATTERN,
  type DeliveryListQuery,
  type DeliveryView,
  type ReplayRequest,
  type SubscriptionFilters,
  type SubscriptionKind,
  type SubscriptionView,
  type TriggerDefinition,
  type TriggerSubscriptionRequest,
  type WebhookSubscriptionRequest,
} from './subscription-schemas';
import { SubscriptionStore, viewOf, type Subscription } from './subscription-store';

/** The subscriber stores and the sending client, made once per opened backend. */
export interface SubscriberParts {
  readonly subscriptions: SubscriptionStore;
  readonly deliveries: DeliveryStore;
  readonly client: DeliveryClient;
}

const parts = new WeakMap<EventsBackend, SubscriberParts>();

export function subscriberParts(events: Events, backend: EventsBackend): SubscriberParts {
  let found = parts.get(backend);
  if (!found) {
    found = {
      subscriptions: new SubscriptionStore(backend.clients.subscriptions),
      deliveries: new DeliveryStore(backend.clients.deliveries),
      client: new DeliveryClient({
        allowPrivate: events.delivery.allowPrivateDestinations,
        resolve: events.resolve,
      }),
    };
    parts.set(backend, found);
  }
  return found;
}

/** A new Standard Webhooks secret: `whsec_` and 32 random bytes in base64. */
export const newWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

export interface NewSubscription {
  readonly kind: SubscriptionKind;
  readonly url: string;
  /** Webhooks: the signing secret; made up when absent. Ignored for Power Automate. */
  readonly secret?: string;
  readonly description?: string;
  readonly filters?: SubscriptionFilters;
}

export interface CreatedSubscription {
  readonly subscription: SubscriptionView;
  /** The made-up secret, answered this once. */
  readonly secret?: string;
}

/**
 * Stores a subscription after checking its destination. The benchmark calls this directly to make subscribers
 * without HTTP.
 */
export async function createSubscription(
  events: Events,
  input: NewSubscription,
): Promise<CreatedSubscription> {
  const field = input.kind === 'power-automate' ? 'callbackUrl' : 'url';
  try {
    await checkDestination(input.url, {
      allowPrivate: events.delivery.allowPrivateDestinations,
      resolve: events.resolve,
    });
  } catch (error) {
    if (error instanceof DestinationRefusedError)
      throw destinationRefused(field, `${field}: ${error.message}`);
    throw error;
  }
  const madeUp = input.kind === 'webhook' && input.secret === undefined ? newWebhookSecret() : undefined;
  const secret = input.kind === 'webhook' ? (input.secret ?? madeUp) : undefined;
  const subscription: Subscription = {
    id: `sub-${randomBytes(12).toString('hex')}`,
    kind: input.kind,
    url: input.url,
    ...(secret === undefined ? {} : { secret }),
    ...(input.description === undefined ? {} : { description: input.description }),
    filters: input.filters ?? {},
    state: 'active',
    createdAt: new Date(events.now()).toISOString(),
  };
  await events.guarded('storing the subscription', async (backend) => {
    await subscriberParts(events, backend).subscriptions.create(subscription);
  });
  return { subscription: viewOf(subscription), ...(madeUp === undefined ? {} : { secret: madeUp }) };
}

export function createWebhookSubscription(
  events: Events,
  request: WebhookSubscriptionRequest,
): Promise<CreatedSubscription> {
  return createSubscription(events, { kind: 'webhook', ...request });
}

/** A Power Automate trigger's subscription: the trigger fixes the event types, the maker the other filters. */
export function createTriggerSubscription(
  events: Events,
  trigger: TriggerDefinition,
  request: TriggerSubscriptionRequest,
): Promise<CreatedSubscription> {
  const { callbackUrl, ...filters } = request;
  return createSubscription(events, {
    kind: 'power-automate',
    url: callbackUrl,
    filters: { eventTypes: [...trigger.eventTypes], ...filters },
  });
}

/** An id the facade cannot have given is not found, before storage is touched. */
function checkSubscriptionId(id: string | undefined): string {
  if (id === undefined || !SUBSCRIPTION_ID_PATTERN.test(id)) throw subscriptionNotFound();
  return id;
}

async function existing(events: Events, rawId: string | undefined): Promise<Subscription> {
  const id = checkSubscriptionId(rawId);
  const found = await events.guarded('reading the subscription', (backend) =>
    subscriberParts(events, backend).subscriptions.get(id),
  );
  if (!found) throw subscriptionNotFound();
  return found;
}

export async function getSubscription(events: Events, id: string | undefined): Promise<SubscriptionView> {
  return viewOf(await existing(events, id));
}

export function listSubscriptions(events: Events): Promise<SubscriptionView[]> {
  return events.guarded('listing the subscriptions', async (backend) =>
    (await subscriberParts(events, backend).subscriptions.list()).map(viewOf),
  );
}

/**
 * Deletes a subscription: nothing more is delivered to it (deliveries on their way are cancelled when their turn
 * comes). Deleting one that is gone already is `absent`, which the endpoint answers as not found.
 */
export async function deleteSubscription(events: Events, rawId: string | undefined): Promise<void> {
  const id = checkSubscriptionId(rawId);
  const outcome = await events.guarded('deleting the subscription', (backend) =>
    subscriberParts(events, backend).subscriptions.delete(id),
  );
  if (outcome === 'absent') throw subscriptionNotFound();
}

export async function listDeliveries(
  events: Events,
  rawId: string | undefined,
  query: DeliveryListQuery,
): Promise<{ value: DeliveryView[]; complete: boolean }> {
  const subscription = await existing(events, rawId);
  const state = query.state ?? 'parked';
  return events.guarded('listing the deliveries', async (backend) => {
    const { rows, complete } = await subscriberParts(events, backend).deliveries.range(subscription.id, {
      ...(query.from === undefined ? {} : { from: Date.parse(query.from) }),
      ...(query.to === undefined ? {} : { to: Date.parse(query.to) }),
      ...(state === 'all' ? {} : { state }),
      top: query.top ?? 100,
    });
    return { value: rows.map(deliveryViewOf), complete };
  });
}

/** The most deliveries one replay sends again; the answer says when the range held more. */
const REPLAY_LIMIT = 1_000;

/**
 * Sends a subscription's deliveries in a time range again: the parked ones, or (`all`) every one not on its way.
 * Each starts a fresh round of attempts; the webhook-id stays the same, so a receiver that already has one can
 * tell.
 */
/** A delivery on its way shows activity at least this often; quieter than this, its message is gone. */
export const STRANDED_AFTER_MS = 15 * 60_000;

function isStranded(row: DeliveryRow, now: number): boolean {
  const lastActivity = Math.max(
    row.nextAttemptAt,
    row.leaseUntil,
    Date.parse(row.receivedAt) || 0,
    ...row.log.map((attempt) => Date.parse(attempt.at) || 0),
  );
  return lastActivity < now - STRANDED_AFTER_MS;
}

export async function replayDeliveries(
  events: Events,
  rawId: string | undefined,
  request: ReplayRequest,
  correlationId?: string,
): Promise<{ replayed: number; complete: boolean }> {
  const subscription = await existing(events, rawId);
  if (subscription.state === 'disabled') throw subscriptionDisabled(subscription.id);
  return events.guarded('replaying the deliveries', async (backend) => {
    const { deliveries } = subscriberParts(events, backend);
    const { rows, complete } = await deliveries.range(subscription.id, {
      from: Date.parse(request.from),
      to: Date.parse(request.to),
      ...(request.state === 'all' ? {} : { state: 'parked' as const }),
      top: REPLAY_LIMIT,
    });
    let replayed = 0;
    const now = events.now();
    for (const row of rows) {
      if (row.state === 'cancelled') continue;
      // Rows on their way are left to their own round (replaying them would only race it), unless the round is
      // long overdue: its message was lost (a failed send, the poison queue) and nothing else would ever run it.
      if ((row.state === 'pending' || row.state === 'retrying') && !isStranded(row, now)) continue;
      const changed = await deliveries.change(row, {
        state: 'pending',
        attempts: 0,
        nextAttemptAt: 0,
        leaseUntil: 0,
      });
      if (!changed) continue;
      await backend.queue.send({
        kind: 'deliver',
        subscriptionId: subscription.id,
        deliveryKey: row.deliveryKey,
        ...(correlationId === undefined ? {} : { correlationId }),
      });
      replayed += 1;
    }
    return { replayed, complete };
  });
}
