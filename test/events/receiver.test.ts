/**
 * The events receiver end to end, on a real Azurite and the simulator through real sockets: the simulator is
 * registered with the facade's receiver as Partner Center would be, signs every change with its test CA, and the
 * facade stores each change once and fans it out. Forged, wrongly chained and replayed events are refused or
 * absorbed, and a delivery Partner Center parks is recovered by the sweep.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { after, before, beforeEach, describe, it } from 'node:test';
import { closeServer, listen } from '../../dev/node-http';
import { seededIds } from '../../dev/simulator/seed';
import { startSimulator, type Simulator } from '../../dev/simulator/server';
import { makeSigningChain } from '../../dev/simulator/test-ca';
import { startAzurite, type Azurite } from '../../dev/storage/azurite';
import type { FanOutMessage, ReferralEvent } from '../../shared/events/records';
import {
  drainFanOuts as drainEvents,
  isolatedEventNames,
  trustingSimulatorEvents,
  immediateSweep,
} from '../support/events-stack';
import { call } from '../support/http';
import { virtualClock } from '../support/virtual-clock';
import { startDurableFacade, uniqueNames, type DurableFacade } from '../support/durable-stack';

const ID = seededIds.active;

describe('events: the Partner Center receiver (Azurite, simulator)', () => {
  let azurite: Azurite;
  let simulator: Simulator;
  const accessToken = randomBytes(24).toString('base64url');
  let facade: DurableFacade;
  let receiver = '';
  const log = { info: () => undefined, error: () => undefined };

  const drainFanOuts = () => drainEvents(facade.services);

  const storedEvent = async (message: FanOutMessage | undefined) => {
    assert.ok(message, 'a fan-out message');
    const { store } = await facade.services.events().backend();
    return store.find(message.referralId, message.eventKey);
  };

  /** Registers the receiver with the simulator's registration API, as `npm run events:register` does. */
  async function register(): Promise<void> {
    const answer = await call(`${simulator.url}/webhooks/v1/registration`, {
      headers: { authorization: `Bearer ${simulator.registrationAccessToken}` },
      body: {
        WebhookUrl: receiver,
        WebhookEvents: ['referral-created', 'referral-updated', 'test-created'],
      },
    });
    assert.equal(answer.status, 200, answer.text);
  }

  before(async () => {
    azurite = await startAzurite();
    simulator = await startSimulator({ accessToken, eventRetryDelayMs: 5 });
  });
  beforeEach(async () => {
    await facade?.close();
    simulator.reset();
    facade = await startDurableFacade(azurite, simulator, accessToken, uniqueNames(), {
      env: trustingSimulatorEvents(simulator),
      overrides: { eventsOptions: { names: isolatedEventNames() } },
      consume: false,
    });
    receiver = `${facade.api}/events/partner-center`;
    await register();
  });
  after(async () => {
    await facade.close();
    await simulator.close();
    await azurite.close();
  });

  it("stores a signed change once with the referral as read, and marks the facade's own write", async () => {
    const write = await call(`${facade.api}/referrals/${ID}/update-details`, {
      body: { notes: 'from the CRM' },
    });
    assert.equal(write.status, 204);
    await simulator.events.flush();
    const [delivery] = simulator.events.deliveries();
    assert.equal(delivery?.state, 'delivered');
    assert.deepEqual(
      delivery.attempts.map((attempt) => attempt.status),
      [200],
    );

    const fanOuts = await drainFanOuts();
    assert.equal(fanOuts.length, 1);
    const event = await storedEvent(fanOuts[0]);
    assert.equal(event?.type, 'referral-updated');
    assert.equal(event?.referralId, ID);
    assert.equal(event?.detectedBy, 'event');
    assert.equal(event?.origin, 'facade', 'the version is the one our write produced');
    assert.equal((event?.referral['details'] as { notes?: string }).notes, 'from the CRM');
    assert.equal(event?.changedAt, delivery.event.ResourceChangeUtcDate);

    simulator.modify(ID, (referral) => {
      referral['details'] = { ...(referral['details'] as object), notes: 'a colleague' };
    });
    await simulator.events.flush();
    const [colleague] = await drainFanOuts();
    assert.equal((await storedEvent(colleague))?.origin, 'partner-center');
  });

  it('absorbs a replayed notification: acknowledged as a duplicate, never fanned out again', async () => {
    simulator.modify(ID, (referral) => {
      referral['details'] = { ...(referral['details'] as object), notes: 'once' };
    });
    await simulator.events.flush();
    assert.equal((await drainFanOuts()).length, 1);
    const body = JSON.stringify(simulator.events.deliveries()[0]?.event);
    const replay = await call(receiver, { headers: simulator.events.sign(body).headers, body });
    assert.equal(replay.status, 200);
    assert.equal((replay.json as { status: string }).status, 'duplicate');
    assert.deepEqual(await drainFanOuts(), []);
  });

  it('refuses a forged body and an event signed by a chain that is not trusted, storing nothing', async () => {
    const genuine = JSON.stringify({
      EventName: 'referral-updated',
      ResourceUri: `https://api.partnercenter.microsoft.com/engagements/v1/referrals/${ID}`,
      ResourceName: 'referral',
      AuditUri: null,
      ResourceChangeUtcDate: new Date().toISOString(),
    });
    const { headers } = simulator.events.sign(genuine);
    const forged = await call(receiver, {
      headers,
      body: genuine.replace('referral-updated', 'referral-created'),
    });
    assert.equal(forged.status, 401);
    assert.equal(
      (forged.json as { type: string }).type.endsWith(':event-signature-invalid'),
      true,
      forged.text,
    );
    const unsigned = await call(receiver, { body: genuine });
    assert.equal(unsigned.status, 401);

    // An impostor's chain served from an allow-listed host: the signature is right, the chain is not trusted.
    const impostor = makeSigningChain({ name: 'Impostor' });
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(impostor.servedPem);
    });
    const port = await listen(server, 0, '127.0.0.1');
    try {
      const chained = await call(receiver, {
        headers: {
          authorization: `Signature ${impostor.sign(genuine)}`,
          'x-ms-certificate-url': `http://127.0.0.1:${String(port)}/impostor.pem`,
          'x-ms-signature-algorithm': 'rsa-sha256',
        },
        body: genuine,
      });
      assert.equal(chained.status, 401);
      assert.equal((chained.json as { type: string }).type.endsWith(':event-signature-invalid'), true);
    } finally {
      await closeServer(server);
    }
    assert.deepEqual(await drainFanOuts(), []);
  });

  it("acknowledges Partner Center's validation event and events it does not handle, fanning out nothing", async () => {
    const validation = await call(`${simulator.url}/webhooks/v1/registration/validationEvents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${simulator.registrationAccessToken}` },
    });
    assert.ok(validation.status < 300, validation.text);
    await simulator.events.flush();
    const delivered = simulator.events
      .deliveries()
      .find((delivery) => delivery.event.EventName === 'test-created');
    assert.deepEqual(
      delivered?.attempts.map((attempt) => attempt.status),
      [200],
    );
    const unknown = JSON.stringify({ EventName: 'customer-created', ResourceUri: 'https://x/customers/1' });
    const answer = await call(receiver, { headers: simulator.events.sign(unknown).headers, body: unknown });
    assert.equal(answer.status, 200);
    assert.equal((answer.json as { status: string }).status, 'ignored');
    assert.deepEqual(await drainFanOuts(), []);
  });

  it('answers a 5xx while the referral cannot be read, so Partner Center tries again, then stores it once', async () => {
    // Refused without retrying inside the call (a 403 is not worth retrying), so the notification's own answer fails.
    simulator.failNext({ kind: 'status', status: 403 });
    simulator.modify(ID, (referral) => {
      referral['details'] = { ...(referral['details'] as object), notes: 'during an outage' };
    });
    await simulator.events.flush();
    const [delivery] = simulator.events.deliveries();
    assert.equal(delivery?.state, 'delivered');
    const statuses = delivery.attempts.map((attempt) => attempt.status);
    assert.equal(statuses.length, 2, JSON.stringify(statuses));
    assert.ok((statuses[0] ?? 0) >= 500, 'a 5xx: Partner Center sends it again');
    assert.equal(statuses[1], 200);
    assert.equal((await drainFanOuts()).length, 1);
  });

  it("delivers a colleague's change as partner-center even when its notification reads the facade's later write", async () => {
    simulator.events.pause();
    simulator.modify(ID, (referral) => {
      referral['details'] = { ...(referral['details'] as object), notes: 'a colleague, first' };
    });
    await simulator.events.flush();
    const late = simulator.events.deliveries()[0]?.event;
    assert.ok(late, "the colleague's notification, parked for now");
    simulator.events.resume();
    await new Promise((resolve) => setTimeout(resolve, 1_100));

    const write = await call(`${facade.api}/referrals/${ID}/update-details`, {
      body: { notes: 'the CRM, later' },
    });
    assert.equal(write.status, 204);
    await simulator.events.flush();
    const [own] = await drainFanOuts();
    assert.equal((await storedEvent(own))?.origin, 'facade');

    // The colleague's notification now arrives: it reads the facade's version, but it is not the facade's change.
    const body = JSON.stringify(late);
    const answer = await call(receiver, { headers: simulator.events.sign(body).headers, body });
    assert.equal((answer.json as { status: string }).status, 'accepted', answer.text);
    const [colleague] = await drainFanOuts();
    const event = await storedEvent(colleague);
    assert.equal(event?.origin, 'partner-center', 'a subscriber leaving out the facade still hears of it');
    assert.equal(event?.etag, simulator.referral(ID)?.eTag);
  });

  /**
   * What an attempt leaves behind when the queue fails right after the table write: a change, its event stored
   * under `key`, no fan-out queued. Partner Center's own notification of it is held back (dropped).
   */
  async function storedButNotFannedOut(key: string, notes: string) {
    simulator.events.dropNext(1);
    simulator.modify(ID, (referral) => {
      referral['details'] = { ...(referral['details'] as object), notes };
    });
    const referral = simulator.referral(ID);
    assert.ok(referral);
    const { store } = await facade.services.events().backend();
    const stored = await store.record({
      id: key,
      type: 'referral-updated',
      referralId: ID,
      changedAt: String(referral['updatedDateTime']),
      receivedAt: new Date().toISOString(),
      origin: 'partner-center',
      detectedBy: 'event',
      etag: referral.eTag,
      referral: referral as ReferralEvent['referral'],
    });
    assert.equal(stored, 'recorded');
    return { store, referral };
  }

  it("queues a stored event's missing fan-out on the next notification of it, even under another key", async () => {
    const { store, referral } = await storedButNotFannedOut('stored-by-a-failed-attempt', 'never fanned out');
    const body = JSON.stringify({
      EventName: 'referral-updated',
      ResourceUri: `https://api.partnercenter.microsoft.com/engagements/v1/referrals/${ID}`,
      ResourceChangeUtcDate: String(referral['updatedDateTime']),
    });
    const answer = await call(receiver, { headers: simulator.events.sign(body).headers, body });
    assert.equal((answer.json as { status: string }).status, 'duplicate');
    assert.deepEqual(
      (await drainFanOuts()).map((message) => message.eventKey),
      ['stored-by-a-failed-attempt'],
    );
    assert.equal(await store.fanOutState(ID, 'stored-by-a-failed-attempt'), 'done');
  });

  it("queues a stored event's missing fan-out on the next sweep, without announcing it again", async () => {
    await storedButNotFannedOut('another-failed-attempt', 'the queue failing');
    const sweep = immediateSweep(() => facade.services);
    const report = await sweep(log);
    assert.equal(report?.announced, 0, 'the version is known');
    assert.deepEqual(
      (await drainFanOuts()).map((message) => message.eventKey),
      ['another-failed-attempt'],
    );
  });

  it('spends at most 8 s reading the referral, then answers 503 so Partner Center tries again', async () => {
    const clock = virtualClock();
    const quick = await startDurableFacade(azurite, simulator, accessToken, uniqueNames(), {
      env: trustingSimulatorEvents(simulator),
      overrides: {
        clock,
        eventsOptions: { names: isolatedEventNames() },
      },
      consume: false,
    });
    try {
      simulator.injectFaults((target) =>
        target.method === 'GET'
          ? { kind: 'status', status: 429, headers: { 'Retry-After': '5' } }
          : undefined,
      );
      const body = JSON.stringify({
        EventName: 'referral-updated',
        ResourceUri: `https://api.partnercenter.microsoft.com/engagements/v1/referrals/${ID}`,
        ResourceChangeUtcDate: new Date().toISOString(),
      });
      const answer = await call(`${quick.api}/events/partner-center`, {
        headers: simulator.events.sign(body).headers,
        body,
      });
      assert.equal(answer.status, 503);
      assert.equal((answer.json as { type: string }).type.endsWith(':event-referral-unavailable'), true);
      // One wait of 5 s fits in the receiver's 8 s; a second would not. A caller's GET waits until 60 s.
      assert.deepEqual(clock.sleeps, [5_000]);
    } finally {
      simulator.clearFaults();
      await quick.close();
    }
  });

  it('recovers a delivery Partner Center parked after ten attempts through the sweep, once', async () => {
    simulator.events.pause();
    simulator.modify(ID, (referral) => {
      referral['details'] = { ...(referral['details'] as object), notes: 'while the receiver was away' };
    });
    await simulator.events.flush();
    const [parked] = simulator.events.deliveries();
    assert.equal(parked?.state, 'parked');
    assert.equal(parked.attempts.length, 10);
    simulator.events.resume();
    assert.deepEqual(await drainFanOuts(), [], 'nothing reached the facade');

    const sweep = immediateSweep(() => facade.services);
    assert.equal((await sweep(log))?.announced, 1);
    const [recovered] = await drainFanOuts();
    const event = await storedEvent(recovered);
    assert.equal(event?.detectedBy, 'sweep');
    assert.equal((event?.referral['details'] as { notes?: string }).notes, 'while the receiver was away');
    assert.equal((await sweep(log))?.announced, 0);
  });
});
