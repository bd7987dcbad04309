/**
 * Sends one logical call to Partner Center as many times as the retry strategies, the attempt limit and the
 * call's deadline allow, with the same MS-RequestId on every attempt. It reports a tagged result; turning that
 * into the caller's answer is the facade's job.
 */
import { setTimeout as delay } from 'node:timers/promises';
import {
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

/** One caller's call: its deadline, shared by every upstream request made for it, and what it cost. */
export interface CallBudget {
  readonly deadline: number;
  /** Upstream attempts so far, across every request made for this call; for the call log. */
  attempts: number;
}

export interface Sender {
  send(call: UpstreamCall, limits?: AttemptLimits): Promise<UpstreamReply>;
}

export type GiveUpReason =
  /** The attempt limit was reached on a retryable failure. */
  | 'attempts-spent'
  /** The next wait would end after the call's deadline. */
  | 'deadline-spent'
  /** An ambiguous failure on a request that must not be sent twice. */
  | 'not-replay-safe'
  /** A transport failure that no strategy retries. */
  | 'not-retryable';

export type RelayResult =
  /** The upstream gave an answer the strategies do not retry: a success or a final refusal. */
  | {
      readonly outcome: 'answered';
      readonly reply: UpstreamReply;
      /** An earlier attempt of this write failed ambiguously, so it may already have been applied. */
      readonly mayHaveApplied: boolean;
    }
  | {
      readonly outcome: 'gave-up';
      readonly reason: GiveUpReason;
      readonly reply?: UpstreamReply;
      readonly error?: UpstreamUnreachableError;
      /** How long the caller should wait before trying again, when known. */
      readonly retryAfterMs?: number;
      readonly mayHaveApplied: boolean;
    };

export interface RelayOptions {
  readonly budget: CallBudget;
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

  /** Starts the budget for one caller's call. */
  startCall(): CallBudget {
    return { deadline: this.clock.now() + this.policy.deadlineMs, attempts: 0 };
  }

  async send(call: UpstreamCall, options: RelayOptions): Promise<RelayResult> {
    const { budget } = options;
    const isWrite = call.method !== 'GET';
    let mayHaveApplied = false;
    for (let retryCount = 0; ; retryCount++) {
      const remaining = budget.deadline - this.clock.now();
      if (remaining <= 0) return { outcome: 'gave-up', reason: 'deadline-spent', mayHaveApplied };
      budget.attempts++;
      const attempt = await this.attempt(call, remaining, options.acceptReply);
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
          ? { outcome: 'answered', reply: attempt.reply, mayHaveApplied }
          : { outcome: 'gave-up', reason: 'not-retryable', ...attempt, mayHaveApplied };
      }
      if ('stop' in decision)
        return { outcome: 'gave-up', reason: decision.stop, ...attempt, mayHaveApplied };

      const wait = decision.retryAfterInMs;
      const hint = attempt.reply && isThrottlingStatus(attempt.reply.status) ? wait : undefined;
      if (retryCount + 1 >= this.policy.maxAttempts) {
        return this.giveUp('attempts-spent', attempt, hint, mayHaveApplied);
      }
      if (this.clock.now() + wait >= budget.deadline) {
        return this.giveUp('deadline-spent', attempt, hint ?? wait, mayHaveApplied);
      }
      await this.clock.sleep(wait);
    }
  }

  private giveUp(
    reason: GiveUpReason,
    attempt: { reply?: UpstreamReply; error?: UpstreamUnreachableError },
    retryAfterMs: number | undefined,
    mayHaveApplied: boolean,
  ): RelayResult {
    const fromServer = attempt.reply ? retryAfterInMs(attempt.reply, this.clock.now()) : undefined;
    const hint = retryAfterMs ?? fromServer;
    return {
      outcome: 'gave-up',
      reason,
      ...attempt,
      ...(hint === undefined ? {} : { retryAfterMs: hint }),
      mayHaveApplied,
    };
  }

  private async attempt(
    call: UpstreamCall,
    remainingMs: number,
    acceptReply: ((reply: UpstreamReply) => boolean) | undefined,
  ): Promise<{ reply?: UpstreamReply; error?: UpstreamUnreachableError }> {
    try {
      const reply = await this.sender.send(call, { timeoutMs: remainingMs });
      const ok = reply.status >= 200 && reply.status < 300;
      if (ok && acceptReply && !acceptReply(reply)) {
        return { error: new UpstreamUnreachableError('connection', { cause: 'unreadable reply body' }) };
      }
      return { reply };
    } catch (error) {
      if (error instanceof UpstreamUnreachableError) return { error };
      throw error;
    }
  }
}
