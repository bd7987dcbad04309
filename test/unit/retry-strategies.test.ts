import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UpstreamUnreachableError, type UpstreamReply } from '../../shared/upstream/client';
import {
  defaultRetryStrategies,
  exponentialRetryStrategy,
  replaySafetyStrategy,
  retryAfterInMs,
  throttlingRetryStrategy,
  type RetryContext,
  type RetryDecision,
} from '../../shared/upstream/retry-strategies';

const now = Date.parse('2026-11-02T10:00:00Z');
const reply = (status: number, headers: Record<string, string> = {}): UpstreamReply => ({
  status,
  headers,
  body: '',
});
const context = (over: Partial<RetryContext>): RetryContext => ({
  retryCount: 0,
  replaySafe: true,
  now,
  ...over,
});

/** What the default strategy list decides: the first decision that is not a skip. */
function decide(over: Partial<RetryContext>): RetryDecision | undefined {
  return defaultRetryStrategies({ random: () => 0.5 })
    .map((strategy) => strategy.retry(context(over)))
    .find((decision) => !('skipStrategy' in decision));
}

describe('reading the wait hint', () => {
  it('Retry-After in seconds', () => {
    assert.equal(retryAfterInMs(reply(429, { 'retry-after': '57' }), now), 57_000);
  });

  it('Retry-After as an HTTP date, measured against the given clock', () => {
    assert.equal(retryAfterInMs(reply(503, { 'retry-after': 'Mon, 02 Nov 2026 10:00:05 GMT' }), now), 5000);
  });

  it('a date in the past means retry now', () => {
    assert.equal(retryAfterInMs(reply(503, { 'retry-after': 'Mon, 02 Nov 2026 09:00:00 GMT' }), now), 0);
  });

  it('retry-after-ms and x-ms-retry-after-ms are milliseconds and win over Retry-After', () => {
    assert.equal(retryAfterInMs(reply(429, { 'retry-after-ms': '250', 'retry-after': '9' }), now), 250);
    assert.equal(retryAfterInMs(reply(429, { 'x-ms-retry-after-ms': '40' }), now), 40);
  });

  it('garbage is no hint at all', () => {
    assert.equal(retryAfterInMs(reply(429, { 'retry-after': 'soon' }), now), undefined);
    assert.equal(retryAfterInMs(reply(429, { 'retry-after': '-3' }), now), undefined);
    assert.equal(retryAfterInMs(reply(429), now), undefined);
  });
});

describe('which failures are retried, and how long the facade waits', () => {
  it('429 and 503 wait exactly as long as Retry-After says', () => {
    assert.deepEqual(decide({ reply: reply(429, { 'retry-after': '3' }) }), { retryAfterInMs: 3000 });
    assert.deepEqual(decide({ reply: reply(503, { 'retry-after': '1' }) }), { retryAfterInMs: 1000 });
  });

  it('the hint counts only on 429 and 503', () => {
    assert.deepEqual(
      throttlingRetryStrategy().retry(context({ reply: reply(500, { 'retry-after': '9' }) })),
      {
        skipStrategy: true,
      },
    );
  });

  for (const status of [408, 429, 500, 502, 503, 504, 507, 509]) {
    it(`${String(status)} without a hint backs off exponentially`, () => {
      assert.deepEqual(decide({ reply: reply(status) }), { retryAfterInMs: 750 });
    });
  }

  for (const status of [200, 204, 400, 401, 403, 404, 409, 412, 422, 501, 505]) {
    it(`${String(status)} is never retried`, () => {
      assert.equal(decide({ reply: reply(status, { 'retry-after': '1' }) }), undefined);
    });
  }

  for (const reason of ['connect', 'timeout', 'connection'] as const) {
    it(`a ${reason} failure is retried`, () => {
      assert.ok(decide({ error: new UpstreamUnreachableError(reason) }));
    });
  }

  it('the delay doubles per retry, up to the cap, with jitter in the upper half', () => {
    const low = exponentialRetryStrategy({ retryDelayInMs: 1000, maxRetryDelayInMs: 8000, random: () => 0 });
    const high = exponentialRetryStrategy({
      retryDelayInMs: 1000,
      maxRetryDelayInMs: 8000,
      random: () => 0.999999,
    });
    const delays = (strategy: typeof low) =>
      [0, 1, 2, 3, 4, 10].map((retryCount) => {
        const decision = strategy.retry(context({ retryCount, reply: reply(500) }));
        return 'retryAfterInMs' in decision ? decision.retryAfterInMs : -1;
      });
    assert.deepEqual(delays(low), [500, 1000, 2000, 4000, 4000, 4000]);
    assert.deepEqual(delays(high), [1000, 2000, 4000, 8000, 8000, 8000]);
  });
});

describe('a write that must not be applied twice', () => {
  const unsafe = { replaySafe: false };

  it('is not resent after a timeout, a lost connection or a gateway failure', () => {
    for (const over of [
      { error: new UpstreamUnreachableError('timeout') },
      { error: new UpstreamUnreachableError('connection') },
      { reply: reply(500) },
      { reply: reply(504) },
    ]) {
      assert.deepEqual(decide({ ...unsafe, ...over }), { stop: 'not-replay-safe' });
    }
  });

  it('is resent when the upstream surely did nothing: throttled, unavailable, or never connected', () => {
    assert.deepEqual(decide({ ...unsafe, reply: reply(429, { 'retry-after': '2' }) }), {
      retryAfterInMs: 2000,
    });
    assert.deepEqual(decide({ ...unsafe, reply: reply(503) }), { retryAfterInMs: 750 });
    assert.ok(decide({ ...unsafe, error: new UpstreamUnreachableError('connect') }));
  });

  it('the safety strategy has no opinion on replay-safe requests', () => {
    const decision = replaySafetyStrategy().retry(
      context({ error: new UpstreamUnreachableError('timeout') }),
    );
    assert.deepEqual(decision, { skipStrategy: true });
  });
});
