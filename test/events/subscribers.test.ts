/**
 * Event subscribers against a real Azurite, the local host and real sockets: a stored event reaches a Power
 * Automate trigger's callback and a Standard Webhooks subscriber once each, however often it is fanned out;
 * filters and the loop guard decide who hears what; deleting the Location unsubscribes; a failing subscriber is
 * retried, parked and replayed; 410 disables; and the destination policy refuses private addresses unless a
 * local run allows them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { startAzurite, type Azurite } from '../../dev/storage/azurite';
import type { LookupAddress } from 'node:dns';
import { isPublicAddress } from '../../shared/events/destination';
import { startCall } from '../../shared/call/context';
import { handleEventMessage } from '../../shared/events/delivery';
import { createEvents } from '../../shared/events/events';
import { createSubscription, replayDeliveries, STRANDED_AFTER_MS } from '../../shared/events/subscribers';
import { call } from '../support/http';
import {
  publish,
  startEventsFacade,
  startReceiver,
  until,
  type EventsFacade,
  type Receiver,
} from '../support/events-stack';

interface Subscription {
  id: string;
  kind: string;
  destination: string;
  state: string;
  secret?: string;
}
interface Delivery {
  state: string;
  attempts: number;
  log: { attempt: number; status?: number; error?: string; durationMs: number; replayed?: boolean }[];
}

/** The SAS-like signature a flow's callback carries: it must never be shown or logged. */
const FLOW_SIGNATURE = 'sig=Zm9yLXRlc3RzLW9ubHktbm90LWEtcmVhbC1zaWduYXR1cmU';

