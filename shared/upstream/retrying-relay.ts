/**
 * Sends one logical call to Partner Center as many times as the retry strategies, the attempt limit and the
 * call's deadline allow, with the same MS-RequestId on every attempt. It keeps the call context's upstream facts
 * (deadline, attempts sent, last status) and reports a tagged result; the failure map turns a failed one into a
 * problem.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { CallContext } from '../call/context';
import type { ProblemError } from '../failures/problem';
import type { GiveUpReason, UpstreamGaveUp } from '../failures/failure-map';
import {
  NoTokenError,
  UpstreamUnreachableError,
  type AttemptLimits,
  type UpstreamCall,
  type UpstreamReply,
} from './client';
import {
  isAmbiguousFailure,
  isThrottlingStatus,
  retryAfterInMs,
  type RetryDecision,
  type RetryStrategy,
} from './retry-strategies';

/** Time as the retry layer sees it; injected so tests neither wait nor depend on the wall clock. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => delay(ms),
};

export interface RetryPolicy {
  /** Attempts per upstream request, the first included. */
  readonly maxAttempts: number;
  /** The whole logical call's budget, all upstream requests and waits included. */
  readonly deadlineMs: number;
  readonly strategies: readonly RetryStrategy[];
}

export interface Sender {
  send(call: UpstreamCall, limits?: AttemptLimits): Promise<UpstreamReply>;
}

export type RelayResult =
  /** The upstream gave an answer the strategies do not retry: a success or a final refusal. */
  | {
      readonly outcome: 'answered';
      readonly reply: UpstreamReply;
      /** An earlier attempt of this write failed ambiguously, so it may already have been applied. */
      readonly mayHaveApplied: boolean;
      /** A refusal's Retry-After, read by the retry layer's parser. */
      readonly retryAfterMs?: number;
    }
  | ({ readonly outcome: 'gave-up'; readonly reply?: UpstreamReply } & UpstreamGaveUp)
  /** No token could be had, so nothing more was sent; the problem says why. */
  | { readonly outcome: 'no-token'; readonly problem: ProblemError };

interface Attempt {
  readonly reply?: UpstreamReply;
  readonly error?: UpstreamUnreachableError;
}

export interface RelayOptions {
  /** See `RetryContext.replaySafe`. */
  readonly replaySafe: boolean;
  /** A 2xx this rejects (an unreadable body on a read) is treated like a broken connection and retried. */
  readonly acceptReply?: (reply: UpstreamReply) => boolean;
}

export class RetryingRelay {
  constructor(
    private readonly sender: Sender,
    private readonly policy: RetryPolicy,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Sends `request` for `call`; the first request a call sends fixes the call's deadline. */
  async send(call: CallContext, request: UpstreamCall, options: RelayOptions): Promise<RelayResult> {
    call.deadline ??= this.clock.now() + Math.min(this.policy.deadlineMs, call.budgetMs ?? Infinity);
    const deadline = call.deadline;
    const isWrite = request.method !== 'GET';
    let mayHaveApplied = false;
    for (let retryCount = 0; ; retryCount++) {
      const remaining = deadline - this.clock.now();
      if (remaining <= 0) return { outcome: 'gave-up', reason: 'deadline-spent', mayHaveApplied };
      const attempt = await this.attempt(request, remaining, options.acceptReply);
      if (attempt instanceof NoTokenError) {
        call.upstreamAttempts += attempt.requestsSent;
        return { outcome: 'no-token', problem: attempt.problem };
      }
      call.upstreamAttempts++;
      if (attempt.reply) call.upstreamStatus = attempt.reply.status;
      const context = { retryCount, ...attempt, replaySafe: options.replaySafe, now: this.clock.now() };
      if (isWrite && isAmbiguousFailure(context)) mayHaveApplied = true;

      const decision = this.policy.strategies
        .map((strategy) => strategy.retry(context))
        .find(
          (candidate): candidate is Exclude<RetryDecision, { skipStrategy: true }> =>
            !('skipStrategy' in candidate),
        );
      if (decision === undefined) {
        return attempt.reply
          ? this.answered(attempt.reply, mayHaveApplied)
          : this.giveUp('not-retryable', attempt, undefined, mayHaveApplied);
      }
      if ('stop' in decision) return this.giveUp(decision.stop, attempt, undefined, mayHaveApplied);

      const wait = decision.retryAfterInMs;
      const hint = attempt.reply && isThrottlingStatus(attempt.reply.status) ? wait : undefined;
      if (retryCount + 1 >= this.policy.maxAttempts) {
        return this.giveUp('attempts-spent', attempt, hint, mayHaveApplied);
      }
      if (this.clock.now() + wait >= deadline) {
        return this.giveUp('deadline-spent', attempt, hint ?? wait, mayHaveApplied);
      }
      await this.clock.sleep(wait);
    }
  }

  private answered(reply: UpstreamReply, mayHaveApplied: boolean): RelayResult {
    const success = reply.status >= 200 && reply.status < 300;
    const retryAfterMs = success ? undefined : retryAfterInMs(reply, this.clock.now());
    return {
      outcome: 'answered',
      reply,
      mayHaveApplied,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  }

  private giveUp(
    reason: GiveUpReason,
    attempt: Attempt,
    retryAfterMs: number | undefined,
    mayHaveApplied: boolean,
  ): RelayResult {
    const fromServer = attempt.reply ? retryAfterInMs(attempt.reply, this.clock.now()) : undefined;
    const hint = retryAfterMs ?? fromServer;
    return {
      outcome: 'gave-up',
      reason,
      ...(attempt.reply ? { reply: attempt.reply } : {}),
      ...(attempt.error ? { unreachable: attempt.error.reason } : {}),
      ...(hint === undefined ? {} : { retryAfterMs: hint }),
      mayHaveApplied,
    };
  }

  /** One attempt's outcome; a token that could not be had comes back as its NoTokenError, not thrown. */
  private async attempt(
    request: UpstreamCall,
    remainingMs: number,
    acceptReply: ((reply: UpstreamReply) => boolean) | undefined,
  ): Promise<Attempt | NoTokenError> {
    try {
      const reply = await this.sender.send(request, { timeoutMs: remainingMs });
      const ok = reply.status >= 200 && reply.status < 300;
      if (ok && acceptReply && !acceptReply(reply)) {
        return { error: new UpstreamUnreachableError('connection', { cause: 'unreadable reply body' }) };
      }
      return { reply };
    } catch (error) {
      if (error instanceof UpstreamUnreachableError) return { error };
      if (error instanceof NoTokenError) return error;
      throw error;
    }
  }
}
