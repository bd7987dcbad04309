/**
 * Retry strategies for the Partner Center relay, in the shape of the Azure SDK's core-rest-pipeline strategies:
 * small pure factories that look at one failed attempt and return a tagged decision. The first strategy that
 * does not skip decides; when every strategy skips, the failure is final.
 */
import type { UpstreamReply, UpstreamUnreachableError } from './client';

/** The standard header: seconds, or an HTTP date after which to retry. */
export const RETRY_AFTER_HEADER = 'retry-after';
/** Milliseconds to wait; sent by some Azure services instead of, or beside, `Retry-After`. */
export const RETRY_AFTER_MS_HEADER = 'retry-after-ms';
/** Milliseconds to wait; the `x-ms-` spelling of the same hint. */
export const X_MS_RETRY_AFTER_MS_HEADER = 'x-ms-retry-after-ms';

/** What a strategy sees: one failed attempt of one logical call. */
export interface RetryContext {
  /** Retries already made for this call: 0 after the first attempt. */
  readonly retryCount: number;
  readonly reply?: UpstreamReply;
  readonly error?: UpstreamUnreachableError;
  /**
   * Whether sending the same request again cannot change the outcome once one attempt was applied: reads,
   * replace-only patches, and any patch whose If-Match pins one version (`*` pins none).
   */
  readonly replaySafe: boolean;
  /** The clock's current time, so an HTTP-date `Retry-After` is read against the injected clock. */
  readonly now: number;
}

export type RetryDecision =
  /** Wait this long, then send the same request again. */
  | { readonly retryAfterInMs: number }
  /** This strategy has no opinion; ask the next one. */
  | { readonly skipStrategy: true }
  /** Stop now and report the failure, even if a later strategy would retry. */
  | { readonly stop: 'not-replay-safe' };

export interface RetryStrategy {
  readonly name: string;
  retry(context: RetryContext): RetryDecision;
}

const skip: RetryDecision = { skipStrategy: true };

function header(reply: UpstreamReply, name: string): string | undefined {
  const value = reply.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  const trimmed = first?.trim();
  return trimmed === '' ? undefined : trimmed;
}

function nonNegativeNumber(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+(\.\d+)?$/.test(text)) return undefined;
  return Number(text);
}

/**
 * The server's wait hint in milliseconds, from `retry-after-ms`, `x-ms-retry-after-ms` or `Retry-After`
 * (seconds or an HTTP date; a date in the past means "now"). Undefined when there is none or it is unreadable.
 */
export function retryAfterInMs(reply: UpstreamReply, now: number): number | undefined {
  for (const name of [RETRY_AFTER_MS_HEADER, X_MS_RETRY_AFTER_MS_HEADER]) {
    const ms = nonNegativeNumber(header(reply, name));
    if (ms !== undefined) return ms;
  }
  const value = header(reply, RETRY_AFTER_HEADER);
  if (value === undefined) return undefined;
  const seconds = nonNegativeNumber(value);
  if (seconds !== undefined) return seconds * 1000;
  // HTTP dates end in GMT (RFC 9110 §5.6.7); Date.parse alone would read "-3" as a year.
  const date = /\bGMT$/.test(value) ? Date.parse(value) : Number.NaN;
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/** 429 and 503 are the statuses on which a server's wait hint is honoured. */
export function isThrottlingStatus(status: number): boolean {
  return status === 429 || status === 503;
}

/** 408, and every 5xx except 501 (Not Implemented) and 505 (HTTP Version Not Supported), which never heal. */
export function isTransientStatus(status: number): boolean {
  return status === 408 || (status >= 500 && status !== 501 && status !== 505);
}

/**
 * A failure after which the upstream may or may not have applied a write: no answer in time, a connection
 * lost after the request went out, or a gateway that gave up waiting for the service. 429 and 503 are refusals
 * (nothing was done); so is a failure to connect at all.
 */
export function isAmbiguousFailure(context: Pick<RetryContext, 'reply' | 'error'>): boolean {
  if (context.error) return context.error.reason !== 'connect';
  const status = context.reply?.status;
  return status !== undefined && isTransientStatus(status) && !isThrottlingStatus(status);
}

/**
 * Refuses to resend a request that is not replay-safe after an ambiguous failure: an append (`add` to `/-`)
 * without If-Match could otherwise be applied twice. Put it first.
 */
export function replaySafetyStrategy(): RetryStrategy {
  return {
    name: 'replaySafetyStrategy',
    retry: (context) =>
      !context.replaySafe && isAmbiguousFailure(context) ? { stop: 'not-replay-safe' } : skip,
  };
}

/** 429/503 with a readable wait hint: wait exactly as long as the server asked. */
export function throttlingRetryStrategy(): RetryStrategy {
  return {
    name: 'throttlingRetryStrategy',
    retry({ reply, now }) {
      if (!reply || !isThrottlingStatus(reply.status)) return skip;
      const wait = retryAfterInMs(reply, now);
      return wait === undefined ? skip : { retryAfterInMs: wait };
    },
  };
}

export interface ExponentialRetryOptions {
  /** Delay before the first retry, before jitter. Default 1 s. */
  readonly retryDelayInMs?: number;
  /** Cap on any one delay. Default 64 s. */
  readonly maxRetryDelayInMs?: number;
  /** A number in [0, 1), injected so tests can pin the jitter. */
  readonly random?: () => number;
}

/**
 * Transport failures, 408, 5xx (not 501/505) and 429 without a wait hint (Partner Center's throttling guidance:
 * back off exponentially when 429 persists): the delay doubles per retry up to the cap, then lands at random in
 * its upper half so that many callers do not retry in lockstep.
 */
export function exponentialRetryStrategy(options: ExponentialRetryOptions = {}): RetryStrategy {
  const base = options.retryDelayInMs ?? 1000;
  const cap = options.maxRetryDelayInMs ?? 64_000;
  const random = options.random ?? Math.random;
  return {
    name: 'exponentialRetryStrategy',
    retry({ retryCount, reply, error }) {
      const retryable = error !== undefined || (reply !== undefined && isBackoffStatus(reply.status));
      if (!retryable) return skip;
      const clamped = Math.min(cap, base * 2 ** retryCount);
      return { retryAfterInMs: Math.round(clamped / 2 + random() * (clamped / 2)) };
    },
  };
}

function isBackoffStatus(status: number): boolean {
  return status === 429 || isTransientStatus(status);
}

/** The facade's order: never replay the unsafe, then the server's own hint, then exponential backoff. */
export function defaultRetryStrategies(options: ExponentialRetryOptions = {}): readonly RetryStrategy[] {
  return [replaySafetyStrategy(), throttlingRetryStrategy(), exponentialRetryStrategy(options)];
}
