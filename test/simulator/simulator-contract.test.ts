/**
 * The simulator's own contract, checked directly (without the facade) so the facade's tests rest on a simulator
 * that behaves as the reference describes Partner Center.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createServer, type IncomingMessage } from 'node:http';
import { closeServer, listen, readBody } from '../../dev/node-http';
import { MAX_DELIVERY_ATTEMPTS } from '../../dev/simulator/events';
import { seededIds } from '../../dev/simulator/seed';
import { startSimulator, type Simulator } from '../../dev/simulator/server';
import { createEventSignatureVerifier } from '../../shared/event-signature';

const token = 'simulator-contract-token';
let simulator: Simulator;

before(async () => {
  simulator = await startSimulator({ accessToken: token });
});
after(async () => {
  await simulator.close();
});
beforeEach(() => {
  simulator.reset();
});

async function send(
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
) {
  const response = await fetch(simulator.url + path, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
  };
}

const referralPath = (id: string) => `/v1.0/engagements/referrals/${id}`;
const setStatus = (status: string, substatus: string) => [
  { op: 'replace', path: '/status', value: status },
  { op: 'replace', path: '/substatus', value: substatus },
];

describe('Partner Center simulator', () => {
  it('requires the bearer token', async () => {
    const response = await send('GET', referralPath(seededIds.active), {
      headers: { authorization: 'Bearer wrong' },
    });
    assert.equal(response.status, 401);
    assert.equal((response.json?.['error'] as { code: string }).code, 'unauthenticated');
  });

  it('serves a referral with a quoted ETag in the header and the body', async () => {
    const response = await send('GET', referralPath(seededIds.active));
    assert.equal(response.status, 200);
    assert.match(response.headers.get('etag') ?? '', /^"[0-9a-f-]{36}"$/);
    assert.equal(response.json?.['eTag'], response.headers.get('etag'));
  });

  it('lists referrals in pages linked by @odata.nextLink', async () => {
    const first = await send('GET', '/v1.0/engagements/referrals?$top=3');
    assert.equal((first.json?.['value'] as unknown[]).length, 3);
    const next = String(first.json?.['@odata.nextLink']);
    const second = await send('GET', next);
    assert.equal((second.json?.['value'] as unknown[]).length, 1);
    assert.equal(second.json?.['@odata.nextLink'], undefined);
  });

  it('accepts only add and replace', async () => {
    const response = await send('PATCH', referralPath(seededIds.active), {
      body: [{ op: 'remove', path: '/details/notes' }],
    });
    assert.equal(response.status, 400);
  });

  it('answers 204 without Prefer and 200 with the referral with it, changing the ETag on every write', async () => {
    const before = simulator.referral(seededIds.active)?.eTag;
    const quiet = await send('PATCH', referralPath(seededIds.active), {
      body: [{ op: 'replace', path: '/details/notes', value: 'a' }],
    });
    assert.equal(quiet.status, 204);
    const middle = quiet.headers.get('etag');
    assert.notEqual(middle, before);
    const loud = await send('PATCH', referralPath(seededIds.active), {
      body: [{ op: 'replace', path: '/details/notes', value: 'b' }],
      headers: { prefer: 'return=representation' },
    });
    assert.equal(loud.status, 200);
    assert.equal((loud.json?.['details'] as { notes: string }).notes, 'b');
    assert.notEqual(loud.headers.get('etag'), middle);
  });

  it('enforces If-Match with 412 and code 99918', async () => {
    const response = await send('PATCH', referralPath(seededIds.active), {
      body: [{ op: 'replace', path: '/details/notes', value: 'a' }],
      headers: { 'if-match': '"stale"' },
    });
    assert.equal(response.status, 412);
    const error = response.json?.['error'] as { code: string; innerError: { code: string } };
    assert.equal(error.code, 'preconditionFailed');
    assert.equal(error.innerError.code, '99918');
  });

  it('moves status forward only and keeps Closed final', async () => {
    const id = referralPath(seededIds.incoming);
    assert.equal((await send('PATCH', id, { body: setStatus('Active', 'Accepted') })).status, 204);
    assert.equal((await send('PATCH', id, { body: setStatus('New', 'Pending') })).status, 400);
    assert.equal((await send('PATCH', id, { body: setStatus('Active', 'Won') })).status, 400);
    assert.equal((await send('PATCH', id, { body: setStatus('Closed', 'Lost') })).status, 204);
    assert.equal((await send('PATCH', id, { body: setStatus('Closed', 'Won') })).status, 400);
    assert.equal(
      (await send('PATCH', id, { body: setStatus('Closed', 'Lost') })).status,
      204,
      'a repeat is harmless',
    );
    assert.equal(simulator.referral(seededIds.incoming)?.substatus, 'Lost');
  });

  it('refuses writes to fields Partner Center maintains', async () => {
    const response = await send('PATCH', referralPath(seededIds.active), {
      body: [{ op: 'replace', path: '/eTag', value: '"mine"' }],
    });
    assert.equal(response.status, 400);
  });

  it('answers 404 for an unknown referral', async () => {
    assert.equal((await send('GET', referralPath('00000000-0000-0000-0000-000000000000'))).status, 404);
  });
});

describe('a long-running simulator', () => {
  it('keeps only the latest calls when asked to', async () => {
    const bounded = await startSimulator({ accessToken: token, maxRecordedCalls: 2 });
    try {
      for (const id of [seededIds.active, seededIds.incoming, seededIds.received]) {
        await fetch(`${bounded.url}/v1.0/engagements/referrals/${id}`, {
          headers: { authorization: `Bearer ${token}` },
        });
      }
      assert.deepEqual(
        bounded.calls.map((recorded) => recorded.path),
        [
          `/v1.0/engagements/referrals/${seededIds.incoming}`,
          `/v1.0/engagements/referrals/${seededIds.received}`,
        ],
      );
    } finally {
      await bounded.close();
    }
  });
});

/**
 * Partner Center's events as the simulator plays them (reference events-auth-and-senders.md §3,
 * partner-center-referrals.md §8): the registration API under /webhooks/v1 with its own token audience, and
 * signed deliveries to the registered URL, 10 attempts and then parked.
 */
