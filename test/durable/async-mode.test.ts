/**
 * The asynchronous mode against a real Azurite: accepted at once with 202, applied in the background through the
 * same flow as a synchronous call, never lost across a facade restart or a Partner Center outage longer than the
 * synchronous budget, applied exactly once, deduplicated by Idempotency-Key, and repairable after its last attempt.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { seededIds } from '../../dev/simulator/seed';
import type { Simulator } from '../../dev/simulator/server';
import { startAzurite, type Azurite } from '../../dev/storage/azurite';
import { decodeMessage } from '../../shared/durable/work-queue';
import { call, type Answer } from '../support/http';
import { until } from '../support/until';
import { patchesSent } from '../support/stack';
import {
  startDurableFacade,
  startTestSimulator,
  uniqueNames,
  type DurableFacade,
} from '../support/durable-stack';

const ID = seededIds.active;

/** Polls the Location as Power Automate does, until the answer is no longer 202. */
const finalAnswer = (location: string, timeoutMs?: number): Promise<Answer> =>
  until(async () => {
    const answer = await call(location);
    return answer.status === 202 ? undefined : answer;
  }, timeoutMs ?? 20_000);

describe('asynchronous mode (Azurite)', () => {
  let azurite: Azurite;
  let simulator: Simulator;
  let accessToken: string;
  let facade: DurableFacade;

  before(async () => {
    azurite = await startAzurite();
    ({ simulator, accessToken } = await startTestSimulator());
    facade = await startDurableFacade(azurite, simulator, accessToken, uniqueNames());
  });
  after(async () => {
    await facade.close();
    await simulator.close();
    await azurite.close();
  });

  it('answers 202 with Location, Retry-After and Preference-Applied, then the synchronous answer', async () => {
    simulator.reset();
    const answer = await call(`${facade.api}/referrals/${ID}/update-details`, {
      headers: { prefer: 'respond-async, return=representation' },
      body: { notes: 'async one' },
    });
    assert.equal(answer.status, 202);
    assert.equal(answer.headers.get('preference-applied'), 'respond-async');
    assert.match(answer.headers.get('retry-after') ?? '', /^[1-9][0-9]*$/);
    const location = answer.headers.get('location') ?? '';
    assert.match(location, new RegExp(`^${facade.api}/operations/${ID}\\.1\\.[0-9a-f]{16}$`));
    assert.equal((answer.json as { state: string }).state, 'pending');
    const final = await finalAnswer(location);
    assert.equal(final.status, 200);
    assert.equal(final.headers.get('preference-applied'), 'return=representation');
    assert.equal((final.json as { details: { notes: string } }).details.notes, 'async one');
    assert.ok(final.headers.get('etag'));
    assert.equal(patchesSent(simulator).length, 1);
  });

  it('takes ?mode=async too, and refuses bad input at once without storing anything', async () => {
    simulator.reset();
    const bad = await call(`${facade.api}/referrals/${ID}/close-won?mode=async`, { body: { dealValue: -1 } });
    assert.equal(bad.status, 400);
    assert.equal(bad.headers.get('location'), null);
    const badMode = await call(`${facade.api}/referrals/${ID}/accept?mode=later`, { body: {} });
    assert.equal(badMode.status, 400);
    const good = await call(`${facade.api}/referrals/${ID}/update-details?mode=async`, {
      body: { notes: 'q' },
    });
    assert.equal(good.status, 202);
    assert.equal((await finalAnswer(good.headers.get('location') ?? '')).status, 204);
    assert.equal(patchesSent(simulator).length, 1);
  });

  it('gives the same operation for the same Idempotency-Key and body, and 422 for another body', async () => {
    simulator.reset();
    const send = (notes: string) =>
      call(`${facade.api}/referrals/${ID}/update-details?mode=async`, {
        headers: { 'idempotency-key': '"key-1"' },
        body: { notes },
      });
    const [first, second] = await Promise.all([send('once'), send('once')]);
    assert.equal(first.status, 202);
    assert.equal(second.status, 202);
    assert.equal(first.headers.get('location'), second.headers.get('location'));
    const other = await send('different');
    assert.equal(other.status, 422);
    assert.match((other.json as { type: string }).type, /idempotency-key-reused/);
    await finalAnswer(first.headers.get('location') ?? '');
    const third = await send('once');
    assert.equal(third.headers.get('location'), first.headers.get('location'));
    // The draft's rule: the same answer as the first time, the 202, whose Location now gives the outcome.
    assert.equal(third.status, 202);
    assert.equal(third.headers.get('idempotent-replayed'), 'true');
    assert.equal(patchesSent(simulator).length, 1);
  });

  it('answers 404 for an unknown or forged operation id', async () => {
    for (const id of ['nope', `${ID}.1.0000000000000000`, `${ID}.999.0123456789abcdef`]) {
      const answer = await call(`${facade.api}/operations/${id}`);
      assert.equal(answer.status, 404, id);
    }
  });

  it('readiness reports the queue depth and the oldest message age', async () => {
    const answer = await call(`${facade.api}/health/ready`);
    const operations = (answer.json as { operations: Record<string, unknown> }).operations;
    assert.equal(operations['status'], 'pass');
    assert.equal(typeof operations['queueDepth'], 'number');
    assert.equal(typeof operations['poisoned'], 'number');
  });

  it('survives a facade restart and an outage longer than the synchronous budget, and lands exactly once', async () => {
    simulator.reset();
    const names = uniqueNames();
    const env = { PARTNER_CENTER_DEADLINE_MS: '1000', PARTNER_CENTER_MAX_ATTEMPTS: '2' };
    // Accepted by a facade that stops before it runs anything.
    const first = await startDurableFacade(azurite, simulator, accessToken, names, { env, consume: false });
    const accepted = await call(`${first.api}/referrals/${ID}/close-won?mode=async`, {
      body: { dealValue: 4200, currency: 'eur' },
    });
    assert.equal(accepted.status, 202);
    await first.close();
    // Partner Center is down (503 without a wait hint) for 4 s, four times the synchronous deadline.
    const outageEnds = Date.now() + 4_000;
    simulator.injectFaults((target) =>
      target.method === 'PATCH' && Date.now() < outageEnds ? { kind: 'status', status: 503 } : undefined,
    );
    const second = await startDurableFacade(azurite, simulator, accessToken, names, { env });
    try {
      const location = (accepted.headers.get('location') ?? '').replace(first.api, second.api);
      const final = await finalAnswer(location, 30_000);
      assert.equal(final.status, 204);
      assert.ok(Date.now() >= outageEnds);
      const applied = simulator.calls.filter(
        (recorded) => recorded.method === 'PATCH' && recorded.headers['x-fault'] === undefined,
      );
      assert.ok(applied.length >= 2, 'it was tried during the outage');
      assert.equal(simulator.referral(ID)?.status, 'Closed');
      assert.equal(
        (simulator.referral(ID)?.details as Record<string, unknown> | undefined)?.['dealValue'],
        '4200',
      );
      const status = await call(location.replace('/operations/', '/operations/'), {});
      assert.equal(status.status, 204);
      // Exactly once: one PATCH acted on (every earlier one was refused with 503 before acting).
      assert.equal(simulator.faultsInjected['status'], applied.length - 1);
    } finally {
      simulator.clearFaults();
      await second.close();
    }
  });

  it('after the last attempt: failed, in the poison queue, an operator event, then listed and retried', async () => {
    simulator.reset();
    const names = uniqueNames();
    const env = {
      PARTNER_CENTER_DEADLINE_MS: '1000',
      PARTNER_CENTER_MAX_ATTEMPTS: '1',
      OPERATION_MAX_ATTEMPTS: '2',
    };
    const stack = await startDurableFacade(azurite, simulator, accessToken, names, { env });
    try {
      simulator.injectFaults((target) =>
        target.method === 'PATCH' ? { kind: 'status', status: 503 } : undefined,
      );
      const accepted = await call(`${stack.api}/referrals/${seededIds.incoming}/accept?mode=async`, {
        body: {},
      });
      const location = accepted.headers.get('location') ?? '';
      const failed = await finalAnswer(location, 30_000);
      assert.equal(failed.status, 503);
      assert.match((failed.json as { type: string }).type, /upstream-unavailable/);
      const event = await until(
        () => stack.logs.find((line) => line.includes('"event":"operation-failed"')),
        20_000,
      );
      assert.match(event, /"attempts":2/);
      const { clients } = await stack.services.operations().backend();
      const poisoned = await clients.poisonQueue.receiveMessages();
      const message = poisoned.receivedMessageItems[0];
      assert.ok(message);
      assert.match(JSON.stringify(decodeMessage(message.messageText)), new RegExp(seededIds.incoming));

      const listed = await call(`${stack.api}/operations?state=failed`);
      const ids = (listed.json as { operations: { id: string }[] }).operations.map(
        (operation) => operation.id,
      );
      assert.ok(ids.some((id) => location.endsWith(id)));

      simulator.clearFaults();
      const retried = await call(`${stack.api}/operations/retry-failed`, { method: 'POST', body: {} });
      assert.equal(retried.status, 200);
      assert.equal((retried.json as { retried: string[] }).retried.length, 1);
      const final = await finalAnswer(location, 30_000);
      assert.equal(final.status, 204);
      assert.equal(simulator.referral(seededIds.incoming)?.status, 'Active');
      const again = await call(`${location.replace(/\?.*$/, '')}/retry`, { method: 'POST', body: {} });
      assert.equal(again.status, 409, 'a succeeded operation is not retried');
    } finally {
      simulator.clearFaults();
      await stack.close();
    }
  });

  it('never lets a retried older operation overwrite a newer one that was applied', async () => {
    simulator.reset();
    const names = uniqueNames();
    const env = {
      PARTNER_CENTER_DEADLINE_MS: '1000',
      PARTNER_CENTER_MAX_ATTEMPTS: '1',
      OPERATION_MAX_ATTEMPTS: '1',
    };
    const stack = await startDurableFacade(azurite, simulator, accessToken, names, { env });
    try {
      simulator.failNext({ kind: 'status', status: 503 });
      const older = await call(`${stack.api}/referrals/${ID}/update-details?mode=async`, {
        body: { notes: 'older' },
      });
      assert.equal((await finalAnswer(older.headers.get('location') ?? '')).status, 503);
      const newer = await call(`${stack.api}/referrals/${ID}/update-details?mode=async`, {
        body: { notes: 'newer' },
      });
      assert.equal((await finalAnswer(newer.headers.get('location') ?? '')).status, 204);
      const retry = await call(`${older.headers.get('location') ?? ''}/retry`, { method: 'POST', body: {} });
      assert.equal(retry.status, 409);
      assert.match((retry.json as { type: string }).type, /operation-superseded/);
      assert.equal(
        (simulator.referral(ID)?.details as Record<string, unknown> | undefined)?.['notes'],
        'newer',
      );
    } finally {
      await stack.close();
    }
  });
});
