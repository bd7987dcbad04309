/**
 * The delivery log, in Table storage: one partition per subscription, one row per event delivered to it. The row
 * key starts with the event's receipt time, so "the deliveries of last Tuesday" is one range query, for the
 * operators' list and for replays. A row also arbitrates between duplicate messages: a run claims it (a lease,
 * written with the row's ETag) before it sends, so one event reaches one subscriber once at a time.
 */
import { RestError, type TableClient, type TableEntityResult } from '@azure/data-tables';
import { referralEventTypeSchema, type ReferralEvent } from './records';
import {
  deliveryAttemptSchema,
  deliveryStateSchema,
  type DeliveryAttempt,
  type DeliveryState,
  type DeliveryView,
} from './subscription-schemas';

type Entity = Record<string, unknown>;

/** Attempts kept per row: a property holds at most 64 KiB, and the newest say what is wrong now. */
const LOG_LENGTH = 20;

/** Milliseconds since the epoch, zero-padded so that text order is time order. */
export const timeKey = (ms: number): string => String(Math.max(0, Math.floor(ms))).padStart(15, '0');

/** The event's place in a subscription's partition: receipt time, then the event's key. */
export function deliveryKeyOf(event: ReferralEvent): string {
  const received = Date.parse(event.receivedAt);
  return `${timeKey(Number.isNaN(received) ? 0 : received)}-${event.id}`;
}

export interface DeliveryRow {
  readonly subscriptionId: string;
  readonly deliveryKey: string;
  readonly referralId: string;
  readonly eventKey: string;
  readonly eventType: ReferralEvent['type'];
  readonly receivedAt: string;
  readonly state: DeliveryState;
  readonly attempts: number;
  /** When the next attempt is due (ms since the epoch); 0 for at once. */
  readonly nextAttemptAt: number;
  /** Until when a run holds the row (ms since the epoch). */
  readonly leaseUntil: number;
  readonly log: readonly DeliveryAttempt[];
  readonly etag: string;
}

function rowOf(entity: TableEntityResult<Entity>): DeliveryRow | undefined {
  const state = deliveryStateSchema.safeParse(entity['state']);
  const eventType = referralEventTypeSchema.safeParse(entity['eventType']);
  if (!state.success || !eventType.success) return undefined;
  let log: DeliveryAttempt[];
  try {
    const stored = entity['log'];
    log = deliveryAttemptSchema.array().parse(JSON.parse(typeof stored === 'string' ? stored : '[]'));
  } catch {
    // An unreadable log loses the history, never the delivery.
    log = [];
  }
  const number = (value: unknown): number => (typeof value === 'number' ? value : Number(value ?? 0) || 0);
  return {
    subscriptionId: String(entity.partitionKey),
    deliveryKey: String(entity.rowKey),
    referralId: String(entity['referralId']),
    eventKey: String(entity['eventKey']),
    eventType: eventType.data,
    receivedAt: String(entity['receivedAt']),
    state: state.data,
    attempts: number(entity['attempts']),
    nextAttemptAt: number(entity['nextAttemptAt']),
    leaseUntil: number(entity['leaseUntil']),
    log,
    etag: entity.etag,
  };
}

export function deliveryViewOf(row: DeliveryRow): DeliveryView {
  return {
    deliveryKey: row.deliveryKey,
    eventId: row.eventKey,
    eventType: row.eventType,
    referralId: row.referralId,
    receivedAt: row.receivedAt,
    state: row.state,
    attempts: row.attempts,
    ...(row.state === 'retrying' ? { nextAttemptAt: new Date(row.nextAttemptAt).toISOString() } : {}),
    log: [...row.log],
  };
}

const isStatus = (error: unknown, status: number): boolean =>
  error instanceof RestError && error.statusCode === status;

/** What a run may change in a row; the log is replaced whole. */
export interface DeliveryChange {
  readonly state?: DeliveryState;
  readonly attempts?: number;
  readonly nextAttemptAt?: number;
  readonly leaseUntil?: number;
  readonly log?: readonly DeliveryAttempt[];
}

