/**
 * How Partner Center's failures reach the caller. A scripted upstream on a real socket stands in for failure
 * modes the simulator has no reason to produce (5xx, hangs, garbage bodies).
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startLocalHost, type LocalHost } from '../../dev/host/server';
import { loadConfig } from '../../shared/config';
import { createServices, type FacadeServices } from '../../shared/app/services';

interface Script {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Never answer: the facade's timeout must fire. */
  hang?: boolean;
}

let script: Script = { status: 204 };
let upstreamCalls = 0;
let upstream: Server;
let host: LocalHost;
let services: FacadeServices;
const referralPath = '/api/referrals/2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e/accept';

before(async () => {
  upstream = createServer((request, response) => {
    upstreamCalls++;
    request.resume();
    if (script.hang) return;
    response.writeHead(script.status, script.headers ?? {});
    response.end(script.body ?? '');
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const { port } = upstream.address() as AddressInfo;
  services = createServices(
    loadConfig({
      PARTNER_CENTER_BASE_URL: `http://127.0.0.1:${String(port)}`,
      PARTNER_CENTER_ACCESS_TOKEN: 'scripted-token',
      PARTNER_CENTER_TIMEOUT_MS: '1000',
      // One attempt: these tests are about how a final answer is mapped; retries have their own tests.
      PARTNER_CENTER_MAX_ATTEMPTS: '1',
    }),
  );
  host = await startLocalHost({ services: () => services, log: () => undefined });
});
after(async () => {
  await host.close();
  await services.close();
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});

async function accept(answer: Script, headers: Record<string, string> = {}) {
  script = answer;
  upstreamCalls = 0;
  const response = await fetch(host.url + referralPath, { method: 'POST', headers });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    problem: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

const partnerError = (code: string, message: string) => JSON.stringify({ error: { code, message } });

describe('Partner Center 4xx keep their status, with its code and message', () => {
  it('401: the facade’s credentials were refused, the operator’s to fix: a 503, since the caller’s request was fine', async () => {
    const response = await accept({ status: 401, body: partnerError('unauthenticated', 'Token expired') });
    assert.equal(response.status, 503);
    assert.equal(response.headers.get('retry-after'), '300');
    assert.equal(response.problem['type'], 'urn:referrals-facade:problem:upstream-unauthorized');
    assert.deepEqual(response.problem['upstream'], {
      status: 401,
      code: 'unauthenticated',
      message: 'Token expired',
    });
    assert.equal(upstreamCalls, 1, 'a fixed token cannot be renewed, so there is nothing to retry');
  });

  it('403: the Partner Center user lacks a Referrals role', async () => {
    const response = await accept({ status: 403, body: partnerError('accessDenied', 'Denied') });
    assert.equal(response.status, 403);
    assert.match(String(response.problem['detail']), /Referrals Admin/);
  });

  it('429: throttling is a 503 once the retry budget is spent, with Partner Center’s Retry-After', async () => {
    const response = await accept({
      status: 429,
      headers: { 'retry-after': '57', 'content-type': 'application/json' },
      body: JSON.stringify({ statusCode: 429, message: 'Rate limit is exceeded. Try again in 57 seconds.' }),
    });
    assert.equal(response.status, 503);
    assert.equal(response.problem['type'], 'urn:referrals-facade:problem:upstream-unavailable');
    assert.equal(response.headers.get('retry-after'), '57');
    assert.deepEqual(response.problem['upstream'], {
      status: 429,
      message: 'Rate limit is exceeded. Try again in 57 seconds.',
    });
  });

  it('the most specific inner error code is reported', async () => {
    const body = JSON.stringify({
      error: {
        code: 'invalidRequest',
        message: 'Outer',
        innerError: { code: 'fieldInvalid', message: 'Inner' },
      },
    });
    const response = await accept({ status: 422, body });
    assert.equal(response.status, 422);
    assert.deepEqual(response.problem['upstream'], { status: 422, code: 'fieldInvalid', message: 'Inner' });
  });

  it('the Partner Center REST error shape is read too', async () => {
    const body = JSON.stringify({ code: 600008, description: 'Not allowed', data: [], source: 'PartnerFD' });
    const response = await accept({ status: 409, body });
    assert.deepEqual(response.problem['upstream'], { status: 409, code: '600008', message: 'Not allowed' });
  });
});

describe('Partner Center 5xx and transport failures become 503/504 problems, never a bare 500', () => {
  it('500 → 503 with a Retry-After and Partner Center’s error', async () => {
    const response = await accept({ status: 500, body: partnerError('generalException', 'Boom') });
    assert.equal(response.status, 503);
    assert.equal(response.problem['type'], 'urn:referrals-facade:problem:upstream-unavailable');
    assert.deepEqual(response.problem['upstream'], {
      status: 500,
      code: 'generalException',
      message: 'Boom',
    });
    assert.ok(response.headers.get('retry-after'));
  });

  it('503 → 503 with the upstream’s Retry-After', async () => {
    const response = await accept({ status: 503, headers: { 'retry-after': '12' } });
    assert.equal(response.status, 503);
    assert.equal(response.headers.get('retry-after'), '12');
  });

  it('501 → 502 upstream-error without Retry-After: sending again would not help', async () => {
    const response = await accept({ status: 501, body: partnerError('notImplemented', 'No') });
    assert.equal(response.status, 502);
    assert.equal(response.problem['type'], 'urn:referrals-facade:problem:upstream-error');
    assert.equal(response.headers.get('retry-after'), null);
    assert.match(String(response.problem['detail']), /does not fix/);
  });

  it('504 → 503 that names the last answer', async () => {
    const response = await accept({ status: 504 });
    assert.equal(response.status, 503);
    assert.match(String(response.problem['detail']), /last answer was 504/);
  });

  it('no answer within the timeout → 504 that says the outcome is unknown', async () => {
    const response = await accept({ status: 200, hang: true });
    assert.equal(response.status, 504);
    assert.equal(response.problem['type'], 'urn:referrals-facade:problem:upstream-timeout');
    assert.match(String(response.problem['detail']), /may have been applied/);
  });

  it('a success whose body is not JSON, and cannot be read back either: the write landed, so 204 saying the representation is unavailable, never a 2xx with garbage', async () => {
    const response = await accept({ status: 200, body: '{"id":' }, { prefer: 'return=representation' });
    assert.equal(response.status, 204);
    assert.equal(response.headers.get('representation-status'), 'unavailable');
    assert.equal(response.headers.get('preference-applied'), null);
    assert.equal(response.headers.get('content-type'), null);
  });

  it('a 200 with a body when none was asked for is answered as the contract says: 204', async () => {
    const response = await accept({ status: 200, body: '{"id":"x"}', headers: { etag: '"e1"' } });
    assert.equal(response.status, 204);
    assert.equal(response.headers.get('etag'), '"e1"');
  });
});

describe('an unreachable Partner Center', () => {
  it('is a 503 problem with a Retry-After', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const unreachable = createServices(
      loadConfig({
        PARTNER_CENTER_BASE_URL: `http://127.0.0.1:${String(port)}`,
        PARTNER_CENTER_ACCESS_TOKEN: 't',
        // One attempt: the backoff between connection attempts has its own tests (test/integration/retries).
        PARTNER_CENTER_MAX_ATTEMPTS: '1',
      }),
    );
    const local = await startLocalHost({ services: () => unreachable, log: () => undefined });
    try {
      const response = await fetch(local.url + referralPath, { method: 'POST' });
      assert.equal(response.status, 503);
      assert.equal(response.headers.get('content-type'), 'application/problem+json');
      assert.ok(response.headers.get('retry-after'));
      const problem = (await response.json()) as Record<string, unknown>;
      assert.match(String(problem['detail']), /could not complete/);
    } finally {
      await local.close();
      await unreachable.close();
    }
  });
});