describe('Partner Center events in the simulator', () => {
  const referralsToken = 'referrals-audience-token';
  const registrationToken = 'partnercenter-audience-token';
  let events: Simulator;
  let receiverUrl: string;
  let receiver: ReturnType<typeof createServer>;
  /** What the receiver got, in order. */
  let received: { headers: IncomingMessage['headers']; body: string }[] = [];
  /** The receiver's answer to each delivery; 200 unless a test says otherwise. */
  let answer: (index: number) => number = () => 200;

  before(async () => {
    receiver = createServer((request, response) => {
      void readBody(request).then((body) => {
        received.push({ headers: request.headers, body });
        response.writeHead(answer(received.length - 1));
        response.end();
      });
    });
    receiverUrl = `http://127.0.0.1:${String(await listen(receiver, 0, '127.0.0.1'))}/api/events/partner-center`;
    events = await startSimulator({
      accessToken: referralsToken,
      registrationAccessToken: registrationToken,
      eventRetryDelayMs: 5,
    });
  });
  after(async () => {
    await events.close();
    await closeServer(receiver);
  });
  beforeEach(() => {
    events.reset();
    received = [];
    answer = () => 200;
  });

  async function call(method: string, path: string, body?: unknown, bearer = registrationToken) {
    const response = await fetch(events.url + path, {
      method,
      headers: {
        authorization: `Bearer ${bearer}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      json: text ? (JSON.parse(text) as unknown) : undefined,
    };
  }
  const register = (webhookEvents: string[], extra: Record<string, unknown> = {}) =>
    call('POST', '/webhooks/v1/registration', {
      WebhookUrl: receiverUrl,
      WebhookEvents: webhookEvents,
      ...extra,
    });
  const patchReferral = (id: string) =>
    fetch(`${events.url}/v1.0/engagements/referrals/${id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${referralsToken}`, 'content-type': 'application/json' },
      body: JSON.stringify([{ op: 'replace', path: '/details/notes', value: 'changed' }]),
    });
  /** The facade's own verifier, trusting only the simulator's test CA and fetching its certificate over http. */
  const verifier = () =>
    createEventSignatureVerifier({
      certificateHosts: ['127.0.0.1'],
      allowHttpCertificateUrls: true,
      trustedRoots: [events.events.testCaPem],
      requiredOrganization: 'Microsoft Corporation',
    });
  const firstReceived = () => {
    const [first] = received;
    assert.ok(first, 'the receiver got an event');
    return first;
  };
  const lookup = (headers: IncomingMessage['headers']) => (name: string) => {
    const value = headers[name.toLowerCase()];
    return Array.isArray(value) ? value.join(', ') : value;
  };

  describe('the registration API (/webhooks/v1)', () => {
    it('takes only a token for its own audience: the referrals token is refused there, and the reverse', async () => {
      const refused = await call('GET', '/webhooks/v1/registration/events', undefined, referralsToken);
      assert.equal(refused.status, 401);
      assert.match((refused.json as { description: string }).description, /another audience/);
      const referral = await fetch(`${events.url}/v1.0/engagements/referrals/${seededIds.active}`, {
        headers: { authorization: `Bearer ${registrationToken}` },
      });
      assert.equal(referral.status, 401);
    });

    it('has a token of its own even when none is given, and never shares the referrals token', async () => {
      await assert.rejects(
        startSimulator({ accessToken: referralsToken, registrationAccessToken: referralsToken }),
        /another audience/,
      );
      const plain = await startSimulator({ accessToken: referralsToken });
      try {
        assert.notEqual(plain.registrationAccessToken, referralsToken);
        const asked = (token: string) =>
          fetch(`${plain.url}/webhooks/v1/registration/events`, {
            headers: { authorization: `Bearer ${token}` },
          });
        assert.equal((await asked(referralsToken)).status, 401);
        assert.equal((await asked(plain.registrationAccessToken)).status, 200);
      } finally {
        await plain.close();
      }
    });

    it('lists the supported events', async () => {
      const listed = await call('GET', '/webhooks/v1/registration/events');
      assert.equal(listed.status, 200);
      assert.deepEqual(listed.json, [
        'referral-created',
        'referral-updated',
        'related-referral-created',
        'related-referral-updated',
        'test-created',
      ]);
    });

    it('creates with POST (adding SubscriberId), refuses a second POST, replaces with PUT, deletes', async () => {
      assert.equal((await call('GET', '/webhooks/v1/registration')).status, 404);
      const created = await register(['referral-updated']);
      assert.equal(created.status, 200);
      const subscriberId = (created.json as { SubscriberId: string }).SubscriberId;
      assert.match(subscriberId, /^[0-9a-f-]{36}$/);
      assert.deepEqual(created.json, {
        SubscriberId: subscriberId,
        WebhookUrl: receiverUrl,
        WebhookEvents: ['referral-updated'],
        SignatureTokenToMsSignatureHeader: false,
      });
      assert.equal((await register(['referral-created'])).status, 409);
      const replaced = await call('PUT', '/webhooks/v1/registration', {
        WebhookUrl: receiverUrl,
        WebhookEvents: ['referral-created', 'referral-updated'],
        SignatureTokenToMsSignatureHeader: true,
      });
      assert.equal(replaced.status, 200);
      assert.equal((replaced.json as { SubscriberId: string }).SubscriberId, subscriberId);
      assert.deepEqual((await call('GET', '/webhooks/v1/registration')).json, replaced.json);
      assert.equal((await call('DELETE', '/webhooks/v1/registration')).status, 204);
      assert.equal((await call('GET', '/webhooks/v1/registration')).status, 404);
      assert.equal(
        (
          await call('PUT', '/webhooks/v1/registration', {
            WebhookUrl: receiverUrl,
            WebhookEvents: ['referral-created'],
          })
        ).status,
        404,
      );
    });

    it('refuses unsupported events and a missing URL, with the Partner Center REST error shape', async () => {
      const unsupported = await register(['referral-deleted']);
      assert.equal(unsupported.status, 400);
      assert.deepEqual(Object.keys(unsupported.json as object).sort(), [
        'code',
        'data',
        'description',
        'source',
      ]);
      assert.equal(
        (await call('POST', '/webhooks/v1/registration', { WebhookEvents: ['test-created'] })).status,
        400,
      );
    });
  });

  describe('signed deliveries', () => {
    it('a PATCH sends referral-updated, signed so that the facade’s verifier accepts it, without slowing the PATCH', async () => {
      await register(['referral-updated']);
      answer = () => 200;
      const response = await patchReferral(seededIds.active);
      assert.equal(response.status, 204);
      assert.equal(received.length, 0, 'the PATCH answered before its event was sent');
      await events.events.flush();
      assert.equal(received.length, 1);
      const delivery = firstReceived();
      const event = JSON.parse(delivery.body) as Record<string, unknown>;
      assert.deepEqual(Object.keys(event), [
        'EventName',
        'ResourceUri',
        'ResourceName',
        'AuditUri',
        'ResourceChangeUtcDate',
      ]);
      assert.equal(event['EventName'], 'referral-updated');
      assert.equal(
        event['ResourceUri'],
        `https://api.partnercenter.microsoft.com/engagements/v1/referrals/${seededIds.active}`,
      );
      assert.equal(event['ResourceName'], 'referral');
      assert.equal(event['AuditUri'], null);
      assert.ok(!Number.isNaN(Date.parse(String(event['ResourceChangeUtcDate']))));
      assert.match(String(delivery.headers.authorization), /^Signature [A-Za-z0-9+/]+=*$/);
      assert.equal(delivery.headers['x-ms-signature-algorithm'], 'rsa-sha256');
      assert.equal(delivery.headers['x-ms-certificate-url'], events.events.certificateUrl);
      await verifier().verify(lookup(delivery.headers), Buffer.from(delivery.body, 'utf8'));
      assert.deepEqual(
        events.events
          .deliveries()
          .map((sent) => [sent.state, sent.attempts.map((attempt) => attempt.status)]),
        [['delivered', [200]]],
      );
    });

    it('signs in x-ms-signature when the registration asks for it; create and modify send their events too', async () => {
      await register(['referral-created', 'referral-updated'], { SignatureTokenToMsSignatureHeader: true });
      events.modify(seededIds.incoming, (referral) => {
        referral.name = 'Renamed by a Microsoft seller';
      });
      const created = await fetch(`${events.url}/v1.0/engagements/referrals`, {
        method: 'POST',
        headers: { authorization: `Bearer ${referralsToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'Independent', customerProfile: {}, consent: {}, details: {} }),
      });
      const id = ((await created.json()) as { id: string }).id;
      await events.events.flush();
      const sent = received
        .map(
          (delivery) =>
            [JSON.parse(delivery.body) as { EventName: string; ResourceUri: string }, delivery] as const,
        )
        .sort(([a], [b]) => a.EventName.localeCompare(b.EventName));
      assert.deepEqual(
        sent.map(([event]) => [event.EventName, event.ResourceUri.split('/').pop()]),
        [
          ['referral-created', id],
          ['referral-updated', seededIds.incoming],
        ],
      );
      for (const [, delivery] of sent) {
        assert.equal(delivery.headers.authorization, undefined);
        assert.match(String(delivery.headers['x-ms-signature']), /^[A-Za-z0-9+/]+=*$/);
        await verifier().verify(lookup(delivery.headers), Buffer.from(delivery.body, 'utf8'));
      }
    });

    it('sends only the events registered for', async () => {
      await register(['referral-created']);
      await patchReferral(seededIds.active);
      await events.events.flush();
      assert.deepEqual(received, []);
      assert.deepEqual(events.events.deliveries(), []);
    });

    it(`retries a failing receiver, and after ${String(MAX_DELIVERY_ATTEMPTS)} attempts parks the event for good`, async () => {
      await register(['referral-updated']);
      answer = () => 500;
      await patchReferral(seededIds.active);
      await events.events.flush();
      const [parked] = events.events.deliveries();
      assert.equal(parked?.state, 'parked');
      assert.equal(parked?.attempts.length, 10);
      assert.ok(parked?.attempts.every((attempt) => attempt.status === 500));
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(received.length, 10, 'never retried once parked');
    });

    it('delivers once the receiver recovers, within the attempts', async () => {
      await register(['referral-updated']);
      answer = (index) => (index < 3 ? 503 : 200);
      await patchReferral(seededIds.active);
      await events.events.flush();
      assert.deepEqual(
        events.events
          .deliveries()
          .map((sent) => [sent.state, sent.attempts.map((attempt) => attempt.status)]),
        [['delivered', [503, 503, 503, 200]]],
      );
    });

    it('paused: every attempt fails as unreachable and the event is parked; resumed: the next one is delivered', async () => {
      await register(['referral-updated']);
      events.events.pause();
      await patchReferral(seededIds.active);
      await events.events.flush();
      const [parked] = events.events.deliveries();
      assert.equal(parked?.state, 'parked');
      assert.ok(
        parked?.attempts.every(
          (attempt) => attempt.status === undefined && /unreachable/.test(attempt.error ?? ''),
        ),
      );
      assert.equal(received.length, 0);
      events.events.resume();
      await patchReferral(seededIds.active);
      await events.events.flush();
      assert.equal(events.events.deliveries()[1]?.state, 'delivered');
      assert.equal(received.length, 1);
    });

    it('drops the next events as lost ones: never sent, no trace', async () => {
      await register(['referral-updated']);
      events.events.dropNext(1);
      await patchReferral(seededIds.active);
      await patchReferral(seededIds.incoming);
      await events.events.flush();
      assert.equal(received.length, 1);
      assert.match(
        (JSON.parse(firstReceived().body) as { ResourceUri: string }).ResourceUri,
        new RegExp(`${seededIds.incoming}$`),
      );
    });

    it('signs any body for tests that forge or replay; a changed body no longer verifies', async () => {
      const body = JSON.stringify({ EventName: 'referral-updated' });
      const { headers } = events.events.sign(body);
      await verifier().verify((name) => headers[name.toLowerCase()], Buffer.from(body));
      await assert.rejects(
        verifier().verify((name) => headers[name.toLowerCase()], Buffer.from(`${body} `)),
        /does not match the body/,
      );
    });

    it('serves the signing certificate, leaf then intermediate, without a token', async () => {
      const response = await fetch(events.events.certificateUrl);
      assert.equal(response.status, 200);
      const pem = await response.text();
      assert.equal(pem.match(/BEGIN CERTIFICATE/g)?.length, 2);
      assert.ok(
        !pem.includes(events.events.testCaPem.trim()),
        'the root is not served: the receiver must already trust it',
      );
    });
  });

  describe('validation events', () => {
    it('need a registration for test-created', async () => {
      await register(['referral-updated']);
      assert.equal((await call('POST', '/webhooks/v1/registration/validationEvents')).status, 400);
    });

    it('send a signed test-created event and report its attempts by correlation id; at most 2 a minute', async () => {
      await register(['test-created']);
      const posted = await call('POST', '/webhooks/v1/registration/validationEvents');
      assert.equal(posted.status, 200);
      const correlationId = posted.json as string;
      assert.match(correlationId, /^[0-9a-f-]{36}$/);
      await events.events.flush();
      const event = JSON.parse(firstReceived().body) as Record<string, unknown>;
      assert.equal(event['EventName'], 'test-created');
      assert.match(
        String(event['ResourceUri']),
        new RegExp(`/webhooks/v1/registration/validationEvents/${correlationId}$`),
      );
      await verifier().verify(lookup(firstReceived().headers), Buffer.from(firstReceived().body, 'utf8'));
      const status = await call('GET', `/webhooks/v1/registration/validationEvents/${correlationId}`);
      assert.equal(status.status, 200);
      const report = status.json as { status: string; webhooksRequestsSent: { responseCode: string }[] };
      assert.equal(report.status, 'completed');
      assert.deepEqual(
        report.webhooksRequestsSent.map((attempt) => attempt.responseCode),
        ['200'],
      );
      assert.equal((await call('POST', '/webhooks/v1/registration/validationEvents')).status, 200);
      const throttled = await call('POST', '/webhooks/v1/registration/validationEvents');
      assert.equal(throttled.status, 429);
      assert.ok(Number(throttled.headers.get('retry-after')) > 0);
      assert.equal((await call('GET', '/webhooks/v1/registration/validationEvents/unknown')).status, 404);
    });
  });

  it('close() stops every pending retry', async () => {
    const slow = await startSimulator({ accessToken: referralsToken, eventRetryDelayMs: 60_000 });
    try {
      await fetch(`${slow.url}/webhooks/v1/registration`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${slow.registrationAccessToken}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ WebhookUrl: receiverUrl, WebhookEvents: ['referral-updated'] }),
      });
      answer = () => 500;
      slow.modify(seededIds.active, (referral) => {
        referral.name = 'x';
      });
      while (slow.events.deliveries()[0]?.attempts.length !== 1)
        await new Promise((resolve) => setTimeout(resolve, 5));
    } finally {
      await slow.close();
    }
    assert.equal(slow.events.deliveries()[0]?.state, 'pending', 'left pending, its retry timer cleared');
    await slow.events.flush();
  });
});