export const appendAttempt = (log: readonly DeliveryAttempt[], attempt: DeliveryAttempt): DeliveryAttempt[] =>
  [...log, attempt].slice(-LOG_LENGTH);

export class DeliveryStore {
  constructor(private readonly table: TableClient) {}

  /** Writes the row for a new delivery; `existing` (with the row) when a fan-out already wrote it. */
  async create(
    subscriptionId: string,
    event: ReferralEvent,
  ): Promise<{ readonly created: true } | { readonly created: false; readonly row?: DeliveryRow }> {
    const deliveryKey = deliveryKeyOf(event);
    try {
      await this.table.createEntity({
        partitionKey: subscriptionId,
        rowKey: deliveryKey,
        referralId: event.referralId,
        eventKey: event.id,
        eventType: event.type,
        receivedAt: event.receivedAt,
        state: 'pending',
        attempts: 0,
        nextAttemptAt: 0,
        leaseUntil: 0,
        log: '[]',
      });
      return { created: true };
    } catch (error) {
      if (!isStatus(error, 409)) throw error;
      const row = await this.get(subscriptionId, deliveryKey);
      return row === undefined ? { created: false } : { created: false, row };
    }
  }

  async get(subscriptionId: string, deliveryKey: string): Promise<DeliveryRow | undefined> {
    try {
      return rowOf(await this.table.getEntity<Entity>(subscriptionId, deliveryKey));
    } catch (error) {
      if (isStatus(error, 404)) return undefined;
      throw error;
    }
  }

  /** Applies `change` if the row is still as read (its ETag); the new row, or undefined if someone was first. */
  async change(row: DeliveryRow, change: DeliveryChange): Promise<DeliveryRow | undefined> {
    const entity: Entity = {
      partitionKey: row.subscriptionId,
      rowKey: row.deliveryKey,
      ...(change.state === undefined ? {} : { state: change.state }),
      ...(change.attempts === undefined ? {} : { attempts: change.attempts }),
      ...(change.nextAttemptAt === undefined ? {} : { nextAttemptAt: change.nextAttemptAt }),
      ...(change.leaseUntil === undefined ? {} : { leaseUntil: change.leaseUntil }),
      ...(change.log === undefined ? {} : { log: JSON.stringify(change.log) }),
    };
    try {
      const answer = await this.table.updateEntity(
        entity as Entity & { partitionKey: string; rowKey: string },
        'Merge',
        { etag: row.etag },
      );
      return {
        ...row,
        ...(change.state === undefined ? {} : { state: change.state }),
        ...(change.attempts === undefined ? {} : { attempts: change.attempts }),
        ...(change.nextAttemptAt === undefined ? {} : { nextAttemptAt: change.nextAttemptAt }),
        ...(change.leaseUntil === undefined ? {} : { leaseUntil: change.leaseUntil }),
        ...(change.log === undefined ? {} : { log: change.log }),
        etag: answer.etag ?? row.etag,
      };
    } catch (error) {
      if (isStatus(error, 412) || isStatus(error, 404)) return undefined;
      throw error;
    }
  }

  /**
   * A subscription's rows for events received in [from, to), oldest first, at most `top`, optionally in one
   * state: a range query on the partition.
   */
  async range(
    subscriptionId: string,
    options: { from?: number; to?: number; state?: DeliveryState; top: number },
  ): Promise<{ rows: DeliveryRow[]; complete: boolean }> {
    const clauses = [`PartitionKey eq '${subscriptionId}'`];
    if (options.from !== undefined) clauses.push(`RowKey ge '${timeKey(options.from)}'`);
    if (options.to !== undefined) clauses.push(`RowKey lt '${timeKey(options.to)}'`);
    if (options.state !== undefined) clauses.push(`state eq '${options.state}'`);
    const rows: DeliveryRow[] = [];
    const entities = this.table.listEntities<Entity>({ queryOptions: { filter: clauses.join(' and ') } });
    for await (const entity of entities) {
      const row = rowOf(entity);
      if (!row) continue;
      if (rows.length === options.top) return { rows, complete: false };
      rows.push(row);
    }
    return { rows, complete: true };
  }
}
