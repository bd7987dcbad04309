/**
 * The operations table. Accepting an operation is one transaction in the referral's partition: it moves the
 * referral's sequence counter on (conditionally on its ETag), inserts the operation and, with an idempotency
 * key, inserts the key's row. Two acceptances racing for one number, or for one key, cannot both commit.
 * The worker's lease is a separate row, so acceptances never wait for a running operation.
 */
import { createHash } from 'node:crypto';
import { odata, RestError, type TableClient, type TransactionAction } from '@azure/data-tables';
import { idempotencyKeyReused, operationNotReplayable, operationSuperseded } from '../failures/failure-map';
import type { RenderedResponse } from '../failures/problem';
import {
  KEY_ROW_PREFIX,
  LEASE_ROW,
  newNonce,
  operationEntity,
  operationFromEntity,
  operationId,
  operationRow,
  OPERATION_ROWS,
  SEQUENCE_ROW,
  toChunks,
  type AcceptedWork,
  type OperationState,
  type StoredOperation,
} from './records';

export interface IdempotencyClaim {
  /** Separates key spaces: `request` for Idempotency-Key, `hook:<mapping>` for webhook ids. */
  readonly scope: string;
  readonly key: string;
  /** The request's fingerprint: the same key with another fingerprint is refused. */
  readonly fingerprint: string;
}

export interface Acceptance {
  readonly operation: StoredOperation;
  /** False when an idempotency key found an operation accepted before. */
  readonly created: boolean;
}

export interface Lease {
  readonly referralId: string;
  readonly owner: string;
  /** The newest operation applied on the referral (0 when none). */
  readonly lastSucceeded: number;
  readonly etag: string;
}

const statusOf = (error: unknown): number | undefined =>
  error instanceof RestError ? error.statusCode : undefined;

/** 409 (a row exists) or 412 (a row changed): another writer won this round. */
const isRace = (error: unknown): boolean => [409, 412].includes(statusOf(error) ?? 0);

const keyRow = (claim: IdempotencyClaim): string =>
  `${KEY_ROW_PREFIX}${createHash('sha256').update(`${claim.scope}\n${claim.key}`).digest('hex')}`;

/** Rounds lost to other acceptances on the same referral before giving up; each round is two requests. */
const MAX_ACCEPT_ROUNDS = 50;

export class OperationStore {
  constructor(private readonly table: TableClient) {}

