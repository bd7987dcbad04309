/**
 * The reconciliation sweep and the loop guard, on a real Azurite and the simulator through real sockets: a change
 * no notification announced is found and announced once; the facade's own writes are marked `origin: facade`;
 * writes that wrote nothing claim no version.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { seededIds } from '../../dev/simulator/seed';
import { startSimulator, type Simulator } from '../../dev/simulator/server';
import { startAzurite, type Azurite } from '../../dev/storage/azurite';
import { createSweepHandler } from '../../functions/sweep-handler';
import { drainEventQueue as drainEvents, isolatedEventNames, immediateSweep } from '../support/events-stack';
import { call } from '../support/http';
import {
  startDurableFacade,
  startTestSimulator,
  uniqueNames,
  type DurableFacade,
} from '../support/durable-stack';

const ID = seededIds.active;

describe('events: the reconciliation sweep and the loop guard (Azurite)', () => {
  let azurite: Azurite;
  let simulator: Simulator;
  let accessToken: string;
  let facade: DurableFacade;
  const logs: string[] = [];
  const log = { info: (line: string) => logs.push(line), error: (line: string) => logs.push(line) };

  const sweepNow = immediateSweep(() => facade.services);

  const drainEventQueue = () => drainEvents(facade.services);

  before(async () => {
    azurite = await startAzurite();
    ({ simulator, accessToken } = await startTestSimulator());
  });
  beforeEach(async () => {
    await facade?.close();
    simulator.reset();
    facade = await startDurableFacade(azurite, simulator, accessToken, uniqueNames(), {
      overrides: { eventsOptions: { names: isolatedEventNames() } },
      consume: false,
    });
  });
  after(async () => {
    await facade.close();
    await simulator.close();
    await azurite.close();
  });

  it('announces a change no notification announced, once, and fans it out', async () => {
    simulator.modify(ID, (referral) => {
      referral.notes = 'changed by a colleague in Partner Center';
    });
    const first = await sweepNow(log);
    assert.ok(first);
    assert.equal(first.announced, 1);
    assert.equal(first.complete, true);
    const messages = await drainEventQueue();
    assert.equal(messages.length, 1);
    const [message] = messages;
    assert.equal(message?.kind, 'fan-out');
    assert.equal(message.kind === 'fan-out' ? message.referralId : undefined, ID);

    const { store } = await facade.services.events().backend();
    const stored = await store.find(ID, message.kind === 'fan-out' ? message.eventKey : '');
    assert.equal(stored?.type, 'referral-updated');
    assert.equal(stored?.detectedBy, 'sweep');
    assert.equal(stored?.origin, 'partner-center');
    assert.equal(stored?.referral['notes'], 'changed by a colleague in Partner Center');
    assert.equal(stored?.etag, String(simulator.referral(ID)?.eTag));

    const second = await sweepNow(log);
    assert.equal(second?.announced, 0, 'the overlap is re-read, not re-announced');
    assert.deepEqual(await drainEventQueue(), []);
  });

  it("leaves changes younger than the grace period to Partner Center's notification", async () => {
    simulator.modify(ID, (referral) => {
      referral.notes = 'just now';
    });
    const graceful = createSweepHandler(
      () => facade.services,
      () => ({ graceMs: 60_000, firstLookbackMs: 3_600_000 }),
    );
    const report = await graceful(log);
    assert.equal(report?.examined, 0);
    assert.deepEqual(await drainEventQueue(), []);
  });

  it("marks the facade's own write origin: facade, and a sync that wrote nothing claims no version", async () => {
    const write = await call(`${facade.api}/referrals/${ID}/update-details`, {
      body: { notes: 'written through the facade' },
    });
    assert.equal(write.status, 204);
    const written = write.headers.get('etag');
    assert.ok(written);
    const { store } = await facade.services.events().backend();
    assert.equal(await store.isFacadeWrite(ID, written), true);

    simulator.modify(ID, (referral) => {
      referral['details'] = { ...(referral['details'] as object), notes: 'then a colleague' };
    });
    const unchanged = await call(`${facade.api}/referrals/${ID}/sync`, {
      body: { notes: 'then a colleague' },
    });
    assert.equal(unchanged.headers.get('sync-outcome'), 'unchanged');
    assert.equal(await store.isFacadeWrite(ID, String(simulator.referral(ID)?.eTag)), false);

    const report = await sweepNow(log);
    assert.equal(report?.announced, 1);
    const [message] = await drainEventQueue();
    const stored = await store.find(ID, message?.kind === 'fan-out' ? message.eventKey : '');
    assert.equal(stored?.origin, 'partner-center', "the colleague's change is not the facade's");
  });

  it('marks a sweep-found change made by the facade origin: facade', async () => {
    const write = await call(`${facade.api}/referrals/${ID}/update-details`, {
      body: { notes: 'a CRM sync wrote this' },
    });
    assert.equal(write.status, 204);
    await sweepNow(log);
    const [message] = await drainEventQueue();
    const { store } = await facade.services.events().backend();
    const stored = await store.find(ID, message?.kind === 'fan-out' ? message.eventKey : '');
    assert.equal(stored?.origin, 'facade');
  });

  it('keeps its cursor when a run fails, and logs why without a stack', async () => {
    simulator.failNext(
      { kind: 'status', status: 500 },
      { kind: 'status', status: 500 },
      { kind: 'status', status: 500 },
    );
    const { store } = await facade.services.events().backend();
    const before = await store.sweepCursor();
    logs.length = 0;
    simulator.injectFaults(() => ({ kind: 'status', status: 500 }));
    const report = await sweepNow(log);
    simulator.clearFaults();
    assert.equal(report, undefined);
    assert.equal(await store.sweepCursor(), before);
    assert.ok(
      logs.some((line) => line.startsWith('events sweep failed: upstream-')),
      logs.join('\n'),
    );
  });
});

describe("events: the sweep when the list's items carry no eTag (Azurite)", () => {
  let azurite: Azurite;
  let simulator: Simulator;
  let facade: DurableFacade;
  const accessToken = 'sweep-no-etag';
  const log = { info: () => undefined, error: () => undefined };

  before(async () => {
    azurite = await startAzurite();
    // The reference documents eTag on a referral read by id, not on the list's items (§5.2).
    simulator = await startSimulator({ accessToken, listOmitsEtag: true });
    facade = await startDurableFacade(azurite, simulator, accessToken, uniqueNames(), {
      overrides: { eventsOptions: { names: isolatedEventNames() } },
      consume: false,
    });
  });
  after(async () => {
    await facade.close();
    await simulator.close();
    await azurite.close();
  });

  it('reads each changed referral by id for its version, announces it once, and dedupes the next run', async () => {
    simulator.modify(ID, (referral) => {
      referral['details'] = { ...(referral['details'] as object), notes: 'listed without a version' };
    });
    const sweep = immediateSweep(() => facade.services);
    const reads = () =>
      simulator.calls.filter((call) => call.method === 'GET' && call.path.endsWith(ID)).length;
    const before = reads();
    assert.equal((await sweep(log))?.announced, 1);
    assert.equal(reads() - before, 1, 'one read by id');
    const [message] = await drainEvents(facade.services);
    const { store } = await facade.services.events().backend();
    const event = await store.find(ID, message?.kind === 'fan-out' ? message.eventKey : '');
    assert.equal(event?.etag, simulator.referral(ID)?.eTag, 'the version read by id');
    assert.equal((await sweep(log))?.announced, 0);
  });
});
