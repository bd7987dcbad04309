/**
 * The HTTP functions called the way the Functions host calls them: with the library's own HttpRequest and
 * InvocationContext, against the simulator over a real socket.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { HttpRequest, InvocationContext, type HttpHandler, type HttpResponseInit } from '@azure/functions';
import { functionsHandler } from '../../functions/azure-binding';
import { routes } from '../../functions/routes';
import { lazyServices, type ServicesResolver } from '../../shared/app/services';
import { seededIds } from '../../dev/simulator/seed';
import { startSimulator, type Simulator } from '../../dev/simulator/server';

const token = 'handler-test-token-5d1f0c';
let simulator: Simulator;
let services: ServicesResolver;
const logLines: string[] = [];

function handlerFor(name: string, resolver: ServicesResolver = services): HttpHandler {
  const route = routes.find((candidate) => candidate.name === name);
  assert.ok(route, `route ${name}`);
  return functionsHandler(route, resolver);
}

function context(): InvocationContext {
  return new InvocationContext({
    invocationId: 'test',
    functionName: 'test',
    logHandler: (_level, ...args) => logLines.push(args.map(String).join(' ')),
  });
}

interface Call {
  method?: string;
  id?: string;
  body?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
}

async function invoke(name: string, call: Call = {}, resolver?: ServicesResolver) {
  const id = call.id ?? seededIds.active;
  const request = new HttpRequest({
    method: call.method ?? 'POST',
    url: `http://localhost:7071/api/referrals/${encodeURIComponent(id)}`,
    headers:
      call.body === undefined
        ? (call.headers ?? {})
        : { 'content-type': 'application/json', ...call.headers },
    query: call.query ?? {},
    params: { id },
    ...(call.body === undefined ? {} : { body: { string: call.body } }),
  });
  const response: HttpResponseInit = await handlerFor(name, resolver)(request, context());
  const headers = new Headers(response.headers);
  const text = typeof response.body === 'string' ? response.body : '';
  return {
    status: response.status,
    headers,
    text,
    json: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

before(async () => {
  simulator = await startSimulator({ accessToken: token });
  services = lazyServices({ PARTNER_CENTER_BASE_URL: simulator.url, PARTNER_CENTER_ACCESS_TOKEN: token });
});
after(async () => {
  await services().close();
  await simulator.close();
});
beforeEach(() => {
  simulator.reset();
});

describe('update functions', () => {
  it('close-won relays the documented patch and answers 204 by default', async () => {
    const response = await invoke('referral-close-won', { body: '{}' });
    assert.equal(response.status, 204);
    assert.equal(response.text, '');
    assert.match(response.headers.get('etag') ?? '', /^".+"$/);
    assert.deepEqual(JSON.parse(simulator.calls[0]?.body ?? ''), [
      { op: 'replace', path: '/status', value: 'Closed' },
      { op: 'replace', path: '/substatus', value: 'Won' },
    ]);
    assert.equal(simulator.referral(seededIds.active)?.substatus, 'Won');
  });

  it('an operation whose fields are all optional accepts no body at all', async () => {
    const response = await invoke('referral-accept', { id: seededIds.incoming });
    assert.equal(response.status, 204);
    assert.equal(simulator.referral(seededIds.incoming)?.status, 'Active');
  });

  it('Prefer: return=representation gives 200 with the updated referral', async () => {
    const response = await invoke('referral-update-details', {
      body: '{"notes":"hello"}',
      headers: { prefer: 'return=representation' },
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('preference-applied'), 'return=representation');
    assert.equal((response.json['details'] as { notes: string }).notes, 'hello');
    assert.equal(response.headers.get('etag'), response.json['eTag']);
  });

  it('a caller GUID correlation id is sent upstream and echoed; anything else is replaced', async () => {
    const correlationId = '6f9619ff-8b86-d011-b42d-00c04fc964ff';
    const echoed = await invoke('referral-accept', {
      id: seededIds.incoming,
      headers: { 'ms-correlationid': correlationId },
    });
    assert.equal(echoed.headers.get('ms-correlationid'), correlationId);
    assert.equal(simulator.calls[0]?.headers['ms-correlationid'], correlationId);
    const replaced = await invoke('referral-accept', {
      id: seededIds.received,
      headers: { 'ms-correlationid': 'not-a-guid' },
    });
    assert.match(replaced.headers.get('ms-correlationid') ?? '', /^[0-9a-f-]{36}$/);
    assert.notEqual(simulator.calls[1]?.headers['ms-requestid'], simulator.calls[0]?.headers['ms-requestid']);
  });
});

describe('bad input never reaches Partner Center', () => {
  const cases: { name: string; route: string; call: Call; status: number; pointer?: string }[] = [
    { name: 'malformed JSON', route: 'referral-close-won', call: { body: '{"dealValue":' }, status: 400 },
    {
      name: 'a wrong field type',
      route: 'referral-close-won',
      call: { body: '{"notes":5}' },
      status: 400,
      pointer: '/notes',
    },
    {
      name: 'an unknown field',
      route: 'referral-close-won',
      call: { body: '{"deal":5}' },
      status: 400,
      pointer: '/deal',
    },
    { name: 'a missing required body', route: 'referral-add-member', call: {}, status: 400, pointer: '' },
    {
      name: 'a non-JSON content type',
      route: 'referral-close-won',
      call: { body: 'dealValue=5', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      status: 415,
    },
    {
      name: 'a declared length over 64 KiB',
      route: 'referral-close-won',
      call: { body: '{}', headers: { 'content-length': '70000' } },
      status: 413,
    },
    {
      name: 'a body over 64 KiB',
      route: 'referral-update-details',
      call: { body: JSON.stringify({ notes: 'x'.repeat(70_000) }) },
      status: 413,
    },
    {
      name: 'an invalid referral id',
      route: 'referral-close-won',
      call: { id: '../admin', body: '{}' },
      status: 400,
      pointer: '/id',
    },
    {
      name: 'a disallowed status pair',
      route: 'referral-set-status',
      call: { body: '{"status":"Active","substatus":"Won"}' },
      status: 400,
      pointer: '/substatus',
    },
    {
      name: 'an unknown op in a raw patch',
      route: 'referral-patch',
      call: { method: 'PATCH', body: '[{"op":"remove","path":"/details/notes"}]' },
      status: 400,
      pointer: '/0/op',
    },
    {
      name: 'an invalid return query',
      route: 'referral-close-won',
      call: { body: '{}', query: { return: 'everything' } },
      status: 400,
      pointer: '/return',
    },
    {
      name: 'an If-Match with a stray quote',
      route: 'referral-close-won',
      call: { body: '{}', headers: { 'if-match': '"abc' } },
      status: 400,
      pointer: '/If-Match',
    },
  ];
  for (const { name, route, call, status, pointer } of cases) {
    it(`${name} → ${String(status)} problem+json`, async () => {
      const response = await invoke(route, call);
      assert.equal(response.status, status);
      assert.equal(response.headers.get('content-type'), 'application/problem+json');
      assert.equal(response.json['status'], status);
      assert.match(String(response.json['type']), /^urn:referrals-facade:problem:/);
      assert.ok(String(response.json['detail']).length > 10);
      assert.equal(response.json['correlationId'], response.headers.get('ms-correlationid'));
      if (pointer !== undefined) {
        const errors = response.json['errors'] as { pointer: string; message: string }[];
        assert.ok(
          errors.some((error) => error.pointer === pointer),
          `expected an error at ${pointer}: ${JSON.stringify(errors)}`,
        );
      }
      assert.equal(simulator.calls.length, 0, 'Partner Center must not be called');
    });
  }
});

describe('configuration', () => {
  it('a missing setting answers 503 naming the setting, without reaching upstream', async () => {
    const response = await invoke(
      'referral-close-won',
      { body: '{}' },
      lazyServices({ PARTNER_CENTER_BASE_URL: simulator.url }),
    );
    assert.equal(response.status, 503);
    assert.match(String(response.json['detail']), /PARTNER_CENTER_ACCESS_TOKEN is required/);
    assert.equal(response.headers.get('retry-after'), '300');
    assert.equal(simulator.calls.length, 0);
  });

  it('bad input is still answered as bad input while the facade is misconfigured', async () => {
    const response = await invoke(
      'referral-close-won',
      { body: '{"dealValue":"ten"}' },
      lazyServices({ PARTNER_CENTER_BASE_URL: simulator.url }),
    );
    assert.equal(response.status, 400);
    assert.equal((response.json['errors'] as { pointer: string }[])[0]?.pointer, '/dealValue');
  });

  it('an unresolved Key Vault reference is reported as such, and its text is not echoed', async () => {
    const reference = '@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/pc-token/)';
    const response = await invoke(
      'referral-close-won',
      { body: '{}' },
      lazyServices({ PARTNER_CENTER_ACCESS_TOKEN: reference }),
    );
    assert.equal(response.status, 503);
    assert.match(String(response.json['detail']), /unresolved Key Vault reference/);
    assert.doesNotMatch(response.text, /vault\.azure\.net/);
  });

  it('health answers without configuration', async () => {
    const response = await invoke('health', { method: 'GET' }, lazyServices({}));
    assert.equal(response.status, 200);
    assert.equal(response.json['status'], 'ok');
  });
});

describe('logging', () => {
  it('writes one structured line per call and never the token', async () => {
    logLines.length = 0;
    await invoke('referral-close-won', { body: '{}' });
    assert.equal(logLines.length, 1);
    const line = JSON.parse(logLines[0] ?? '{}') as Record<string, unknown>;
    assert.equal(line['route'], 'referral-close-won');
    assert.equal(line['status'], 204);
    assert.equal(line['upstreamStatus'], 204);
    assert.equal(line['referralId'], seededIds.active);
    assert.doesNotMatch(logLines.join('\n'), new RegExp(token));
  });
});
