/**
 * End to end over real sockets: HTTP client → local host → functions → relay → Partner Center simulator.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { seededIds } from '../../dev/simulator/seed';
import { patchesSent, startStack, type Stack } from '../support/stack';

let stack: Stack;

before(async () => {
  stack = await startStack();
});
after(async () => {
  await stack.close();
});
beforeEach(() => {
  stack.simulator.reset();
});

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${stack.api}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  const contentType = response.headers.get('content-type') ?? '';
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: contentType.includes('json') && text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
  };
}

const post = (id: string, operation: string, body?: unknown, headers?: Record<string, string>) =>
  call('POST', `/referrals/${id}/${operation}`, body, headers);

describe('each endpoint changes the referral as documented', () => {
  it('close-won with deal details', async () => {
    const response = await post(seededIds.active, 'close-won', {
      dealValue: 125000,
      currency: 'usd',
      closingDateTime: '2026-12-15',
      notes: 'Signed',
      statusReason: 'Best fit',
    });
    assert.equal(response.status, 204);
    const referral = stack.simulator.referral(seededIds.active);
    assert.equal(referral?.status, 'Closed');
    assert.equal(referral?.substatus, 'Won');
    assert.equal(referral?.['statusReason'], 'Best fit');
    assert.deepEqual(
      { ...(referral?.['details'] as Record<string, unknown>), requirements: undefined },
      {
        dealValue: '125000',
        currency: 'USD',
        closingDateTime: '2026-12-15T00:00:00.000Z',
        notes: 'Signed',
        requirements: undefined,
      },
    );
  });

  it('close-lost', async () => {
    assert.equal((await post(seededIds.active, 'close-lost', { statusReason: 'Budget' })).status, 204);
    assert.equal(stack.simulator.referral(seededIds.active)?.substatus, 'Lost');
  });

  it('accept', async () => {
    assert.equal((await post(seededIds.incoming, 'accept')).status, 204);
    assert.equal(stack.simulator.referral(seededIds.incoming)?.status, 'Active');
  });

  it('decline', async () => {
    assert.equal((await post(seededIds.incoming, 'decline', { statusReason: 'Out of scope' })).status, 204);
    assert.equal(stack.simulator.referral(seededIds.incoming)?.substatus, 'Declined');
  });

  it('add-member (documented sample 3, with Prefer)', async () => {
    const member = {
      email: 'jane.doe@contoso.com',
      firstName: 'Jane',
      lastName: 'Doe',
      phoneNumber: '0000000001',
    };
    const response = await post(seededIds.active, 'add-member', member, { prefer: 'return=representation' });
    assert.equal(response.status, 200);
    assert.deepEqual(response.json?.['team'], [member]);
    assert.deepEqual(patchesSent(stack.simulator), [[{ op: 'add', path: '/team/-', value: member }]]);
    const patch = stack.simulator.calls.find((sent) => sent.method === 'PATCH');
    assert.equal(patch?.headers['prefer'], 'return=representation');
    assert.equal(response.headers.get('member-outcome'), 'added');
  });

  it('update-details (documented sample 1)', async () => {
    assert.equal(
      (
        await post(seededIds.active, 'update-details', {
          dealValue: '10000',
          notes: 'Lorem ipsum dolor sit amet.',
        })
      ).status,
      204,
    );
    assert.deepEqual(patchesSent(stack.simulator), [
      [
        { op: 'replace', path: '/details/dealValue', value: '10000' },
        { op: 'replace', path: '/details/notes', value: 'Lorem ipsum dolor sit amet.' },
      ],
    ]);
  });

  it('set-status', async () => {
    assert.equal(
      (await post(seededIds.incoming, 'set-status', { status: 'New', substatus: 'Received' })).status,
      204,
    );
    assert.equal(stack.simulator.referral(seededIds.incoming)?.substatus, 'Received');
  });

  it('a raw PATCH, with the JSON Patch media type', async () => {
    const response = await call(
      'PATCH',
      `/referrals/${seededIds.active}`,
      [{ op: 'replace', path: '/salesStage', value: 'Propose' }],
      { 'content-type': 'application/json-patch+json' },
    );
    assert.equal(response.status, 204);
    assert.equal(stack.simulator.referral(seededIds.active)?.['salesStage'], 'Propose');
    assert.equal(stack.simulator.calls[0]?.headers['content-type'], 'application/json');
  });

  it('GET returns the referral with its ETag', async () => {
    const response = await call('GET', `/referrals/${seededIds.active}`);
    assert.equal(response.status, 200);
    assert.equal(response.json?.['id'], seededIds.active);
    assert.equal(response.headers.get('etag'), stack.simulator.referral(seededIds.active)?.eTag);
    assert.equal(response.json?.['eTag'], response.headers.get('etag'));
  });

  it('health is alive', async () => {
    const response = await call('GET', '/health');
    assert.equal(response.status, 200);
    assert.equal(response.json?.['status'], 'ok');
  });
});

describe('Prefer semantics', () => {
  it('without a preference no Prefer goes upstream and the answer is an empty 204', async () => {
    const response = await post(seededIds.active, 'update-details', { notes: 'x' });
    assert.equal(response.status, 204);
    assert.equal(response.text, '');
    assert.equal(stack.simulator.calls[0]?.headers['prefer'], undefined);
    assert.equal(response.headers.get('preference-applied'), null);
  });

  it('the header gives 200, the referral and Preference-Applied', async () => {
    const response = await post(
      seededIds.active,
      'update-details',
      { notes: 'x' },
      { prefer: 'return=representation' },
    );
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('preference-applied'), 'return=representation');
    assert.equal((response.json?.['details'] as { notes: string }).notes, 'x');
  });

  it('?return=representation serves callers that cannot set headers', async () => {
    const response = await post(`${seededIds.active}/update-details?return=representation`, '', undefined);
    assert.equal(response.status, 400, 'sanity: an empty update-details body is invalid');
    const ok = await call('POST', `/referrals/${seededIds.active}/update-details?return=representation`, {
      notes: 'q',
    });
    assert.equal(ok.status, 200);
    assert.equal(stack.simulator.calls[0]?.headers['prefer'], 'return=representation');
  });

  it('a Prefer list with other preferences still counts', async () => {
    const response = await post(seededIds.active, 'accept', undefined, {
      prefer: 'respond-async, return=representation',
    });
    assert.equal(response.status, 200);
  });
});

describe('If-Match concurrency', () => {
  it('a current ETag is forwarded and the update lands, with the new ETag in the answer', async () => {
    const read = await call('GET', `/referrals/${seededIds.active}`);
    const etag = read.headers.get('etag') ?? '';
    const response = await post(seededIds.active, 'update-details', { notes: 'v2' }, { 'if-match': etag });
    assert.equal(response.status, 204);
    assert.equal(stack.simulator.calls.at(-1)?.headers['if-match'], etag);
    assert.notEqual(response.headers.get('etag'), etag);
    assert.equal(response.headers.get('etag'), stack.simulator.referral(seededIds.active)?.eTag);
  });

  it('an unquoted ETag, as copied from a JSON body, is quoted before it is forwarded', async () => {
    const etag = stack.simulator.referral(seededIds.active)?.eTag ?? '';
    const bare = etag.replaceAll('"', '');
    const response = await post(seededIds.active, 'update-details', { notes: 'v2' }, { 'if-match': bare });
    assert.equal(response.status, 204);
    assert.equal(stack.simulator.calls.at(-1)?.headers['if-match'], etag);
  });

  it('a stale ETag gives 412 with advice to read the referral again, and nothing changes', async () => {
    const stale = stack.simulator.referral(seededIds.active)?.eTag ?? '';
    await post(seededIds.active, 'update-details', { notes: 'someone else' });
    const response = await post(seededIds.active, 'update-details', { notes: 'mine' }, { 'if-match': stale });
    assert.equal(response.status, 412);
    assert.equal(response.headers.get('content-type'), 'application/problem+json');
    assert.match(String(response.json?.['detail']), /GET \/api\/referrals\/.+ for a fresh ETag/);
    assert.deepEqual(response.json?.['upstream'], {
      status: 412,
      code: '99918',
      message: 'Etag value did not Match',
    });
    assert.equal(
      (stack.simulator.referral(seededIds.active)?.['details'] as { notes: string }).notes,
      'someone else',
    );
  });
});

describe('errors', () => {
  it('every facade error leaves Partner Center untouched', async () => {
    const failures = [
      await post(seededIds.active, 'close-won', '{not json'),
      await post(seededIds.active, 'close-won', { dealValue: 'ten' }),
      await post(seededIds.active, 'close-won', 'x', { 'content-type': 'text/plain' }),
      await post(seededIds.active, 'update-details', { notes: 'x'.repeat(66_000) }),
      await post('a%2F..%2Fb', 'close-won', {}),
      await post('a..b%2E', 'close-won', {}),
      await post('x'.repeat(65), 'close-won', {}),
      await call('PATCH', `/referrals/${seededIds.active}`, [{ op: 'replace', path: '/id', value: 'x' }]),
      await post(seededIds.active, 'set-status', { status: 'Closed', substatus: 'Pending' }),
    ];
    assert.deepEqual(
      failures.map((failure) => failure.status),
      [400, 400, 415, 413, 400, 400, 400, 400, 400],
    );
    for (const failure of failures)
      assert.equal(failure.headers.get('content-type'), 'application/problem+json');
    assert.equal(stack.simulator.calls.length, 0);
  });

  it('an unknown route is a 404 problem and a known route with the wrong method a 405 with Allow', async () => {
    const missing = await call('GET', '/referrals/abc/close-won-ish');
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('content-type'), 'application/problem+json');
    const wrongMethod = await call('GET', `/referrals/${seededIds.active}/close-won`);
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.get('allow'), 'POST');
    const outsideApi = await call('GET', '/../etc/passwd');
    assert.equal(outsideApi.status, 404);
    assert.equal(stack.simulator.calls.length, 0);
  });

  it('an unknown referral keeps the upstream 404, with its code inside the problem', async () => {
    const response = await post('00000000-0000-0000-0000-000000000000', 'accept');
    assert.equal(response.status, 404);
    assert.equal(response.json?.['type'], 'urn:referrals-facade:problem:referral-not-found');
    assert.equal((response.json?.['upstream'] as { code: string }).code, 'itemNotFound');
  });

  it('a transition Partner Center refuses keeps its 400 and its reason', async () => {
    const response = await post(seededIds.closedWon, 'accept');
    assert.equal(response.status, 400);
    assert.equal(response.json?.['type'], 'urn:referrals-facade:problem:upstream-rejected');
    assert.match(
      String((response.json?.['upstream'] as { message: string }).message),
      /closed referral cannot change/,
    );
  });

  it('closing an already-won referral as won again is a harmless repeat', async () => {
    assert.equal((await post(seededIds.closedWon, 'close-won')).status, 204);
  });

  it('the upstream request carries the documented headers', async () => {
    await post(seededIds.active, 'accept', undefined, {
      'ms-correlationid': '6f9619ff-8b86-d011-b42d-00c04fc964ff',
    });
    const headers = stack.simulator.calls[0]?.headers ?? {};
    assert.match(headers['authorization'] ?? '', /^Bearer .+/);
    assert.equal(headers['content-type'], 'application/json');
    assert.equal(headers['accept'], 'application/json');
    assert.equal(headers['ms-correlationid'], '6f9619ff-8b86-d011-b42d-00c04fc964ff');
    assert.match(headers['ms-requestid'] ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(stack.simulator.calls[0]?.path, `/v1.0/engagements/referrals/${seededIds.active}`);
  });

  it('the access token never appears in what callers see or in the logs', async () => {
    const credentials = stack.services.config.credentials;
    assert.equal(credentials.mode, 'static-token');
    const token = credentials.accessToken;
    const seen = [
      await post(seededIds.active, 'accept'),
      await post('00000000-0000-0000-0000-000000000000', 'accept'),
      await post(seededIds.active, 'close-won', { dealValue: 'x' }),
    ];
    for (const response of seen) {
      assert.doesNotMatch(response.text, new RegExp(token));
      assert.doesNotMatch([...response.headers.values()].join(' '), new RegExp(token));
    }
    assert.ok(stack.logs.length > 0);
    assert.doesNotMatch(stack.logs.join('\n'), new RegExp(token));
  });
});
