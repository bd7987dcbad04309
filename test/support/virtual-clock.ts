/**
 * A clock whose waits take no real time: `sleep` moves virtual time forward and returns at once, while `now`
 * still advances with real time, so per-attempt timeouts on real sockets and deadlines both keep working.
 */
import type { Clock } from '../../shared/upstream/retrying-relay';

export interface VirtualClock extends Clock {
  /** Every wait requested, in order, in milliseconds. */
  readonly sleeps: number[];
}

export function virtualClock(): VirtualClock {
  let skipped = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => Date.now() + skipped,
    sleep: (ms) => {
      sleeps.push(ms);
      skipped += ms;
      return new Promise((resolve) => setImmediate(resolve));
    },
  };
}

/**
 * Real time with every wait shortened by `factor`: for many calls in parallel, where a shared virtual clock
 * would let one call's waits eat into every other call's deadline.
 */
export function scaledClock(factor: number): VirtualClock {
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => Date.now(),
    sleep: (ms) => {
      sleeps.push(ms);
      return new Promise((resolve) => setTimeout(resolve, ms * factor));
    },
  };
}
