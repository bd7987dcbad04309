/**
 * The whole loop, every part real: a change in the simulator is signed with its test CA and sent to the facade's
 * receiver (registered as Partner Center would be), stored once, fanned out over the events queue on Azurite, and
 * delivered once to a Power Automate-style trigger subscription and once, Standard Webhooks-signed, to a webhook,
 * both carrying the referral as it was read. Unsubscribing stops deliveries; a parked Partner Center delivery still
 * reaches subscribers through the sweep.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { startQueueConsumer, type QueueConsumer } from '../../dev/host/queue-consumer';
import { seededIds } from '../../dev/simulator/seed';
import { startSimulator, type Simulator } from '../../dev/simulator/server';
import { startAzurite, type Azurite } from '../../dev/storage/azurite';
import { createEventQueueHandler } from '../../functions/event-queue-handler';
import type { ReferralEvent } from '../../shared/events/records';
import {
  isolatedEventNames,
  startReceiver,
  trustingSimulatorEvents,
  until,
  type Receiver,
  immediateSweep,
} from '../support/events-stack';
import { call } from '../support/http';
import { startDurableFacade, uniqueNames, type DurableFacade } from '../support/durable-stack';

const ID = seededIds.active;

describe('events: Partner Center → receiver → subscribers, the whole loop (Azurite, simulator)', () => {
  let azurite: Azurite;
  let simulator: Simulator;
  const accessToken = randomBytes(24).toString('base64url');
  let facade: DurableFacade;
  let consumer: QueueConsumer;
  let receiver: Receiver;

  const subscribe = async (path: string, body: Record<string, unknown>) => {
    const answer = await call(`${facade.api}/events/subscriptions${path}`, { body });
    assert.equal(answer.status, 201, answer.text);
    return {
      secret: (answer.json as { secret?: string }).secret,
      location: answer.headers.get('location') ?? '',
    };
  };
  const change = (notes: string) => {
    simulator.modify(ID, (referral) => {
      referral['details'] = { ...(referral['details'] as object), notes };
    });
  };
  const notesOf = (event: ReferralEvent) => (event.referral['details'] as { notes?: string }).notes;

  before(async () => {
    azurite = await startAzurite();
    simulator = await startSimulator({ accessToken, eventRetryDelayMs: 5 });
    facade = await startDurableFacade(azurite, simulator, accessToken, uniqueNames(), {
      env: { ...trustingSimulatorEvents(simulator), EVENTS_ALLOW_PRIVATE_DESTINATIONS: 'true' },
      overrides: { eventsOptions: { names: isolatedEventNames() } },
      consume: false,
    });
    consumer = startQueueConsumer({
      queues: async () => (await facade.services.events().backend()).clients,
      handler: createEventQueueHandler(() => facade.services),
      log: { info: () => undefined, error: () => undefined },
      settings: { maxPollingIntervalMs: 200, visibilityTimeoutSeconds: 1 },
      minPollingIntervalMs: 20,
    });
    receiver = await startReceiver();
    const registered = await call(`${simulator.url}/webhooks/v1/registration`, {
      headers: { authorization: `Bearer ${simulator.registrationAccessToken}` },
      body: { WebhookUrl: `${facade.api}/events/partner-center`, WebhookEvents: ['referral-updated'] },
    });
    assert.equal(registered.status, 200, registered.text);
  });
  after(async () => {
    await consumer.stop();
    await facade.close();
    await receiver.close();
    await simulator.close();
    await azurite.close();
  });

  it('delivers a signed change exactly once to a flow trigger and to a Standard Webhooks subscriber', async () => {
    const flow = await subscribe('/power-automate/referral-updated', {
      callbackUrl: `${receiver.url}/flow?api-version=2016-06-01&sig=${randomBytes(16).toString('base64url')}`,
    });
    const hook = await subscribe('', { url: `${receiver.url}/hook` });
    assert.ok(hook.secret);

    change('changed by a colleague');
    await simulator.events.flush();
    const [flowCall] = await until(() =>
      receiver.at('/flow').length > 0 ? receiver.at('/flow') : undefined,
    );
    const [hookCall] = await until(() =>
      receiver.at('/hook').length > 0 ? receiver.at('/hook') : undefined,
    );
    assert.ok(flowCall && hookCall);

    const flowEvent = JSON.parse(flowCall.body) as ReferralEvent;
    assert.equal(flowEvent.type, 'referral-updated');
    assert.equal(flowEvent.referralId, ID);
    assert.equal(flowEvent.origin, 'partner-center');
    assert.equal(flowEvent.detectedBy, 'event');
    assert.equal(
      notesOf(flowEvent),
      'changed by a colleague',
      'the referral as read, not the bare notification',
    );
    assert.equal(flowEvent.etag, simulator.referral(ID)?.eTag);

    const verified = new Webhook(hook.secret).verify(hookCall.body, hookCall.headers) as {
      data: ReferralEvent;
    };
    assert.deepEqual(verified.data, flowEvent, 'one event, the same for both kinds of subscriber');

    // Partner Center's single delivery was enough, and nothing arrives twice.
    assert.deepEqual(
      simulator.events.deliveries().map((delivery) => delivery.attempts.length),
      [1],
    );
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.equal(receiver.at('/flow').length, 1);
    assert.equal(receiver.at('/hook').length, 1);

    // Unsubscribing (the platform's DELETE of the Location) stops the flow's deliveries, not the webhook's.
    assert.equal((await call(flow.location, { method: 'DELETE' })).status, 204);
    change('after the flow was turned off');
    await simulator.events.flush();
    await until(() => (receiver.at('/hook').length === 2 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.equal(receiver.at('/flow').length, 1);
    assert.equal((await call(hook.location, { method: 'DELETE' })).status, 204);
  });

  it('brings a change whose Partner Center delivery was parked to subscribers through the sweep', async () => {
    const hook = await subscribe('', { url: `${receiver.url}/parked` });
    simulator.events.pause();
    change('while the receiver was unreachable');
    await simulator.events.flush();
    assert.equal(simulator.events.deliveries().at(-1)?.state, 'parked');
    simulator.events.resume();

    const sweep = immediateSweep(() => facade.services);
    const report = await sweep({ info: () => undefined, error: () => undefined });
    assert.equal(report?.announced, 1);
    const [delivered] = await until(() =>
      receiver.at('/parked').length > 0 ? receiver.at('/parked') : undefined,
    );
    const event = (
      new Webhook(hook.secret ?? '').verify(delivered?.body ?? '', delivered?.headers ?? {}) as {
        data: ReferralEvent;
      }
    ).data;
    assert.equal(event.detectedBy, 'sweep');
    assert.equal(notesOf(event), 'while the receiver was unreachable');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.equal(receiver.at('/parked').length, 1);
  });
});
