/**
 * Which final problems the worker tries again later, and when. The rule follows the synchronous path's: what
 * the facade answers with 429, 503 or 504 (throttled, unavailable, timed out, credentials or configuration an
 * operator can fix), or 502 for a Partner Center it could not reach, may succeed later; every other answer is
 * the operation's outcome. `outcome-unknown` is final: a raw append whose effect is unknown must not be resent.
 */
import type { OperationRetrySettings } from '../config';
import type { ProblemInit } from '../failures/problem';

export function isWorthRetrying(problem: ProblemInit): boolean {
  if (problem.kind === 'outcome-unknown') return false;
  return [429, 503, 504].includes(problem.status) || problem.kind === 'upstream-unreachable';
}

/**
 * The wait before attempt `attempts + 1`: exponential from the base, capped, with up to 20% random jitter so that
 * operations failed by one outage do not all return at once; never shorter than the upstream's Retry-After.
 */
export function nextDelayMs(
  settings: OperationRetrySettings,
  attempts: number,
  retryAfterSeconds: number | undefined,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(settings.maxMs, settings.baseMs * 2 ** Math.max(0, attempts - 1));
  const jittered = exponential * (1 + 0.2 * random());
  return Math.max(Math.min(jittered, settings.maxMs), (retryAfterSeconds ?? 0) * 1_000);
}
