/**
 * The asynchronous mode seen from a caller and an operator: accept a validated write durably and answer 202,
 * tell an operation's state or final outcome, list operations by state, and put failed ones back in line.
 * Framework-free: the glue passes the status URL it wants in `Location`.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { CallContext } from '../call/context';
import type { DurableSettings } from '../config';
import type { ReferralsFacade, ReferralWrite } from '../facade/referrals-facade';
import { operationNotFound, storageUnavailable } from '../failures/failure-map';
import { ProblemError, renderJson, type RenderedResponse } from '../failures/problem';
import type { Backend } from './backend';
import { defaultStorageNames, type StorageNames } from './names';
import type { IdempotencyClaim } from './operation-store';
import { parseOperationId, type OperationState, type StoredOperation } from './records';

export const operationStateSchema = z.enum(['pending', 'succeeded', 'rejected', 'failed']);

export const operationStatusSchema = z
  .object({
    id: z.string().meta({ title: 'Operation ID', description: 'The operation, as its Location names it.' }),
    state: operationStateSchema.meta({
      title: 'State',
      description:
        'pending: accepted, not yet final; succeeded; rejected: final, with a problem that sending again cannot change; failed: every attempt failed, an operator may retry it.',
    }),
    referralId: z.string().meta({ title: 'Referral ID', description: 'The referral the update is for.' }),
    sequence: z.number().int().meta({
      title: 'Sequence',
      description: 'Its place among the operations accepted for the referral: they apply in this order.',
    }),
    route: z
      .string()
      .meta({ title: 'Action', description: 'The update it runs, such as referral-close-won.' }),
    acceptedAt: z.string().meta({ title: 'Accepted At', description: 'When it was accepted (ISO 8601).' }),
    attempts: z
      .number()
      .int()
      .meta({ title: 'Attempts', description: 'How many times it was tried so far.' }),
    nextAttemptAt: z
      .string()
      .optional()
      .meta({ title: 'Next Attempt At', description: 'When it will be tried again, while it is pending.' }),
    lastProblem: z
      .string()
      .optional()
      .meta({ title: 'Last Problem', description: 'The problem type of its last failed attempt.' }),
    outcomeStatus: z
      .number()
      .int()
      .optional()
      .meta({ title: 'Outcome Status', description: 'The status of its final answer, once it has one.' }),
  })
  .meta({ title: 'Operation', description: 'An update accepted in the asynchronous mode.' });
export type OperationStatus = z.infer<typeof operationStatusSchema>;

/** A path segment that cannot name an operation is a 404 before any storage is touched. */
export function checkOperationId(id: string | undefined): string {
  if (id === undefined || !parseOperationId(id)) throw operationNotFound();
  return id;
}

/** Whether a deployment has storage for the asynchronous mode at all (not whether it answers). */
export const isDurableConfigured = (settings: DurableSettings): boolean => settings.connection !== undefined;

export interface Submission {
  readonly route: string;
  readonly write: ReferralWrite;
  /** An `Idempotency-Key` or a webhook id, with the scope it is unique in. */
  readonly dedupe?: { readonly scope: string; readonly key: string };
  /** The URL a caller polls for an operation, as `Location`. */
  readonly statusUrl: (operationId: string) => string;
  /** The synchronous answer to a write once applied, when it is not the facade's own (webhooks). */
  readonly onSuccess?: RenderedResponse;
}

export interface QueueHealth {
  readonly messages: number;
  readonly oldestAgeSeconds?: number;
  readonly poisoned: number;
}

export interface DurableOperations {
  submit(call: CallContext, submission: Submission): Promise<RenderedResponse>;
  status(
    call: CallContext,
    id: string,
    statusUrl: (operationId: string) => string,
  ): Promise<RenderedResponse>;
  list(call: CallContext, state: OperationState, limit: number): Promise<RenderedResponse>;
  retry(call: CallContext, id: string, statusUrl: (operationId: string) => string): Promise<RenderedResponse>;
  retryFailed(call: CallContext): Promise<RenderedResponse>;
  health(): Promise<QueueHealth>;
  /** The clients, table, queue and worker, opened on first use. */
  backend(): Promise<Backend>;
}

/** How long a poller should wait: the next attempt's time, between 1 s and a minute. */
function pollSeconds(operation: StoredOperation, now: number): number {
  return Math.min(60, Math.max(1, Math.ceil((operation.nextAttemptAt - now) / 1_000)));
}

export function describeOperation(operation: StoredOperation): OperationStatus {
  return {
    id: operation.id,
    state: operation.state,
    referralId: operation.referralId,
    sequence: operation.sequence,
    route: operation.route,
    acceptedAt: new Date(operation.acceptedAt).toISOString(),
    attempts: operation.attempts,
    ...(operation.state === 'pending'
      ? { nextAttemptAt: new Date(operation.nextAttemptAt).toISOString() }
      : {}),
    ...(operation.lastProblem ? { lastProblem: operation.lastProblem } : {}),
    ...(operation.outcome ? { outcomeStatus: operation.outcome.status } : {}),
  };
}