describe('event subscribers (Azurite, local host, real sockets)', () => {
  let azurite: Azurite;
  let facade: EventsFacade;
  let receiver: Receiver;

  const subscribeWebhook = async (body: Record<string, unknown>) => {
    const answer = await call(`${facade.api}/events/subscriptions`, { body });
    assert.equal(answer.status, 201, answer.text);
    return { subscription: answer.json as Subscription, location: answer.headers.get('location') ?? '' };
  };
  const subscribeFlow = async (trigger: string, body: Record<string, unknown>) => {
    const answer = await call(`${facade.api}/events/subscriptions/power-automate/${trigger}`, { body });
    assert.equal(answer.status, 201, answer.text);
    return { subscription: answer.json as Subscription, location: answer.headers.get('location') ?? '' };
  };
  const deliveries = async (id: string, state = 'all') =>
    (
      (await call(`${facade.api}/events/subscriptions/${id}/deliveries?state=${state}`)).json as {
        value: Delivery[];
      }
    ).value;
  /** Waits until a control subscriber has `count` requests: the fan-outs before it have run. */
  const settled = (path: string, count: number) =>
    until(() => (receiver.at(path).length >= count ? true : undefined));

  before(async () => {
    azurite = await startAzurite();
    receiver = await startReceiver();
    facade = await startEventsFacade(azurite, {
      allowPrivateDestinations: true,
      maxAttempts: 3,
      retryBaseMs: 1_000,
      retryMaxMs: 1_000,
      timeoutMs: 5_000,
    });
  });
  after(async () => {
    await facade.close();
    await receiver.close();
    await azurite.close();
  });

  it('delivers an event once to a flow trigger and once, signed, to a webhook, though it is fanned out twice', async () => {
    const flow = await subscribeFlow('referral-updated', {
      callbackUrl: `${receiver.url}/flow/once?api-version=2016-06-01&${FLOW_SIGNATURE}`,
    });
    assert.match(flow.location, new RegExp(`^${facade.api}/events/subscriptions/${flow.subscription.id}$`));
    assert.equal(flow.subscription.kind, 'power-automate');
    assert.equal(flow.subscription.destination, `${receiver.url}/flow/once`);
    const hook = await subscribeWebhook({ url: `${receiver.url}/hook/once` });
    assert.match(hook.subscription.secret ?? '', /^whsec_[A-Za-z0-9+/]{43}=$/);

    const event = await publish(facade, { times: 2 });

    const [flowCall] = await until(() =>
      receiver.at('/flow/once').length > 0 ? receiver.at('/flow/once') : undefined,
    );
    const [hookCall] = await until(() =>
      receiver.at('/hook/once').length > 0 ? receiver.at('/hook/once') : undefined,
    );
    assert.ok(flowCall && hookCall);
    // A flow gets the event itself, its trigger's declared output, with the referral as it was read.
    assert.deepEqual(JSON.parse(flowCall.body), event);
    assert.match(flowCall.url, /sig=/);
    // A webhook gets the Standard Webhooks envelope, verifiable with the secret answered once.
    const verified = new Webhook(hook.subscription.secret ?? '').verify(hookCall.body, hookCall.headers) as {
      type: string;
      timestamp: string;
      data: unknown;
    };
    assert.equal(verified.type, 'referral.updated');
    assert.equal(verified.timestamp, event.changedAt);
    assert.deepEqual(verified.data, event);
    assert.equal(hookCall.headers['webhook-id'], `msg_${event.id}_${hook.subscription.id}`);

    // Both deliveries are recorded as delivered, after one attempt each, and nothing more arrives.
    for (const id of [flow.subscription.id, hook.subscription.id]) {
      const [delivery] = await until(async () => {
        const found = await deliveries(id);
        return found[0]?.state === 'delivered' ? found : undefined;
      });
      assert.equal(delivery?.attempts, 1);
      assert.equal(delivery?.log[0]?.status, 200);
    }
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.equal(receiver.at('/flow/once').length, 1);
    assert.equal(receiver.at('/hook/once').length, 1);

    // Neither the list nor any log line shows the callback's signature or the webhook's secret.
    const list = await call(`${facade.api}/events/subscriptions`);
    assert.equal(list.status, 200);
    assert.doesNotMatch(list.text, /sig=|whsec_/);
    assert.doesNotMatch(facade.logs.join('\n'), /sig=|whsec_/);
    const read = await call(`${facade.api}/events/subscriptions/${hook.subscription.id}`);
    assert.doesNotMatch(read.text, /whsec_/);

    for (const { location } of [flow, hook])
      assert.equal((await call(location, { method: 'DELETE' })).status, 204);
  });

  it('delivers only what passes the filters, and leaves out the facade’s own changes unless asked', async () => {
    const control = await subscribeWebhook({ url: `${receiver.url}/filters/control` });
    const subscriptions = await Promise.all([
      subscribeWebhook({ url: `${receiver.url}/filters/outgoing`, filters: { direction: 'Outgoing' } }),
      subscribeWebhook({ url: `${receiver.url}/filters/incoming`, filters: { direction: 'Incoming' } }),
      subscribeWebhook({ url: `${receiver.url}/filters/closed`, filters: { status: 'Closed' } }),
      subscribeWebhook({
        url: `${receiver.url}/filters/created`,
        filters: { eventTypes: ['referral-created'] },
      }),
      subscribeFlow('referral-created', { callbackUrl: `${receiver.url}/filters/flow-created` }),
      subscribeWebhook({
        url: `${receiver.url}/filters/all-changes`,
        filters: { includeFacadeChanges: true },
      }),
    ]);

    // The seeded referral is incoming and New/Pending.
    await publish(facade, { type: 'referral-updated' });
    await publish(facade, { type: 'referral-updated', origin: 'facade' });
    await publish(facade, { type: 'referral-created' });
    await settled('/filters/control', 2);
    await settled('/filters/all-changes', 3);
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    const types = (path: string) =>
      receiver.at(path).map((request) => {
        const body = JSON.parse(request.body) as { type: string; data?: { origin: string } };
        return body.data ? `${body.type}/${body.data.origin}` : body.type;
      });
    // The control subscriber set no filter, so the facade's own write was left out for it.
    assert.deepEqual(types('/filters/control').sort(), [
      'referral.created/partner-center',
      'referral.updated/partner-center',
    ]);
    assert.deepEqual(types('/filters/outgoing'), []);
    assert.deepEqual(types('/filters/closed'), []);
    assert.equal(types('/filters/incoming').length, 2);
    assert.deepEqual(types('/filters/created'), ['referral.created/partner-center']);
    assert.deepEqual(types('/filters/flow-created'), ['referral-created']);
    assert.equal(types('/filters/all-changes').length, 3);
    assert.ok(types('/filters/all-changes').includes('referral.updated/facade'));

    for (const { location } of [control, ...subscriptions]) await call(location, { method: 'DELETE' });
  });

  it('stops delivering once the Location is deleted, as the platform unsubscribes a trigger', async () => {
    const control = await subscribeWebhook({ url: `${receiver.url}/unsubscribe/control` });
    const flow = await subscribeFlow('referral-updated', { callbackUrl: `${receiver.url}/unsubscribe/flow` });
    await publish(facade);
    await settled('/unsubscribe/flow', 1);

    const deleted = await call(flow.location, { method: 'DELETE' });
    assert.equal(deleted.status, 204);
    assert.equal((await call(flow.location)).status, 404);
    const again = await call(flow.location, { method: 'DELETE' });
    assert.equal(again.status, 404);
    assert.equal(
      (again.json as { type: string }).type,
      'urn:referrals-facade:problem:subscription-not-found',
    );

    await publish(facade);
    await settled('/unsubscribe/control', 2);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(receiver.at('/unsubscribe/flow').length, 1);
    await call(control.location, { method: 'DELETE' });
  });

  it('retries a failing subscriber with backoff, parks the delivery after the last attempt, and replays it', async () => {
    receiver.answer('/flaky', 500);
    const hook = await subscribeWebhook({ url: `${receiver.url}/flaky` });
    const before = new Date(Date.now() - 1_000).toISOString();
    const event = await publish(facade);

    const [parked] = await until(async () => {
      const found = await deliveries(hook.subscription.id, 'parked');
      return found.length > 0 ? found : undefined;
    });
    assert.equal(parked?.attempts, 3);
    assert.deepEqual(
      parked?.log.map((attempt) => [attempt.attempt, attempt.status, attempt.error]),
      [
        [1, 500, 'answered 500'],
        [2, 500, 'answered 500'],
        [3, 500, 'answered 500'],
      ],
    );
    const sent = receiver.at('/flaky');
    assert.equal(sent.length, 3);
    // Every attempt carries the same webhook-id: the receiver's idempotency key.
    assert.deepEqual(new Set(sent.map((request) => request.headers['webhook-id'])).size, 1);
    // The waits between attempts were the backoff's (at least a second each), not immediate redeliveries.
    const times = sent.map((request) => Number(request.headers['webhook-timestamp']));
    assert.ok((times[2] ?? 0) - (times[0] ?? 0) >= 2, `attempts at ${times.join(', ')}`);

    receiver.answer('/flaky', 204);
    const replayed = await call(`${facade.api}/events/subscriptions/${hook.subscription.id}/replay`, {
      body: { from: before, to: new Date(Date.now() + 1_000).toISOString() },
    });
    assert.equal(replayed.status, 200, replayed.text);
    assert.deepEqual(replayed.json, { replayed: 1, complete: true });
    const [delivered] = await until(async () => {
      const found = await deliveries(hook.subscription.id);
      return found[0]?.state === 'delivered' ? found : undefined;
    });
    assert.equal(delivered?.attempts, 1);
    assert.equal(delivered?.log.length, 4);
    assert.equal(receiver.at('/flaky').length, 4);
    const last = receiver.at('/flaky')[3];
    assert.ok(last);
    const verified = new Webhook(hook.subscription.secret ?? '').verify(last.body, last.headers) as {
      data: { id: string };
    };
    assert.equal(verified.data.id, event.id);
    assert.deepEqual(await deliveries(hook.subscription.id, 'parked'), []);
    await call(hook.location, { method: 'DELETE' });
  });

  it('disables a subscription whose endpoint answers 410 Gone, and a flow whose callback answers 404', async () => {
    receiver.answer('/gone/hook', 410);
    receiver.answer('/gone/flow', 404);
    const control = await subscribeWebhook({ url: `${receiver.url}/gone/control` });
    const hook = await subscribeWebhook({ url: `${receiver.url}/gone/hook` });
    const flow = await subscribeFlow('referral-updated', { callbackUrl: `${receiver.url}/gone/flow` });
    await publish(facade);
    for (const { subscription } of [hook, flow]) {
      const disabled = await until(async () => {
        const read = (await call(`${facade.api}/events/subscriptions/${subscription.id}`)).json as {
          state: string;
          disabledReason?: string;
        };
        return read.state === 'disabled' ? read : undefined;
      });
      assert.match(disabled.disabledReason ?? '', /answered (410|404)/);
      assert.equal((await deliveries(subscription.id))[0]?.state, 'gone');
    }
    await publish(facade);
    await settled('/gone/control', 2);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(receiver.at('/gone/hook').length, 1);
    assert.equal(receiver.at('/gone/flow').length, 1);

    const replay = await call(`${facade.api}/events/subscriptions/${hook.subscription.id}/replay`, {
      body: { from: '2020-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z', state: 'all' },
    });
    assert.equal(replay.status, 409);
    for (const { location } of [control, hook, flow]) await call(location, { method: 'DELETE' });
  });

  it('refuses bad requests and unknown subscriptions with problems', async () => {
    const invalid = await call(`${facade.api}/events/subscriptions`, {
      body: { url: `${receiver.url}/x`, secret: 'not-a-secret', filters: { direction: 'Sideways' } },
    });
    assert.equal(invalid.status, 400);
    const pointers = (invalid.json as { errors: { pointer: string }[] }).errors.map((error) => error.pointer);
    assert.deepEqual(pointers.sort(), ['/filters/direction', '/secret']);
    assert.equal((await call(`${facade.api}/events/subscriptions/not-an-id`)).status, 404);
    assert.equal(
      (await call(`${facade.api}/events/subscriptions/sub-000000000000000000000000`, { method: 'DELETE' }))
        .status,
      404,
    );
    const ownSecret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const given = await subscribeWebhook({ url: `${receiver.url}/own-secret`, secret: ownSecret });
    assert.equal(given.subscription.secret, undefined, 'a secret the caller gave is not answered back');
    await call(given.location, { method: 'DELETE' });
  });

  it('makes subscribers without HTTP, for the benchmark: createSubscription on the events hub', async () => {
    const events = facade.services.events();
    const made = await createSubscription(events, { kind: 'webhook', url: `${receiver.url}/direct` });
    assert.match(made.secret ?? '', /^whsec_/);
    await publish(facade);
    await settled('/direct', 1);
    assert.equal(
      (await call(`${facade.api}/events/subscriptions/${made.subscription.id}`, { method: 'DELETE' })).status,
      204,
    );
  });
});

