/**
 * The queue worker: one message, at most one operation. It takes the referral's lease, runs the referral's
 * oldest pending operation through the same facade flow as a synchronous call, and records the outcome, or
 * schedules the next attempt, or, after the last, marks it failed and moves it to the poison queue. Operations
 * on one referral therefore run one at a time, in the order they were accepted.
 */
import { randomUUID } from 'node:crypto';
import type { CallContext } from '../call/context';
import type { OperationRetrySettings } from '../config';
import type { ReferralsFacade } from '../facade/referrals-facade';
import { operationSuperseded } from '../failures/failure-map';
import { ProblemError, renderProblem, type RenderedResponse } from '../failures/problem';
import type { Lease, OperationStore } from './operation-store';
import type { OperationState, StoredOperation } from './records';
import { isWorthRetrying, nextDelayMs } from './retry-policy';
import type { WakeMessage, WorkQueue } from './work-queue';

/** How the glue makes the call context of one attempt (the worker makes none itself). */
export type StartAttempt = (operation: StoredOperation) => CallContext;

export type WorkerResult =
  /** Nothing pending on the referral: the message is done. */
  | { readonly kind: 'idle' }
  /** Another invocation holds the referral; the message was sent again, a little later. */
  | { readonly kind: 'busy' }
  /** The next operation waits for its retry time; the message was sent again for then. */
  | { readonly kind: 'waiting' }
  | {
      readonly kind: 'ran';
      readonly call: CallContext;
      readonly operation: StoredOperation;
      readonly state: OperationState;
      readonly status: number;
    };

export interface WorkerDependencies {
  readonly store: OperationStore;
  readonly queue: WorkQueue;
  readonly facade: ReferralsFacade;
  readonly retry: OperationRetrySettings;
  /** Longer than any one attempt can take (the synchronous deadline plus a read-back), with a margin. */
  readonly leaseMs: number;
  readonly now?: () => number;
}

const BUSY_RETRY_MS = 1_000;

interface Attempt {
  /** The lease as the attempt left it (recording an outcome moves its ETag on). */
  readonly lease: Lease;
  readonly state: OperationState;
  readonly outcome: RenderedResponse;
  readonly problem?: ProblemError;
}

export class OperationWorker {
  private readonly now: () => number;

  constructor(private readonly dependencies: WorkerDependencies) {
    this.now = dependencies.now ?? Date.now;
  }

  async handle(message: WakeMessage, startAttempt: StartAttempt): Promise<WorkerResult> {
    const { store, queue } = this.dependencies;
    const now = this.now();
    const lease = await store.acquireLease(
      message.referralId,
      randomUUID(),
      now,
      now + this.dependencies.leaseMs,
    );
    if (!lease) {
      await queue.wake(message, BUSY_RETRY_MS);
      return { kind: 'busy' };
    }
    let result: WorkerResult;
    let more: boolean;
    let held = lease;
    try {
      const operation = await store.firstPending(message.referralId);
      if (!operation) return { kind: 'idle' };
      if (operation.nextAttemptAt > now) {
        await queue.wake(message, operation.nextAttemptAt - now);
        return { kind: 'waiting' };
      }
      const call = startAttempt(operation);
      const attempt = await this.attempt(call, lease, operation);
      held = attempt.lease;
      result = { kind: 'ran', call, operation, state: attempt.state, status: attempt.outcome.status };
      more = attempt.state !== 'pending' && (await store.firstPending(message.referralId)) !== undefined;
    } finally {
      await store.releaseLease(held);
    }
    // After the release, so the next invocation finds the referral free.
    if (more)
      await queue.wake({
        referralId: message.referralId,
        ...(message.correlationId ? { correlationId: message.correlationId } : {}),
      });
    return result;
  }

  private async attempt(call: CallContext, lease: Lease, operation: StoredOperation): Promise<Attempt> {
    const { store, queue, retry } = this.dependencies;
    if (operation.sequence < lease.lastSucceeded) {
      // Only a replay racing a newer success could get here; the rule holds whatever the path.
      const problem = operationSuperseded(operation.id, lease.lastSucceeded);
      const outcome = renderProblem(problem.problem, call.correlationId);
      const held = await store.finish(lease, operation, 'rejected', {
        outcome,
        attempts: operation.attempts,
        problem: problem.problem.kind,
        now: this.now(),
      });
      return { lease: held, state: 'rejected', outcome, problem };
    }
    const attempts = operation.attempts + 1;
    const ran = await this.run(call, operation);
    const now = this.now();
    if (ran.problem && isWorthRetrying(ran.problem.problem)) {
      if (attempts < retry.maxAttempts) {
        const delay = nextDelayMs(retry, attempts, ran.problem.problem.retryAfterSeconds);
        await store.reschedule(operation, {
          attempts,
          nextAttemptAt: now + delay,
          problem: ran.problem.problem.kind,
        });
        await queue.wake({ referralId: operation.referralId, correlationId: operation.correlationId }, delay);
        return { lease, state: 'pending', outcome: ran.outcome, problem: ran.problem };
      }
      const held = await store.finish(lease, operation, 'failed', {
        outcome: ran.outcome,
        attempts,
        problem: ran.problem.problem.kind,
        now,
      });
      await queue.poisoned({
        operationId: operation.id,
        referralId: operation.referralId,
        attempts,
        problem: ran.problem.problem.kind,
      });
      // The operator event: one line an alert can match, naming the operation and the way to retry it.
      call.log.error(
        JSON.stringify({
          event: 'operation-failed',
          operationId: operation.id,
          referralId: operation.referralId,
          attempts,
          problem: ran.problem.problem.kind,
          status: ran.outcome.status,
          correlationId: operation.correlationId,
          retry: `npm run operations -- retry ${operation.id}`,
        }),
      );
      return { lease: held, state: 'failed', outcome: ran.outcome, problem: ran.problem };
    }
    const state = ran.problem ? 'rejected' : 'succeeded';
    const held = await store.finish(lease, operation, state, {
      outcome: ran.outcome,
      attempts,
      ...(ran.problem ? { problem: ran.problem.problem.kind } : {}),
      now,
    });
    return ran.problem
      ? { lease: held, state, outcome: ran.outcome, problem: ran.problem }
      : { lease: held, state, outcome: ran.outcome };
  }

  /** The synchronous flow, answer for answer: what the caller would have got had it waited. */
  private async run(
    call: CallContext,
    operation: StoredOperation,
  ): Promise<{ outcome: RenderedResponse; problem?: ProblemError }> {
    try {
      const answer = await this.dependencies.facade.update(call, operation.work.write);
      const onSuccess = operation.work.onSuccess;
      return {
        outcome: onSuccess
          ? { ...onSuccess, headers: { ...onSuccess.headers, 'MS-CorrelationId': call.correlationId } }
          : answer,
      };
    } catch (error) {
      if (!(error instanceof ProblemError)) throw error;
      return { outcome: renderProblem(error.problem, call.correlationId), problem: error };
    }
  }
}
