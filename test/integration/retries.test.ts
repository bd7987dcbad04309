import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { seededIds } from '../../dev/simulator/seed';
import { call, callLogs } from '../support/http';
import { startStack, type Stack } from '../support/stack';
import { virtualClock, type VirtualClock } from '../support/virtual-clock';

const id = seededIds.active;
const ATTEMPT_TIMEOUT_MS = 300;
/** Far beyond the attempt timeout, so a slow answer always times out, however loaded the machine is. */
const SLOW_MS = 5_000;

describe('retries against a failing Partner Center', () => {
  let stack: Stack;
  let clock: VirtualClock;

  before(async () => {
    clock = virtualClock();
    stack = await startStack(
      { PARTNER_CENTER_MAX_ATTEMPTS: '4', PARTNER_CENTER_DEADLINE_MS: '60000' },
      { clock, attemptTimeoutMs: ATTEMPT_TIMEOUT_MS },
    );
  });
  after(() => stack.close());
  beforeEach(() => {
    stack.simulator.reset();
    clock.sleeps.length = 0;
    stack.logs.length = 0;
  });

  const patches = () => stack.simulator.calls.filter((recorded) => recorded.method === 'PATCH');
  const updateNotes = (notes: string) =>
    call(`${stack.api}/referrals/${id}/update-details`, { body: { notes } });
  const notes = () => (stack.simulator.referral(id)?.['details'] as { notes: string }).notes;
  const lastLog = () => callLogs(stack.logs).at(-1);

  it('429 with Retry-After: waits as told, then succeeds, with the same MS-RequestId', async () => {
    stack.simulator.failNext({ kind: 'status', status: 429, headers: { 'retry-after': '2' } });
    const answer = await updateNotes('after throttling');
    assert.equal(answer.status, 204);
    assert.equal(notes(), 'after throttling');
    assert.deepEqual(clock.sleeps, [2000]);
    const ids = patches().map((recorded) => recorded.headers['ms-requestid']);
    assert.equal(ids.length, 2);
    assert.equal(new Set(ids).size, 1);
    assert.equal(lastLog()?.attempts, 2);
  });

  it('503 and 500 back off exponentially; every attempt carries the same MS-RequestId', async () => {
    stack.simulator.failNext({ kind: 'status', status: 503 }, { kind: 'status', status: 500 });
    const answer = await updateNotes('after outages');
    assert.equal(answer.status, 204);
    const [first = -1, second = -1, ...rest] = clock.sleeps;
    assert.deepEqual(rest, []);
    assert.ok(first >= 500 && first <= 1000, `first wait ${String(first)}`);
    assert.ok(second >= 1000 && second <= 2000, `second wait ${String(second)}`);
    assert.equal(new Set(patches().map((recorded) => recorded.headers['ms-requestid'])).size, 1);
  });

  it('each logical call gets its own MS-RequestId', async () => {
    await updateNotes('one');
    await updateNotes('two');
    const ids = patches().map((recorded) => recorded.headers['ms-requestid']);
    assert.equal(new Set(ids).size, 2);
  });

  for (const status of [400, 403, 404, 409, 412, 422, 501, 505]) {
    it(`${String(status)} is answered at once, without a retry`, async () => {
      stack.simulator.failNext({ kind: 'status', status });
      const answer = await updateNotes('refused');
      assert.notEqual(answer.status, 204);
      assert.equal(patches().length, 1);
      assert.deepEqual(clock.sleeps, []);
      assert.equal(notes(), '');
    });
  }

  it('persistent throttling: after the attempt limit, 503 with the upstream’s Retry-After', async () => {
    stack.simulator.injectFaults(() => ({ kind: 'status', status: 429, headers: { 'retry-after': '7' } }));
    const answer = await updateNotes('never');
    assert.equal(answer.status, 503);
    assert.equal(answer.headers.get('content-type'), 'application/problem+json');
    assert.equal(answer.headers.get('retry-after'), '7');
    assert.match((answer.json as { detail: string }).detail, /after 4 attempts.*was not applied/);
    assert.equal(patches().length, 4);
    assert.equal(lastLog()?.attempts, 4);
    assert.equal(lastLog()?.upstreamStatus, 429);
  });

  it('a Retry-After beyond the deadline ends the call at once with that Retry-After', async () => {
    stack.simulator.failNext({ kind: 'status', status: 503, headers: { 'retry-after': '120' } });
    const answer = await updateNotes('later');
    assert.equal(answer.status, 503);
    assert.equal(answer.headers.get('retry-after'), '120');
    assert.equal(patches().length, 1);
    assert.deepEqual(clock.sleeps, []);
  });

  it('a slow answer is abandoned at the attempt timeout and the call is retried', async () => {
    stack.simulator.failNext({ kind: 'slow', delayMs: SLOW_MS });
    const answer = await call(`${stack.api}/referrals/${id}`);
    assert.equal(answer.status, 200);
    assert.equal(stack.simulator.calls.length, 2);
  });

  it('no answer in time on every attempt: 504 with a Retry-After, saying the update may have been applied', async () => {
    stack.simulator.injectFaults(() => ({ kind: 'slow', delayMs: SLOW_MS }));
    const answer = await updateNotes('maybe');
    assert.equal(answer.status, 504);
    assert.ok(answer.headers.get('retry-after'));
    assert.match((answer.json as { detail: string }).detail, /may have been applied/);
  });

  it('a reset connection, a truncated body and an unreadable body on a read are retried', async () => {
    stack.simulator.failNext({ kind: 'reset' }, { kind: 'truncated' }, { kind: 'invalid-json' });
    const answer = await call(`${stack.api}/referrals/${id}`);
    assert.equal(answer.status, 200);
    assert.equal((answer.json as { id: string }).id, id);
    assert.equal(stack.simulator.calls.length, 4);
  });

  it('a write whose response is lost is resent and applied once', async () => {
    stack.simulator.failNext({ kind: 'lost-response' });
    const answer = await call(`${stack.api}/referrals/${id}/close-won`, { method: 'POST' });
    assert.equal(answer.status, 204);
    assert.equal(stack.simulator.referral(id)?.status, 'Closed');
    assert.equal(patches().length, 2);
  });

  it('an applied write with an unreadable representation is answered from a fresh read', async () => {
    stack.simulator.failNext({ kind: 'invalid-json' });
    const answer = await call(`${stack.api}/referrals/${id}/update-details?return=representation`, {
      body: { notes: 'read back' },
    });
    assert.equal(answer.status, 200);
    assert.equal((answer.json as { details: { notes: string } }).details.notes, 'read back');
    assert.deepEqual(
      stack.simulator.calls.map((recorded) => recorded.method),
      ['PATCH', 'GET'],
    );
  });

  describe('a raw patch that appends to a list', () => {
    const append = [{ op: 'add', path: '/details/requirements/solutions/-', value: { id: 'S-1' } }];
    const rawPatch = () =>
      call(`${stack.api}/referrals/${id}`, {
        method: 'PATCH',
        body: append,
      });
    const solutions = () =>
      (stack.simulator.referral(id)?.['details'] as { requirements: { solutions: unknown[] } }).requirements
        .solutions;

    it('is not resent after its response is lost, and the caller is told the outcome is unknown', async () => {
      stack.simulator.failNext({ kind: 'lost-response' });
      const answer = await rawPatch();
      assert.equal(answer.status, 502);
      assert.match((answer.json as { type: string }).type, /outcome-unknown$/);
      assert.equal(patches().length, 1);
      assert.equal(solutions().length, 1);
    });

    it('is resent after a refusal that proves nothing was done (503)', async () => {
      stack.simulator.failNext({ kind: 'status', status: 503 });
      const answer = await rawPatch();
      assert.equal(answer.status, 204);
      assert.equal(solutions().length, 1);
    });

    it('is resent when it carries If-Match, since a second application would fail with 412', async () => {
      const etag = stack.simulator.referral(id)?.eTag ?? '';
      stack.simulator.failNext({ kind: 'lost-response' });
      const answer = await call(`${stack.api}/referrals/${id}`, {
        method: 'PATCH',
        headers: { 'if-match': etag },
        body: append,
      });
      assert.equal(answer.status, 412);
      assert.match((answer.json as { detail: string }).detail, /may have been applied/);
      assert.equal(solutions().length, 1);
    });
  });

  it('reuses one keep-alive connection for many calls', async () => {
    const before = stack.simulator.connections();
    for (let index = 0; index < 20; index++) {
      assert.equal((await call(`${stack.api}/referrals/${id}`)).status, 200);
    }
    assert.ok(
      stack.simulator.connections() - before <= 1,
      `opened ${String(stack.simulator.connections() - before)}`,
    );
  });
});

describe('the deadline', () => {
  it('bounds the whole call, waits included', async () => {
    const clock = virtualClock();
    const stack = await startStack(
      { PARTNER_CENTER_MAX_ATTEMPTS: '10', PARTNER_CENTER_DEADLINE_MS: '5000' },
      { clock },
    );
    try {
      stack.simulator.injectFaults(() => ({ kind: 'status', status: 500 }));
      const answer = await call(`${stack.api}/referrals/${id}`);
      assert.equal(answer.status, 503);
      const waited = clock.sleeps.reduce((sum, ms) => sum + ms, 0);
      assert.ok(waited < 5000, `waited ${String(waited)} ms`);
      assert.ok(stack.simulator.calls.length < 10);
    } finally {
      await stack.close();
    }
  });
});
