/**
 * The simulator's own contract, checked directly (without the facade) so the facade's tests rest on a simulator
 * that behaves as the reference describes Partner Center.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { seededIds } from '../../dev/simulator/seed';
import { startSimulator, type Simulator } from '../../dev/simulator/server';

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
