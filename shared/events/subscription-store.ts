/**
 * The subscriptions, in Table storage: one partition holds them all, so the fan-out reads every subscriber with
 * one query. The row keeps the full destination (a Power Automate callback with its signature) and the webhook
 * secret; only the storage account and the delivery code ever read those two.
 */
import { RestError, type TableClient } from '@azure/data-tables';
import {
  subscriptionFiltersSchema,
  subscriptionKindSchema,
  subscriptionStateSchema,
  type SubscriptionFilters,
  type SubscriptionKind,
  type SubscriptionState,
  type SubscriptionView,
} from './subscription-schemas';

const PARTITION = 'subscription';

export interface Subscription {
  readonly id: string;
  readonly kind: SubscriptionKind;
  /** The full URL, query included: a secret for Power Automate callbacks. */
  readonly url: string;
  /** The Standard Webhooks secret (webhooks only). */
  readonly secret?: string;
  readonly description?: string;
  readonly filters: SubscriptionFilters;
  readonly state: SubscriptionState;
  readonly createdAt: string;
  readonly disabledAt?: string;
  readonly disabledReason?: string;
}

type Entity = Record<string, unknown>;

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

function subscriptionOf(entity: Entity): Subscription | undefined {
  const kind = subscriptionKindSchema.safeParse(entity['kind']);
  const state = subscriptionStateSchema.safeParse(entity['state']);
  let filters: SubscriptionFilters;
  try {
    filters = subscriptionFiltersSchema.parse(JSON.parse(text(entity['filters']) ?? '{}'));
  } catch {
    return undefined;
  }
  const id = text(entity['rowKey']);
  const url = text(entity['url']);
  if (!kind.success || !state.success || id === undefined || url === undefined) return undefined;
  const secret = text(entity['secret']);
  const description = text(entity['description']);
  const disabledAt = text(entity['disabledAt']);
  const disabledReason = text(entity['disabledReason']);
  return {
    id,
    kind: kind.data,
    url,
    ...(secret === undefined ? {} : { secret }),
    ...(description === undefined ? {} : { description }),
    filters,
    state: state.data,
    createdAt: text(entity['createdAt']) ?? '',
    ...(disabledAt === undefined ? {} : { disabledAt }),
    ...(disabledReason === undefined ? {} : { disabledReason }),
  };
}

/** What the endpoints may show: the destination without its query or fragment, never the secret. */
export function viewOf(subscription: Subscription): SubscriptionView {
  const url = new URL(subscription.url);
  return {
    id: subscription.id,
    kind: subscription.kind,
    destination: `${url.origin}${url.pathname}`,
    ...(subscription.description === undefined ? {} : { description: subscription.description }),
    filters: subscription.filters,
    state: subscription.state,
    createdAt: subscription.createdAt,
    ...(subscription.disabledAt === undefined ? {} : { disabledAt: subscription.disabledAt }),
    ...(subscription.disabledReason === undefined ? {} : { disabledReason: subscription.disabledReason }),
  };
}

const isNotFound = (error: unknown): boolean => error instanceof RestError && error.statusCode === 404;

export class SubscriptionStore {
  constructor(private readonly table: TableClient) {}

  async create(subscription: Subscription): Promise<void> {
    await this.table.createEntity({
      partitionKey: PARTITION,
      rowKey: subscription.id,
      kind: subscription.kind,
      url: subscription.url,
      ...(subscription.secret === undefined ? {} : { secret: subscription.secret }),
      ...(subscription.description === undefined ? {} : { description: subscription.description }),
      filters: JSON.stringify(subscription.filters),
      state: subscription.state,
      createdAt: subscription.createdAt,
    });
  }

  async get(id: string): Promise<Subscription | undefined> {
    try {
      return subscriptionOf(await this.table.getEntity<Entity>(PARTITION, id));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Every subscription, oldest first (ids are random, so ordered here by creation). */
  async list(): Promise<Subscription[]> {
    const found: Subscription[] = [];
    const entities = this.table.listEntities<Entity>({
      queryOptions: { filter: `PartitionKey eq '${PARTITION}'` },
    });
    for await (const entity of entities) {
      const subscription = subscriptionOf(entity);
      if (subscription) found.push(subscription);
    }
    return found.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  /** `deleted`, or `absent` when there was none (deleting twice is not an error to the platform). */
  async delete(id: string): Promise<'deleted' | 'absent'> {
    try {
      await this.table.deleteEntity(PARTITION, id);
      return 'deleted';
    } catch (error) {
      if (isNotFound(error)) return 'absent';
      throw error;
    }
  }

  async disable(id: string, at: string, reason: string): Promise<void> {
    try {
      await this.table.updateEntity(
        { partitionKey: PARTITION, rowKey: id, state: 'disabled', disabledAt: at, disabledReason: reason },
        'Merge',
      );
    } catch (error) {
      // Deleted meanwhile: nothing left to disable.
      if (!isNotFound(error)) throw error;
    }
  }
}
