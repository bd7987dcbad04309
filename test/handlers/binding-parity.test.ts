/**
 * The local host and the Azure Functions binding run the same handlers; only how a call is read differs (node:http
 * directly there, the library's HttpRequest and InvocationContext here). Each call below goes both ways against
 * the same simulator state, and the answers, the upstream requests and the log lines must be the same.
 *
 * The Functions host itself cannot run here (tooling notes), so the Azure side is the library's own request and
 * context objects, routed the way the host routes: by the route table.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { functionsHandler } from '../../functions/azure-binding';
import { matchRoute } from '../../functions/route-matcher';
import { API_PREFIX } from '../../functions/routes';
import { seededIds } from '../../dev/simulator/seed';
import type { RecordedCall } from '../../dev/simulator/server';
import { startStack, type Stack } from '../support/stack';
import { newStandardWebhooksSecret, standardWebhooksHeaders } from '../support/webhook-signing';

const genericSecret = newStandardWebhooksSecret();
const correlationId = '0f8fad5b-d9cb-469f-a165-70867728950e';
let stack: Stack;

before(async () => {
  stack = await startStack({
    WEBHOOK_MAPPINGS_FILE: resolve(__dirname, '../../examples/webhooks/mappings.json'),
    WEBHOOK_SECRET_GENERIC: genericSecret,
    WEBHOOK_SECRET_HUBSPOT: 'unused-in-this-test',
    WEBHOOK_SECRET_DATAVERSE: 'unused-in-this-test',
  });
});
after(async () => {
  await stack.close();
});

interface Call {
  readonly method: string;
  /** Below /api, with any query string. */
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

interface Observed {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly upstream: unknown[];
  readonly log: unknown[];
}

/** What differs by design between two runs of the same call: fresh ETags, write times, request ids, timings. */
function stable(text: string): string {
  return text
    .replace(/\\"[0-9a-f-]{36}\\"/g, '<etag>')
    .replace(/^"[0-9a-f-]{36}"$/, '<etag>')
    .replace(/"updatedDateTime":"[^"]*"/g, '"updatedDateTime":"<time>"')
    .replace(/"durationMs":[0-9.]+/g, '"durationMs":0');
}

function upstreamOf(calls: readonly RecordedCall[]): unknown[] {
  return calls.map((call) => {
    // A fresh idempotency key per call, and the simulator's own port, are expected to differ.
    const headers = Object.fromEntries(
      Object.entries(call.headers)
        .filter(([name]) => name !== 'ms-requestid' && name !== 'host')
        .map(([name, value]) => [name, stable(value)]),
    );
    return { method: call.method, path: call.path, headers, body: stable(call.body) };
  });
}

const transportHeaders = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);

async function viaLocalHost(call: Call): Promise<Observed> {
  stack.simulator.reset();
  stack.logs.length = 0;
  const response = await fetch(`${stack.api}${call.path}`, {
    method: call.method,
    headers: call.headers ?? {},
    ...(call.body === undefined ? {} : { body: call.body }),
  });
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (!transportHeaders.has(name)) headers[name] = stable(value);
  });
  return {
    status: response.status,
    headers,
    body: stable(await response.text()),
    upstream: upstreamOf(stack.simulator.calls),
    log: stack.logs.map((line) => JSON.parse(stable(line)) as unknown),
  };
}