describe('the destination policy', () => {
  let azurite: Azurite;
  let facade: EventsFacade;
  /** A name server under the test's control: `rebind.test` first resolves to a public address, then to loopback. */
  let rebound: readonly LookupAddress[] = [{ address: '203.0.113.10', family: 4 }];

  before(async () => {
    azurite = await startAzurite();
    facade = await startEventsFacade(
      azurite,
      { allowPrivateDestinations: false, maxAttempts: 3, retryBaseMs: 1_000, retryMaxMs: 1_000 },
      {
        resolve: (hostname) =>
          hostname === 'rebind.test'
            ? Promise.resolve(rebound)
            : hostname === 'localhost'
              ? Promise.resolve([{ address: '127.0.0.1', family: 4 }])
              : Promise.reject(new Error('ENOTFOUND')),
      },
    );
  });
  after(async () => {
    await facade.close();
    await azurite.close();
  });

  it('refuses http, private, loopback, link-local and metadata destinations in Azure', async () => {
    for (const url of [
      'http://203.0.113.10/hook',
      'https://127.0.0.1/hook',
      'https://localhost/hook',
      'https://10.1.2.3/hook',
      'https://192.168.0.1/hook',
      'https://169.254.169.254/metadata/instance',
      'https://168.63.129.16/',
      'https://[::1]/hook',
      'https://[::ffff:127.0.0.1]/hook',
      'https://[fd00::1]/hook',
      'https://user:pass@rebind.test/hook',
      'https://nowhere.test/hook',
    ]) {
      const answer = await call(`${facade.api}/events/subscriptions`, { body: { url } });
      assert.equal(answer.status, 422, url);
      const problem = answer.json as { type: string; errors: { pointer: string }[] };
      assert.equal(problem.type, 'urn:referrals-facade:problem:destination-refused', url);
      assert.equal(problem.errors[0]?.pointer, '/url');
    }
    const flow = await call(`${facade.api}/events/subscriptions/power-automate/referral-created`, {
      body: { callbackUrl: 'https://127.0.0.1/workflows/x?sig=secret' },
    });
    assert.equal(flow.status, 422);
    assert.doesNotMatch(flow.text, /sig=secret/);
    assert.equal((await call(`${facade.api}/events/subscriptions`)).text, '{"value":[]}');
  });

  it('checks the address again at delivery: a name that now resolves to loopback is refused and parked', async () => {
    const answer = await call(`${facade.api}/events/subscriptions`, {
      body: { url: 'https://rebind.test/hook' },
    });
    assert.equal(answer.status, 201, answer.text);
    const { id } = answer.json as Subscription;
    rebound = [{ address: '127.0.0.1', family: 4 }];
    await publish(facade);
    const [parked] = await until(async () => {
      const found = (
        (await call(`${facade.api}/events/subscriptions/${id}/deliveries?state=parked`)).json as {
          value: Delivery[];
        }
      ).value;
      return found.length > 0 ? found : undefined;
    });
    assert.equal(parked?.attempts, 1);
    assert.match(parked?.log[0]?.error ?? '', /^destination refused: .*rebind\.test.*loopback/);
  });

  it('judges addresses by their registries, IPv4-mapped IPv6 as IPv4', () => {
    for (const address of [
      '127.0.0.1',
      '10.0.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fe80::1',
      'fd12::1',
      '::ffff:10.0.0.1',
      '224.0.0.1',
    ]) {
      assert.equal(isPublicAddress(address), false, address);
    }
    for (const address of ['203.0.113.10', '20.50.2.1', '172.32.0.1', '2001:db8::1', '::ffff:20.50.2.1']) {
      assert.equal(isPublicAddress(address), true, address);
    }
  });
});

