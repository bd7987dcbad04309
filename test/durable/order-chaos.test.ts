/**
 * Order and exactly-once under chaos, against a real Azurite: several referrals, each sent a run of updates in
 * the asynchronous mode (some sent twice with the same Idempotency-Key, as a sender retrying a lost 202 would),
 * while the simulator fails about 30% of Partner Center requests in every way it can. Every operation must end
 * applied; on each referral the writes Partner Center acted on must follow the order of acceptance (a resend of
 * the same write is allowed: that is at-least-once, made safe by replace-only writes); no request may create a
 * second operation; and each referral must end as its last operation left it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { seedReferrals, seededIds, type Referral } from '../../dev/simulator/seed';
import { startSimulator, type Fault, type Simulator } from '../../dev/simulator/server';
import { startAzurite, type Azurite } from '../../dev/storage/azurite';
import { call } from '../support/http';
import { startDurableFacade, uniqueNames, type DurableFacade } from '../support/durable-stack';

const REFERRALS = 6;
const OPERATIONS_PER_REFERRAL = 20;
const DUPLICATE_RATE = 0.2;
const FAULT_RATE = 0.3;
const SEED = 20261206;

function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const faults: readonly Fault[] = [
  { kind: 'status', status: 429, headers: { 'retry-after': '1' } },
  { kind: 'status', status: 503 },
  { kind: 'status', status: 500 },
  { kind: 'reset' },
  { kind: 'slow', delayMs: 1_000 },
  { kind: 'truncated' },
  { kind: 'invalid-json' },
  { kind: 'lost-response' },
];
/** Faults that happen after the simulator acted on the request. */
const actsFirst = new Set(['slow', 'truncated', 'invalid-json', 'lost-response']);

function referralsFor(count: number): Referral[] {
  const active = seedReferrals().find((referral) => referral.id === seededIds.active);
  if (!active) throw new Error('no active seed');
  return Array.from({ length: count }, (_unused, index) => ({
    ...structuredClone(active),
    id: `c0ffee00-0000-4000-8000-${String(index).padStart(12, '0')}`,
  }));
}

describe('per-referral order and exactly-once under chaos (Azurite)', () => {
  let azurite: Azurite;
  let simulator: Simulator;
  let facade: DurableFacade;
  const accessToken = 'chaos-token';
  const referrals = referralsFor(REFERRALS);

  before(async () => {
    azurite = await startAzurite();
    simulator = await startSimulator({ accessToken, referrals });
    facade = await startDurableFacade(azurite, simulator, accessToken, uniqueNames(), {
      env: {
        PARTNER_CENTER_DEADLINE_MS: '2000',
        PARTNER_CENTER_MAX_ATTEMPTS: '2',
        OPERATION_MAX_ATTEMPTS: '30',
      },
      // A slow answer counts as a timeout at once, so the run stays short.
      overrides: { attemptTimeoutMs: 300 },
    });
  });
  after(async () => {
    await facade.close();
    await simulator.close();
    await azurite.close();
  });

  it('applies every operation, in the order accepted, with no operation created twice', async () => {
    const random = prng(SEED);
    const decisions: (Fault | undefined)[] = [];
    simulator.injectFaults(() => {
      const fault = random() < FAULT_RATE ? faults[Math.floor(random() * faults.length)] : undefined;
      decisions.push(fault);
      return fault;
    });

    let duplicatesSent = 0;
    const locations = new Map<string, string>();
    await Promise.all(
      referrals.map(async (referral) => {
        for (let index = 1; index <= OPERATIONS_PER_REFERRAL; index += 1) {
          const send = () =>
            call(`${facade.api}/referrals/${referral.id}/update-details?mode=async`, {
              headers: { 'idempotency-key': `${referral.id}-${String(index)}` },
              body: { notes: `op-${String(index)}`, dealValue: index },
            });
          const answer = await send();
          assert.equal(answer.status, 202);
          const location = answer.headers.get('location') ?? '';
          locations.set(`${referral.id}#${String(index)}`, location);
          if (random() < DUPLICATE_RATE) {
            duplicatesSent += 1;
            const again = await send();
            assert.equal(again.headers.get('location'), location, 'a repeated key finds the same operation');
          }
        }
      }),
    );
    assert.equal(new Set(locations.values()).size, REFERRALS * OPERATIONS_PER_REFERRAL);

    // Wait for every operation's final answer. The run is bound by waiting, not work (about 15 s of CPU): each
    // referral's 20 wake messages meet its lease and come back a second later ("busy", 800 to 1,000 times in a
    // run), and retries wait 1 to 2 s. Measured 37 to 98 s on a quiet 2-core machine, so a loaded one needs room.
    const deadline = Date.now() + 240_000;
    for (const location of locations.values()) {
      for (;;) {
        const answer = await call(location);
        if (answer.status !== 202) {
          assert.equal(answer.status, 204, `${location}: ${answer.text}`);
          break;
        }
        assert.ok(Date.now() < deadline, 'every operation finishes');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    simulator.clearFaults();

    // Which PATCHes Partner Center acted on, in arrival order, per referral.
    const acted = new Map<string, number[]>();
    let resends = 0;
    simulator.calls.forEach((recorded, position) => {
      if (recorded.method !== 'PATCH') return;
      const fault = decisions[position];
      if (fault && !actsFirst.has(fault.kind)) return;
      const id = recorded.path.split('/').at(-1) ?? '';
      const patch = JSON.parse(recorded.body) as { path: string; value: unknown }[];
      const notes = patch.find((operation) => operation.path === '/details/notes')?.value;
      const list = acted.get(id) ?? [];
      list.push(Number(String(notes).replace('op-', '')));
      acted.set(id, list);
    });
    let orderViolations = 0;
    for (const referral of referrals) {
      const list = acted.get(referral.id) ?? [];
      for (let index = 1; index < list.length; index += 1) {
        if ((list[index] ?? 0) < (list[index - 1] ?? 0)) orderViolations += 1;
        if (list[index] === list[index - 1]) resends += 1;
      }
      assert.deepEqual(
        [...new Set(list)],
        Array.from({ length: OPERATIONS_PER_REFERRAL }, (_u, i) => i + 1),
      );
      const details = simulator.referral(referral.id)?.['details'] as Record<string, unknown> | undefined;
      assert.equal(details?.['notes'], `op-${String(OPERATIONS_PER_REFERRAL)}`);
      assert.equal(details?.['dealValue'], String(OPERATIONS_PER_REFERRAL));
    }
    const faultCount = decisions.filter(Boolean).length;
    process.stdout.write(
      `${JSON.stringify({
        operations: REFERRALS * OPERATIONS_PER_REFERRAL,
        duplicateSubmissions: duplicatesSent,
        operationsCreatedTwice: 0,
        upstreamRequests: simulator.calls.length,
        faults: faultCount,
        faultsByKind: simulator.faultsInjected,
        sameWriteActedAgain: resends,
        orderViolations,
      })}\n`,
    );
    assert.equal(orderViolations, 0);
    assert.ok(faultCount > 30, 'the run was chaotic');
  });
});
