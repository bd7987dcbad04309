/**
 * How an accepted operation is kept in the table. One partition per referral holds its sequence counter, its
 * worker lease, its operations (row key `op-<sequence>`, so a partition reads back in the order accepted) and
 * its idempotency keys, so that accepting an operation is one atomic transaction.
 */
import { randomBytes } from 'node:crypto';
import type { RenderedResponse } from '../failures/problem';
import type { ReferralWrite } from '../facade/referrals-facade';
import { isReferralId } from '../referral/referral-id';

export type OperationState =
  /** Accepted, not yet final: waiting for its turn or for its next attempt. */
  | 'pending'
  /** Applied: the outcome is the synchronous call's 2xx answer. */
  | 'succeeded'
  /** Final without retrying: the answer was a problem that sending again cannot change (400, 404, 412, …). */
  | 'rejected'
  /** Every attempt failed on a problem worth retrying; moved to the poison queue; an operator may retry it. */
  | 'failed';

export const SEQUENCE_ROW = 'seq';
export const LEASE_ROW = 'lease';
const OPERATION_ROW_PREFIX = 'op-';
export const KEY_ROW_PREFIX = 'key-';

export const operationRow = (sequence: number): string =>
  `${OPERATION_ROW_PREFIX}${String(sequence).padStart(10, '0')}`;
/** Row keys of operations sort between these two. */
export const OPERATION_ROWS = { from: OPERATION_ROW_PREFIX, to: 'op.' } as const;

/** What the worker needs to run the call again: the validated write and the route it came through. */
export interface AcceptedWork {
  readonly route: string;
  readonly write: ReferralWrite;
  /** The answer the synchronous call gives once the write is applied, when it is not the facade's own (webhooks). */
  readonly onSuccess?: RenderedResponse;
}

export interface StoredOperation {
  readonly id: string;
  readonly referralId: string;
  readonly sequence: number;
  readonly state: OperationState;
  readonly route: string;
  readonly correlationId: string;
  readonly acceptedAt: number;
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly finishedAt?: number;
  /** The problem kind of the last failed attempt, or of the final outcome. */
  readonly lastProblem?: string;
  readonly work: AcceptedWork;
  readonly outcome?: RenderedResponse;
  /** The entity's version, for conditional updates. */
  readonly etag: string;
}

// ---- operation ids ----------------------------------------------------------------------------------------

/** `<referral id>.<sequence>.<nonce>`: the referral and sequence find the row; the nonce makes ids unguessable. */
export function operationId(referralId: string, sequence: number, nonce: string): string {
  return `${referralId}.${String(sequence)}.${nonce}`;
}

export const newNonce = (): string => randomBytes(8).toString('hex');

export interface ParsedOperationId {
  readonly referralId: string;
  readonly sequence: number;
  readonly nonce: string;
}

export function parseOperationId(id: string): ParsedOperationId | undefined {
  const match = /^([^.]+)\.([1-9][0-9]{0,9})\.([0-9a-f]{16})$/.exec(id);
  if (!match?.[1] || !match[2] || !match[3] || !isReferralId(match[1])) return undefined;
  return { referralId: match[1], sequence: Number(match[2]), nonce: match[3] };
}

// ---- chunked text properties --------------------------------------------------------------------------------

/** A string property holds at most 64 KiB (32K UTF-16 units); a body up to the 64 KiB limit needs several. */
const CHUNK = 30_000;

export function toChunks(prefix: string, text: string): Record<string, string | number> {
  const properties: Record<string, string | number> = {};
  let index = 0;
  for (let offset = 0; offset < text.length || index === 0; offset += CHUNK, index += 1) {
    properties[`${prefix}${String(index)}`] = text.slice(offset, offset + CHUNK);
  }
  properties[`${prefix}Chunks`] = index;
  return properties;
}

export function fromChunks(prefix: string, entity: Readonly<Record<string, unknown>>): string | undefined {
  const count = entity[`${prefix}Chunks`];
  if (typeof count !== 'number') return undefined;
  let text = '';
  for (let index = 0; index < count; index += 1) {
    const part = entity[`${prefix}${String(index)}`];
    if (typeof part !== 'string') return undefined;
    text += part;
  }
  return text;
}

// ---- entity ↔ record --------------------------------------------------------------------------------------

export interface OperationEntityFields {
  readonly operationId: string;
  readonly state: OperationState;
  readonly route: string;
  readonly correlationId: string;
  readonly acceptedAt: number;
  readonly attempts: number;
  readonly nextAttemptAt: number;
}

export function operationEntity(
  referralId: string,
  sequence: number,
  fields: OperationEntityFields,
  work: AcceptedWork,
): Record<string, string | number> & { partitionKey: string; rowKey: string } {
  return {
    partitionKey: referralId,
    rowKey: operationRow(sequence),
    ...fields,
    ...toChunks('work', JSON.stringify(work)),
  };
}

const states: readonly OperationState[] = ['pending', 'succeeded', 'rejected', 'failed'];

export function operationFromEntity(entity: Readonly<Record<string, unknown>>): StoredOperation {
  const id = entity['operationId'];
  const parsed = typeof id === 'string' ? parseOperationId(id) : undefined;
  const state = entity['state'];
  const workText = fromChunks('work', entity);
  if (
    !parsed ||
    typeof id !== 'string' ||
    !states.includes(state as OperationState) ||
    workText === undefined
  ) {
    throw new Error('an operation entity is not in the expected shape');
  }
  const outcomeText = fromChunks('outcome', entity);
  const number = (name: string): number => Number(entity[name] ?? 0);
  const text = (name: string): string | undefined =>
    typeof entity[name] === 'string' ? entity[name] : undefined;
  const finishedAt = entity['finishedAt'];
  const lastProblem = text('lastProblem');
  return {
    id,
    referralId: parsed.referralId,
    sequence: parsed.sequence,
    state: state as OperationState,
    route: text('route') ?? '',
    correlationId: text('correlationId') ?? '',
    acceptedAt: number('acceptedAt'),
    attempts: number('attempts'),
    nextAttemptAt: number('nextAttemptAt'),
    ...(typeof finishedAt === 'number' ? { finishedAt } : {}),
    ...(lastProblem === undefined ? {} : { lastProblem }),
    work: JSON.parse(workText) as AcceptedWork,
    ...(outcomeText === undefined ? {} : { outcome: JSON.parse(outcomeText) as RenderedResponse }),
    etag: text('etag') ?? '*',
  };
}