describe('replaying a delivery whose message was lost', () => {
  let azurite: Azurite;
  let facade: EventsFacade;
  let receiver: Receiver;

  before(async () => {
    azurite = await startAzurite();
    receiver = await startReceiver();
    // No consumer: the test runs the fan-out itself, then drops the deliver message it queued, as a failed send
    // or the poison queue would.
    facade = await startEventsFacade(azurite, { allowPrivateDestinations: true }, { consume: false });
  });
  after(async () => {
    await facade.close();
    await receiver.close();
    await azurite.close();
  });

  it('leaves a delivery on its way alone, and replays it once it is long overdue', async () => {
    const events = facade.services.events();
    const { subscription } = await createSubscription(events, {
      kind: 'webhook',
      url: `${receiver.url}/lost`,
    });
    const event = await publish(facade);
    const backend = await events.backend();
    await backend.clients.queue.clearMessages();
    const call = startCall({
      correlationId: 'c',
      route: 'test',
      method: 'QUEUE',
      log: { info: () => undefined, error: () => undefined },
    });
    await handleEventMessage(
      events,
      { kind: 'fan-out', referralId: event.referralId, eventKey: event.id },
      call,
    );
    await backend.clients.queue.clearMessages(); // the deliver message is lost
    const window = {
      from: new Date(Date.now() - 3_600_000).toISOString(),
      to: new Date(Date.now() + 3_600_000).toISOString(),
      state: 'all' as const,
    };
    assert.deepEqual(await replayDeliveries(events, subscription.id, window), {
      replayed: 0,
      complete: true,
    });

    const later = createEvents(
      {
        connection: { kind: 'connection-string', connectionString: azurite.connectionString },
        retry: { maxAttempts: 1, baseMs: 1, maxMs: 1 },
      },
      {
        names: backend.clients.names,
        now: () => Date.now() + STRANDED_AFTER_MS + 60_000,
        delivery: events.delivery,
        resolve: events.resolve,
      },
    );
    assert.deepEqual(await replayDeliveries(later, subscription.id, window), { replayed: 1, complete: true });
    const queued = await backend.clients.queue.peekMessages({ numberOfMessages: 32 });
    assert.equal(queued.peekedMessageItems.length, 1, 'one deliver message, for the stranded row');
  });
});