const json = (
  call: CallContext,
  status: number,
  body: unknown,
  extra: Record<string, string> = {},
): RenderedResponse => renderJson(call.correlationId, status, body, extra);

/** The same request, as far as a key is concerned: the same validated write through the same route. */
const fingerprint = (route: string, write: ReferralWrite): string =>
  createHash('sha256').update(JSON.stringify({ route, write })).digest('base64url');

export interface DurableOptions {
  readonly names?: StorageNames;
  readonly now?: () => number;
}

export function createDurableOperations(
  settings: DurableSettings,
  facade: ReferralsFacade,
  synchronousDeadlineMs: number,
  options: DurableOptions = {},
): DurableOperations {
  const connection = settings.connection;
  if (!connection) {
    throw storageUnavailable(
      'no storage is configured for the asynchronous mode (set DURABLE_STORAGE, or its __queueServiceUri and __tableServiceUri)',
    );
  }
  const now = options.now ?? Date.now;
  let opened: Promise<Backend> | undefined;
  const backend = (): Promise<Backend> => {
    opened ??= import('./backend.js')
      .then(({ openBackend }) =>
        openBackend({
          connection,
          names: options.names ?? defaultStorageNames,
          facade,
          retry: settings.retry,
          // One attempt ends within the deadline, its representation read-back within another; then a margin.
          leaseMs: 2 * synchronousDeadlineMs + 60_000,
          now,
        }),
      )
      .catch((error: unknown) => {
        opened = undefined;
        throw error;
      });
    return opened;
  };

  /** A storage failure is the caller's 503, never an internal error: nothing was accepted. */
  async function guarded<T>(what: string, work: (backend: Backend) => Promise<T>): Promise<T> {
    try {
      return await work(await backend());
    } catch (error) {
      if (error instanceof ProblemError) throw error;
      throw storageUnavailable(`the storage account did not answer while ${what}`);
    }
  }

  const pendingAnswer = (
    call: CallContext,
    operation: StoredOperation,
    statusUrl: (operationId: string) => string,
    extra: Record<string, string> = {},
  ): RenderedResponse =>
    json(call, 202, describeOperation(operation), {
      Location: statusUrl(operation.id),
      'Retry-After': String(pollSeconds(operation, now())),
      ...extra,
    });

  async function find(id: string): Promise<StoredOperation> {
    const parsed = parseOperationId(id);
    if (!parsed) throw operationNotFound();
    const operation = await guarded('reading the operation', ({ store }) =>
      store.bySequence(parsed.referralId, parsed.sequence),
    );
    if (!operation || operation.id !== id) throw operationNotFound();
    return operation;
  }

  return {
    backend,

    async submit(call, submission) {
      const { write } = submission;
      const claim: IdempotencyClaim | undefined = submission.dedupe && {
        ...submission.dedupe,
        fingerprint: fingerprint(submission.route, write),
      };
      const accepted = await guarded('accepting the operation', async ({ store, queue }) => {
        const acceptance = await store.accept(
          write.referralId,
          { correlationId: call.correlationId, now: now() },
          {
            route: submission.route,
            write,
            ...(submission.onSuccess ? { onSuccess: submission.onSuccess } : {}),
          },
          claim,
        );
        // Also for a repeated key: a first attempt may have stored the operation and lost its message.
        if (acceptance.operation.state === 'pending') {
          await queue.wake({ referralId: write.referralId, correlationId: call.correlationId });
        }
        return acceptance;
      });
      return pendingAnswer(call, accepted.operation, submission.statusUrl, {
        'Preference-Applied': 'respond-async',
        ...(accepted.created ? {} : { 'Idempotent-Replayed': 'true' }),
      });
    },

    async status(call, id, statusUrl) {
      const operation = await find(id);
      if (operation.state === 'pending' || !operation.outcome)
        return pendingAnswer(call, operation, statusUrl);
      return operation.outcome;
    },

    async list(call, state, limit) {
      const operations = await guarded('listing operations', ({ store }) => store.listByState(state, limit));
      return json(call, 200, { state, operations: operations.map(describeOperation) });
    },

    async retry(call, id, statusUrl) {
      const operation = await find(id);
      const replayed = await guarded('retrying the operation', async ({ store, queue }) => {
        const back = await store.replay(operation, now());
        await queue.wake({ referralId: back.referralId, correlationId: back.correlationId });
        return back;
      });
      return pendingAnswer(call, replayed, statusUrl);
    },

    async retryFailed(call) {
      const failed = await guarded('listing failed operations', ({ store }) =>
        store.listByState('failed', 1_000),
      );
      const retried: string[] = [];
      const refused: { id: string; problem: string }[] = [];
      for (const operation of failed) {
        try {
          await guarded('retrying an operation', async ({ store, queue }) => {
            await store.replay(operation, now());
            await queue.wake({ referralId: operation.referralId, correlationId: operation.correlationId });
          });
          retried.push(operation.id);
        } catch (error) {
          if (!(error instanceof ProblemError)) throw error;
          refused.push({ id: operation.id, problem: error.problem.kind });
        }
      }
      return json(call, 200, { retried, refused });
    },

    health: () => guarded('reading the queue', ({ queue }) => queue.depth(now())),
  };
}