  private async entity(partitionKey: string, rowKey: string): Promise<Record<string, unknown> | undefined> {
    try {
      return await this.table.getEntity(partitionKey, rowKey);
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async accept(
    referralId: string,
    entry: { readonly correlationId: string; readonly now: number },
    work: AcceptedWork,
    claim?: IdempotencyClaim,
  ): Promise<Acceptance> {
    for (let round = 0; round < MAX_ACCEPT_ROUNDS; round += 1) {
      if (claim) {
        const found = await this.claimed(referralId, claim);
        if (found) return { operation: found, created: false };
      }
      const counter = await this.entity(referralId, SEQUENCE_ROW);
      const sequence = typeof counter?.['next'] === 'number' ? counter['next'] : 1;
      const id = operationId(referralId, sequence, newNonce());
      const counterRow = { partitionKey: referralId, rowKey: SEQUENCE_ROW, next: sequence + 1 };
      const row = operationEntity(
        referralId,
        sequence,
        {
          operationId: id,
          state: 'pending',
          route: work.route,
          correlationId: entry.correlationId,
          acceptedAt: entry.now,
          attempts: 0,
          nextAttemptAt: entry.now,
        },
        work,
      );
      const actions: TransactionAction[] = [
        counter
          ? ['update', counterRow, 'Replace', { etag: String(counter['etag']) }]
          : ['create', counterRow],
        ['create', row],
      ];
      if (claim) {
        actions.push([
          'create',
          { partitionKey: referralId, rowKey: keyRow(claim), sequence, fingerprint: claim.fingerprint },
        ]);
      }
      try {
        await this.table.submitTransaction(actions);
      } catch (error) {
        if (isRace(error)) continue;
        throw error;
      }
      // What was just committed, without reading it back: one storage round trip less per acceptance.
      const operation = operationFromEntity({ ...row, etag: '*' });
      return { operation, created: true };
    }
    throw new Error(`could not number an operation on ${referralId}: too many concurrent acceptances`);
  }

  /** The operation a key already names, or undefined; a key reused for another request is a 422 problem. */
  private async claimed(referralId: string, claim: IdempotencyClaim): Promise<StoredOperation | undefined> {
    const row = await this.entity(referralId, keyRow(claim));
    if (!row) return undefined;
    if (row['fingerprint'] !== claim.fingerprint) throw idempotencyKeyReused();
    const operation = await this.bySequence(referralId, Number(row['sequence']));
    if (!operation) throw new Error('an idempotency key names an operation that is not there');
    return operation;
  }

  async bySequence(referralId: string, sequence: number): Promise<StoredOperation | undefined> {
    const entity = await this.entity(referralId, operationRow(sequence));
    return entity ? operationFromEntity(entity) : undefined;
  }

  /** The referral's oldest operation still pending: the only one that may run next. */
  async firstPending(referralId: string): Promise<StoredOperation | undefined> {
    const rows = this.table.listEntities({
      queryOptions: {
        filter: odata`PartitionKey eq ${referralId} and RowKey gt ${OPERATION_ROWS.from} and RowKey lt ${OPERATION_ROWS.to} and state eq ${'pending'}`,
      },
    });
    for await (const row of rows) return operationFromEntity(row);
    return undefined;
  }

  /** Operations in one state, across referrals, oldest first within each referral. */
  async listByState(state: OperationState, limit: number): Promise<StoredOperation[]> {
    const found: StoredOperation[] = [];
    const rows = this.table.listEntities({
      queryOptions: {
        filter: odata`RowKey gt ${OPERATION_ROWS.from} and RowKey lt ${OPERATION_ROWS.to} and state eq ${state}`,
      },
    });
    for await (const row of rows) {
      found.push(operationFromEntity(row));
      if (found.length >= limit) break;
    }
    return found;
  }

  // ---- the worker's lease on a referral -------------------------------------------------------------------

  /**
   * Takes the referral's lease until `until`, unless another owner holds it unexpired. Undefined when it is held
   * (or another worker took it in the same moment).
   */
  async acquireLease(
    referralId: string,
    owner: string,
    now: number,
    until: number,
  ): Promise<Lease | undefined> {
    const row = await this.entity(referralId, LEASE_ROW);
    if (row && row['owner'] !== owner && Number(row['until'] ?? 0) > now) return undefined;
    const lastSucceeded = Number(row?.['lastSucceeded'] ?? 0);
    const entity = { partitionKey: referralId, rowKey: LEASE_ROW, owner, until, lastSucceeded };
    try {
      const written = row
        ? await this.table.updateEntity(entity, 'Replace', { etag: String(row['etag']) })
        : await this.table.createEntity(entity);
      return { referralId, owner, lastSucceeded, etag: written.etag ?? '*' };
    } catch (error) {
      if (isRace(error)) return undefined;
      throw error;
    }
  }

  /** Gives the lease up; losing it to an expiry in between is harmless. */
  async releaseLease(lease: Lease): Promise<void> {
    try {
      await this.table.updateEntity(
        {
          partitionKey: lease.referralId,
          rowKey: LEASE_ROW,
          owner: '',
          until: 0,
          lastSucceeded: lease.lastSucceeded,
        },
        'Replace',
        { etag: lease.etag },
      );
    } catch (error) {
      if (!isRace(error)) throw error;
    }
  }

  // ---- the worker's results -----------------------------------------------------------------------------

  /**
   * Records the final outcome. A success also moves the lease's `lastSucceeded` on, in the same transaction and
   * under the lease's ETag: a worker that lost its lease cannot record anything. Returns the lease as it is now.
   */
  async finish(
    lease: Lease,
    operation: StoredOperation,
    state: Exclude<OperationState, 'pending'>,
    result: {
      readonly outcome: RenderedResponse;
      readonly attempts: number;
      readonly problem?: string;
      readonly now: number;
    },
  ): Promise<Lease> {
    const lastSucceeded =
      state === 'succeeded' ? Math.max(lease.lastSucceeded, operation.sequence) : lease.lastSucceeded;
    await this.table.submitTransaction([
      [
        'update',
        {
          partitionKey: lease.referralId,
          rowKey: LEASE_ROW,
          owner: lease.owner,
          lastSucceeded,
        },
        'Merge',
        { etag: lease.etag },
      ],
      [
        'update',
        {
          partitionKey: operation.referralId,
          rowKey: operationRow(operation.sequence),
          state,
          attempts: result.attempts,
          finishedAt: result.now,
          lastProblem: result.problem ?? '',
          ...toChunks('outcome', JSON.stringify(result.outcome)),
        },
        'Merge',
        { etag: operation.etag },
      ],
    ]);
    const row = await this.entity(lease.referralId, LEASE_ROW);
    const etag = row?.['etag'];
    return { ...lease, lastSucceeded, etag: typeof etag === 'string' ? etag : lease.etag };
  }

  /** Another attempt later: the operation stays pending and keeps its place in the referral's order. */
  async reschedule(
    operation: StoredOperation,
    result: { readonly attempts: number; readonly nextAttemptAt: number; readonly problem: string },
  ): Promise<void> {
    await this.table.updateEntity(
      {
        partitionKey: operation.referralId,
        rowKey: operationRow(operation.sequence),
        attempts: result.attempts,
        nextAttemptAt: result.nextAttemptAt,
        lastProblem: result.problem,
      },
      'Merge',
      { etag: operation.etag },
    );
  }

  /**
   * Puts a failed operation back in line, with its attempts reset, unless a newer operation on the referral was
   * applied since: the lease row is rewritten in the same transaction under its ETag, so a success recorded
   * between the check and the write makes the write fail, and the check runs again.
   */
  async replay(operation: StoredOperation, now: number): Promise<StoredOperation> {
    for (let round = 0; round < MAX_ACCEPT_ROUNDS; round += 1) {
      const current = await this.bySequence(operation.referralId, operation.sequence);
      if (!current) throw new Error('the operation to retry is gone');
      if (current.state !== 'failed') throw operationNotReplayable(current.id, current.state);
      const lease = await this.entity(operation.referralId, LEASE_ROW);
      const lastSucceeded = Number(lease?.['lastSucceeded'] ?? 0);
      if (lastSucceeded > current.sequence) throw operationSuperseded(current.id, lastSucceeded);
      const leaseRow = { partitionKey: operation.referralId, rowKey: LEASE_ROW, lastSucceeded };
      try {
        await this.table.submitTransaction([
          lease
            ? ['update', leaseRow, 'Merge', { etag: String(lease['etag']) }]
            : ['create', { ...leaseRow, owner: '', until: 0 }],
          [
            'update',
            {
              partitionKey: operation.referralId,
              rowKey: operationRow(operation.sequence),
              state: 'pending',
              attempts: 0,
              nextAttemptAt: now,
            },
            'Merge',
            { etag: current.etag },
          ],
        ]);
      } catch (error) {
        if (isRace(error)) continue;
        throw error;
      }
      const replayed = await this.bySequence(operation.referralId, operation.sequence);
      if (!replayed) throw new Error('the retried operation is gone');
      return replayed;
    }
    throw new Error(`could not retry ${operation.id}: the referral kept changing`);
  }
}
