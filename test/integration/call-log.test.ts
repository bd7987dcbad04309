import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { seededIds } from '../../dev/simulator/seed';
import { call, callLogs } from '../support/http';
import { startStack, type Stack } from '../support/stack';
import { virtualClock } from '../support/virtual-clock';

const id = seededIds.active;
const correlationId = '5f0e7a9c-1d2b-4c3e-8f4a-6b7c8d9e0f1a';

describe('the call log', () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack({}, { clock: virtualClock() });
  });
  after(() => stack.close());
  beforeEach(() => {
    stack.simulator.reset();
    stack.logs.length = 0;
  });

  it('writes one JSON line per call: route, referral id, status, upstream status, attempts, duration, correlation id', async () => {
    stack.simulator.failNext({ kind: 'status', status: 503 });
    await call(`${stack.api}/referrals/${id}/accept`, {
      method: 'POST',
      headers: { 'ms-correlationid': correlationId },
    });
    const lines = callLogs(stack.logs);
    assert.equal(lines.length, 1);
    const [line] = lines;
    assert.ok(line);
    assert.equal(line.route, 'referral-accept');
    assert.equal(line.referralId, id);
    assert.equal(line.status, 204);
    assert.equal(line.upstreamStatus, 204);
    assert.equal(line.attempts, 2);
    assert.equal(typeof line.durationMs, 'number');
    assert.equal(line.correlationId, correlationId);
  });

  it('logs failures too, with the attempts they cost', async () => {
    stack.simulator.failNext({ kind: 'status', status: 404 });
    await call(`${stack.api}/referrals/${id}`);
    assert.deepEqual(
      callLogs(stack.logs).map((line) => [line.status, line.upstreamStatus, line.attempts]),
      [[404, 404, 1]],
    );
  });

  it('logs a search with its upstream status and the attempts of every page it read', async () => {
    stack.simulator.failNext({ kind: 'status', status: 503 });
    await call(`${stack.api}/referrals?status=New`);
    assert.deepEqual(
      callLogs(stack.logs).map((line) => [line.route, line.status, line.upstreamStatus, line.attempts]),
      [['referral-search', 200, 200, 2]],
    );
  });

  it('a search that Partner Center answers 404 names the search, not a referral called "list"', async () => {
    stack.simulator.failNext({ kind: 'status', status: 404 });
    const answer = await call(`${stack.api}/referrals?status=New`);
    assert.equal(answer.status, 502);
    const problem = answer.json as { type: string; title: string; detail: string };
    assert.equal(problem.type, 'urn:referrals-facade:problem:upstream-not-found');
    assert.match(problem.detail, /referral search/);
    assert.doesNotMatch(`${problem.title} ${problem.detail}`, /with id list|rejected the update/);
    assert.deepEqual(
      callLogs(stack.logs).map((line) => [line.route, line.status, line.upstreamStatus, line.attempts]),
      [['referral-search', 502, 404, 1]],
    );
  });

  it('never contains the access token, the caller’s credentials or request bodies', async () => {
    const token = stack.simulator.calls[0]?.headers['authorization'] ?? (await tokenSent(stack));
    const secretNote = 'customer secret 4711';
    await call(`${stack.api}/referrals/${id}/update-details`, {
      body: { notes: secretNote },
      headers: { authorization: 'Bearer callers-own-secret', 'x-functions-key': 'function-key-secret' },
    });
    stack.simulator.failNext({ kind: 'status', status: 401 });
    await call(`${stack.api}/referrals/${id}`);
    const text = stack.logs.join('\n');
    for (const secret of [
      token.replace(/^Bearer /, ''),
      'callers-own-secret',
      'function-key-secret',
      secretNote,
    ]) {
      assert.ok(!text.includes(secret), `log contains ${secret.slice(0, 4)}…`);
    }
    assert.ok(!/authorization|bearer/i.test(text));
  });
});

async function tokenSent(stack: Stack): Promise<string> {
  await call(`${stack.api}/referrals/${id}`);
  const header = stack.simulator.calls[0]?.headers['authorization'];
  assert.ok(header);
  stack.simulator.reset();
  stack.logs.length = 0;
  return header;
}
