/**
 * The received events, kept in Table storage. One partition per referral holds its events (row `evt-<key>`) and
 * the versions already announced (row `ver-<version>`), written in one transaction: the same change can be stored
 * once only, whether Partner Center sends it ten times or the sweep finds it too.
 */
import { RestError, type TableClient, type TableEntityResult } from '@azure/data-tables';
import {
  eventDetectionSchema,
  eventOriginSchema,
  referralEventTypeSchema,
  versionKeyOf,
  type EventOrigin,
  type ReferralEvent,
  type ReferralEventType,
} from './records';

/** A property holds at most 64 KiB (32K UTF-16 units); a referral is split over as many as it needs. */
const CHUNK = 30_000;
const MAX_CHUNKS = 30;
/** The largest referral (as JSON) an event can carry: an entity holds at most 1 MiB. */
export const MAX_STORED_REFERRAL_CHARS = CHUNK * MAX_CHUNKS;

const eventRow = (key: string): string => `evt-${key}`;
/**
 * One row per event type, origin and version. A `referral-updated` for a version already announced is a duplicate,
 * but a `referral-created` for it is not (its trigger must still fire), nor is someone else's change that reads a
 * version the facade wrote (subscribers that leave out the facade's changes must still hear of it).
 */
const versionRow = (type: ReferralEventType, origin: EventOrigin, etag: string): string =>
  `ver-${type}-${origin}-${versionKeyOf(etag)}`;
const partitionOf = (referralId: string): string => referralId.toLowerCase();

type Entity = Record<string, unknown>;

function chunked(text: string): Entity {
  const parts: Entity = { referralChunks: Math.ceil(text.length / CHUNK) };
  for (let index = 0; index * CHUNK < text.length; index += 1) {
    parts[`referral${index}`] = text.slice(index * CHUNK, (index + 1) * CHUNK);
  }
  return parts;
}

function unchunked(entity: Entity): string {
  const count = typeof entity['referralChunks'] === 'number' ? entity['referralChunks'] : 0;
  let text = '';
  for (let index = 0; index < count; index += 1) {
    const part = entity[`referral${index}`];
    if (typeof part === 'string') text += part;
  }
  return text;
}

function eventOf(entity: TableEntityResult<Entity>): ReferralEvent | undefined {
  const type = referralEventTypeSchema.safeParse(entity['type']);
  const origin = eventOriginSchema.safeParse(entity['origin']);
  const detectedBy = eventDetectionSchema.safeParse(entity['detectedBy']);
  if (!type.success || !origin.success || !detectedBy.success) return undefined;
  const etag = entity['referralEtag'];
  return {
    id: String(entity['eventKey']),
    type: type.data,
    referralId: String(entity['referralId']),
    changedAt: String(entity['changedAt']),
    receivedAt: String(entity['receivedAt']),
    origin: origin.data,
    detectedBy: detectedBy.data,
    ...(typeof etag === 'string' ? { etag } : {}),
    referral: JSON.parse(unchunked(entity)) as ReferralEvent['referral'],
  };
}

const isConflict = (error: unknown): boolean =>
  error instanceof RestError && (error.statusCode === 409 || error.code === 'EntityAlreadyExists');

export type RecordResult = 'recorded' | 'duplicate';
export type FanOutState = 'absent' | 'pending' | 'done';

export class EventStore {
  constructor(
    private readonly events: TableClient,
    private readonly state: TableClient,
  ) {}

  async find(referralId: string, eventKey: string): Promise<ReferralEvent | undefined> {
    try {
      const entity = await this.events.getEntity<Entity>(partitionOf(referralId), eventRow(eventKey));
      return eventOf(entity);
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) return undefined;
      throw error;
    }
  }

  /** The event already stored for this type, origin and version (by the receiver or the sweep), if any. */
  async announced(
    referralId: string,
    type: ReferralEventType,
    origin: EventOrigin,
    etag: string,
  ): Promise<string | undefined> {
    try {
      const entity = await this.events.getEntity<Entity>(
        partitionOf(referralId),
        versionRow(type, origin, etag),
        {
          queryOptions: { select: ['eventKey'] },
        },
      );
      return typeof entity['eventKey'] === 'string' ? entity['eventKey'] : undefined;
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) return undefined;
      throw error;
    }
  }

  /** Stores the event and its version together; `duplicate` when either is known already. */
  async record(event: ReferralEvent): Promise<RecordResult> {
    const referral = JSON.stringify(event.referral);
    if (referral.length > MAX_STORED_REFERRAL_CHARS)
      throw new RangeError('the referral is too large to store');
    const partitionKey = partitionOf(event.referralId);
    const row: Entity = {
      partitionKey,
      rowKey: eventRow(event.id),
      eventKey: event.id,
      type: event.type,
      referralId: event.referralId,
      changedAt: event.changedAt,
      receivedAt: event.receivedAt,
      origin: event.origin,
      detectedBy: event.detectedBy,
      ...(event.etag === undefined ? {} : { referralEtag: event.etag }),
      fannedOut: false,
      ...chunked(referral),
    };
    try {
      if (event.etag === undefined) {
        await this.events.createEntity(row as Entity & { partitionKey: string; rowKey: string });
      } else {
        await this.events.submitTransaction([
          ['create', row as Entity & { partitionKey: string; rowKey: string }],
          [
            'create',
            { partitionKey, rowKey: versionRow(event.type, event.origin, event.etag), eventKey: event.id },
          ],
        ]);
      }
      return 'recorded';
    } catch (error) {
      if (isConflict(error)) return 'duplicate';
      throw error;
    }
  }

  /**
   * In one small read: whether the event is stored at all, and if so whether its fan-out message was sent
   * (`pending`: an attempt stored it and failed before queueing it).
   */
  async fanOutState(referralId: string, eventKey: string): Promise<FanOutState> {
    try {
      const entity = await this.events.getEntity<Entity>(partitionOf(referralId), eventRow(eventKey), {
        queryOptions: { select: ['fannedOut'] },
      });
      return entity['fannedOut'] === true ? 'done' : 'pending';
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) return 'absent';
      throw error;
    }
  }

  async markFannedOut(referralId: string, eventKey: string): Promise<void> {
    await this.events.updateEntity(
      { partitionKey: partitionOf(referralId), rowKey: eventRow(eventKey), fannedOut: true },
      'Merge',
    );
  }

  // ---- the loop guard: versions the facade's own writes produced ----------------------------------------------

  async markFacadeWrite(referralId: string, etag: string, at: number): Promise<void> {
    await this.state.upsertEntity({
      partitionKey: 'facade-write',
      rowKey: `${partitionOf(referralId)}-${versionKeyOf(etag)}`,
      at: new Date(at).toISOString(),
    });
  }

  async isFacadeWrite(referralId: string, etag: string): Promise<boolean> {
    try {
      await this.state.getEntity('facade-write', `${partitionOf(referralId)}-${versionKeyOf(etag)}`);
      return true;
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) return false;
      throw error;
    }
  }

  // ---- the sweep's cursor -------------------------------------------------------------------------------------

  async sweepCursor(): Promise<string | undefined> {
    try {
      const entity = await this.state.getEntity<Entity>('sweep', 'cursor');
      return typeof entity['since'] === 'string' ? entity['since'] : undefined;
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) return undefined;
      throw error;
    }
  }

  async setSweepCursor(since: string): Promise<void> {
    await this.state.upsertEntity({ partitionKey: 'sweep', rowKey: 'cursor', since }, 'Replace');
  }
}