async function viaFunctionsBinding(call: Call): Promise<Observed> {
  stack.simulator.reset();
  const [path = '', search = ''] = call.path.split('?');
  const match = matchRoute(call.method, path.replace(/^\//, ''));
  assert.equal(match.kind, 'matched', `${call.method} ${call.path} is a hosted route`);
  if (match.kind !== 'matched') throw new Error('unreachable');
  const logged: string[] = [];
  const request = new HttpRequest({
    method: call.method,
    url: `${new URL(stack.api).origin}${API_PREFIX}${call.path}`,
    headers: call.headers ?? {},
    params: match.params,
    ...(search ? {} : { query: {} }),
    ...(call.body === undefined ? {} : { body: { string: call.body } }),
  });
  const context = new InvocationContext({
    invocationId: 'parity',
    functionName: match.route.name,
    logHandler: (_level, ...args) => logged.push(args.map(String).join(' ')),
  });
  const answer = await functionsHandler(match.route, () => stack.services)(request, context);
  const headers: Record<string, string> = {};
  new Headers(answer.headers).forEach((value, name) => {
    headers[name] = stable(value);
  });
  return {
    status: answer.status ?? 200,
    headers,
    body: stable(typeof answer.body === 'string' ? answer.body : ''),
    upstream: upstreamOf(stack.simulator.calls),
    log: logged.map((line) => JSON.parse(stable(line)) as unknown),
  };
}

const json = { 'content-type': 'application/json', 'ms-correlationid': correlationId };
const wonBody = readFileSync(resolve(__dirname, '../../examples/webhooks/payloads/generic-won.json'), 'utf8');

const calls: Record<string, Call> = {
  'close-won, 204': {
    method: 'POST',
    path: `/referrals/${seededIds.active}/close-won`,
    headers: json,
    body: '{"dealValue":10000,"currency":"usd"}',
  },
  'add-member with Prefer, 200 and the referral': {
    method: 'POST',
    path: `/referrals/${seededIds.active}/add-member`,
    headers: { ...json, prefer: 'return=representation' },
    body: '{"email":"jane@contoso.com","firstName":"Jane","lastName":"Doe"}',
  },
  'update-details with ?return=representation': {
    method: 'POST',
    path: `/referrals/${seededIds.active}/update-details?return=representation`,
    headers: json,
    body: '{"notes":"parity"}',
  },
  'a stale If-Match, 412': {
    method: 'POST',
    path: `/referrals/${seededIds.active}/update-details`,
    headers: { ...json, 'if-match': 'stale-etag' },
    body: '{"notes":"parity"}',
  },
  'an invalid body, 400 without an upstream call': {
    method: 'POST',
    path: `/referrals/${seededIds.active}/close-won`,
    headers: json,
    body: '{"dealValue":"ten thousand","color":"red"}',
  },
  'a JSON body after a UTF-8 byte order mark, which the library drops': {
    method: 'POST',
    path: `/referrals/${seededIds.active}/close-won`,
    headers: json,
    body: '\uFEFF{"dealValue":10000,"currency":"USD"}',
  },
  'a body that is not JSON, 400': {
    method: 'POST',
    path: `/referrals/${seededIds.active}/close-won`,
    headers: json,
    body: '{"dealValue":',
  },
  'the wrong content type, 415': {
    method: 'POST',
    path: `/referrals/${seededIds.active}/close-won`,
    headers: { 'content-type': 'text/plain', 'ms-correlationid': correlationId },
    body: '{}',
  },
  'two media types in one Content-Type: 415': {
    method: 'POST',
    path: `/referrals/${seededIds.active}/close-won`,
    headers: { ...json, 'content-type': 'application/json, text/plain' },
    body: '{}',
  },
  'a raw JSON Patch': {
    method: 'PATCH',
    path: `/referrals/${seededIds.active}`,
    headers: { ...json, 'content-type': 'application/json-patch+json' },
    body: '[{"op":"replace","path":"/details/notes","value":"raw"}]',
  },
  'a read with its ETag': {
    method: 'GET',
    path: `/referrals/${seededIds.active}`,
    headers: { 'ms-correlationid': correlationId },
  },
  'an unknown referral, 404 from upstream': {
    method: 'GET',
    path: '/referrals/00000000-0000-4000-8000-00000000dead',
    headers: { 'ms-correlationid': correlationId },
  },
  'a search': {
    method: 'GET',
    path: '/referrals?status=Active&top=5',
    headers: { 'ms-correlationid': correlationId },
  },
  'a search with a repeated parameter, 400': {
    method: 'GET',
    path: '/referrals?status=Active&status=New',
    headers: { 'ms-correlationid': correlationId },
  },
  'a signed webhook': {
    method: 'POST',
    path: '/hooks/generic',
    headers: { ...json, ...standardWebhooksHeaders(genericSecret, wonBody) },
    body: wonBody,
  },
  'an unsigned webhook, 401': {
    method: 'POST',
    path: '/hooks/generic',
    headers: json,
    body: wonBody,
  },
  'the health check': { method: 'GET', path: '/health', headers: { 'ms-correlationid': correlationId } },
  'the API description': {
    method: 'GET',
    path: '/openapi.json',
    headers: { 'ms-correlationid': correlationId },
  },
};

describe('the local host and the Functions binding answer alike', () => {
  for (const [name, call] of Object.entries(calls)) {
    it(name, async () => {
      const local = await viaLocalHost(call);
      const functions = await viaFunctionsBinding(call);
      assert.deepEqual(functions, local);
      assert.equal(local.log.length, 1, 'one log line per call');
    });
  }

  it('a header sent twice is read as both values joined, as the library reads it (RFC 9110 §5.3)', async () => {
    // fetch() joins repeated headers itself, so this call goes out through node:http with two header lines.
    const local = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${stack.api}/referrals/${seededIds.active}/close-won`);
      const outgoing = httpRequest(url, {
        method: 'POST',
        headers: { 'content-type': ['application/json', 'text/plain'], 'ms-correlationid': correlationId },
      });
      outgoing.on('response', (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      outgoing.on('error', reject);
      outgoing.end('{}');
    });
    const functions = await viaFunctionsBinding({
      method: 'POST',
      path: `/referrals/${seededIds.active}/close-won`,
      headers: { 'content-type': 'application/json, text/plain', 'ms-correlationid': correlationId },
      body: '{}',
    });
    assert.equal(functions.status, 415);
    assert.equal(local, functions.status);
  });

  it('the calls above cover successes, problems and every kind of handler', async () => {
    const statuses = new Set<number>();
    for (const call of Object.values(calls)) statuses.add((await viaLocalHost(call)).status);
    for (const expected of [200, 204, 400, 401, 404, 412, 415])
      assert.ok(statuses.has(expected), String(expected));
  });
});
