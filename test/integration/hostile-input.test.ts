/**
 * The attack corpus: each hostile request gets a problem+json 4xx, nothing reaches Partner Center, and nothing
 * about the facade or the referral changes.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { seededIds } from '../../dev/simulator/seed';
import { MAX_BODY_BYTES } from '../../shared/http/body-limit';
import { normalizeIfMatch } from '../../shared/http/etag';
import { MAX_JSON_DEPTH, resolveCorrelationId } from '../../shared/http/request';
import { ProblemError } from '../../shared/failures/problem';
import { call, rawRequest, type Answer } from '../support/http';
import { startStack, type Stack } from '../support/stack';

const id = seededIds.active;
const PROBLEM = 'application/problem+json';

describe('hostile input', () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack();
  });
  after(() => stack.close());
  beforeEach(() => {
    stack.simulator.reset();
  });

  /** The request was refused by the facade itself: a problem, and no call went upstream. */
  function assertRefused(
    answer: { status: number; contentType?: string | undefined } | Answer,
    status?: number,
  ) {
    const contentType = 'headers' in answer ? answer.headers.get('content-type') : answer.contentType;
    if (status !== undefined) assert.equal(answer.status, status);
    assert.ok(answer.status >= 400 && answer.status < 500, `status ${String(answer.status)}`);
    assert.equal(contentType, PROBLEM);
    assert.deepEqual(stack.simulator.calls, []);
  }

  const rawPatch = (body: string, contentType = 'application/json') =>
    rawRequest(stack.host.url, `/api/referrals/${id}`, {
      method: 'PATCH',
      headers: { 'content-type': contentType },
      body,
    });

  describe('the referral id in the path', () => {
    for (const path of [
      '/api/referrals/..%2F..%2Fetc%2Fpasswd',
      '/api/referrals/%2e%2e',
      '/api/referrals/%2E%2E%2F%2E%2E%2Fhealth',
      '/api/referrals/%252e%252e%252f',
      '/api/referrals/abc%2Fdef/close-won',
      '/api/referrals/a.b',
      '/api/referrals/%00',
      '/api/referrals/%E0%A4%A',
      `/api/referrals/${'a'.repeat(65)}`,
      `/api/referrals/${id}%0D%0AX-Injected:%201`,
      '/api/referrals/%5C..%5C..%5Cwindows',
    ]) {
      it(`refuses ${path}`, async () => {
        const method = path.endsWith('close-won') ? 'POST' : 'GET';
        assertRefused(await rawRequest(stack.host.url, path, { method }));
      });
    }
  });

  describe('bodies', () => {
    it('an oversized body: 413 before it is parsed', async () => {
      const huge = JSON.stringify({ notes: 'x'.repeat(MAX_BODY_BYTES + 10) });
      assertRefused(await call(`${stack.api}/referrals/${id}/update-details`, { body: huge }), 413);
    });

    it('a declared length beyond the limit: 413', async () => {
      const answer = await rawRequest(stack.host.url, `/api/referrals/${id}/update-details`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(MAX_BODY_BYTES * 4) },
        body: '{"notes":"x"}'.padEnd(MAX_BODY_BYTES * 4, ' '),
      });
      assertRefused(answer, 413);
    });

    it('deeply nested JSON: 400 naming the depth, whatever the nesting', async () => {
      for (const body of [
        '['.repeat(20_000) + ']'.repeat(20_000),
        `[{"op":"replace","path":"/details/notes","value":${'{"a":'.repeat(MAX_JSON_DEPTH)}1${'}'.repeat(MAX_JSON_DEPTH)}}]`,
      ]) {
        const answer = await rawPatch(body);
        assertRefused(answer, 400);
        assert.match(answer.text, /nests deeper than/);
      }
    });

    it('a duplicate key: 400 naming it, at any depth', async () => {
      const top = await call(`${stack.api}/referrals/${id}/update-details`, {
        body: '{"notes":"benign","dealValue":1,"notes":"overridden"}',
      });
      assertRefused(top, 400);
      assert.match((top.json as { detail: string }).detail, /"notes" twice/);
      const nested = await rawPatch('[{"op":"replace","path":"/details/notes","value":"a","op":"add"}]');
      assertRefused(nested, 400);
      assert.equal(
        (JSON.parse(nested.text) as { errors: { pointer: string }[] }).errors[0]?.pointer,
        '/0/op',
      );
      const escaped = await call(`${stack.api}/referrals/${id}/update-details`, {
        body: '{"notes":"a","no\\u0074es":"b"}',
      });
      assertRefused(escaped, 400);
    });

    for (const contentType of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
      'application/jsonp',
      'json',
      '',
    ]) {
      it(`a JSON body sent as "${contentType}": 415`, async () => {
        const answer = await rawRequest(stack.host.url, `/api/referrals/${id}/update-details`, {
          method: 'POST',
          headers: contentType ? { 'content-type': contentType } : {},
          body: '{"notes":"x"}',
        });
        assertRefused(answer, 415);
      });
    }
  });

  describe('raw PATCH documents', () => {
    const refusedPatch = async (document: unknown) => {
      const answer = await rawPatch(JSON.stringify(document));
      assertRefused(answer, 400);
      return answer;
    };

    for (const path of [
      '/__proto__/polluted',
      '/constructor/prototype/polluted',
      '/__proto__',
      '/team/__proto__',
    ]) {
      it(`path ${path} is refused and pollutes nothing`, async () => {
        await refusedPatch([{ op: 'add', path, value: { polluted: true } }]);
        assert.equal((Object.prototype as Record<string, unknown>)['polluted'], undefined);
      });
    }

    it('__proto__ and constructor keys inside values and bodies are refused', async () => {
      await rawPatch(
        '[{"op":"add","path":"/team/-","value":{"email":"a@b.co","firstName":"A","lastName":"B","__proto__":{"polluted":true}}}]',
      ).then((answer) => {
        assertRefused(answer, 400);
      });
      const body = await call(`${stack.api}/referrals/${id}/close-won`, {
        body: '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}',
      });
      assertRefused(body, 400);
      assert.equal((Object.prototype as Record<string, unknown>)['polluted'], undefined);
    });

    for (const op of ['remove', 'move', 'copy', 'test', '_get', 'REPLACE', '']) {
      it(`op "${op}" is refused`, async () => {
        await refusedPatch([{ op, path: '/details/notes', value: 'x', from: '/notes' }]);
      });
    }

    for (const path of [
      '/id',
      '/eTag',
      '/organizationId',
      '/team/0/email',
      '/details',
      '/details/notes/..',
      '',
      '/',
    ]) {
      it(`path "${path}", outside the writable set, is refused`, async () => {
        await refusedPatch([{ op: 'replace', path, value: 'x' }]);
      });
    }
  });

  describe('create, deal registration and sync bodies', () => {
    const address = { addressLine1: '1 Main St', city: 'Springfield', country: 'US' };
    const create = { dealType: 'partner-led', name: 'n', customerName: 'c', customerAddress: address };
    const cases: readonly (readonly [string, string, unknown])[] = [
      [
        'a prototype key in a create body',
        '/referrals',
        '{"__proto__":{"polluted":true},"dealType":"private"}',
      ],
      ['a line break in a name', '/referrals', { ...create, name: 'a\r\nInjected: 1' }],
      [
        'a bidirectional override in a contact name',
        '/referrals',
        { ...create, customerContacts: [{ email: 'a@b.co', firstName: '\u202Eevil', lastName: 'x' }] },
      ],
      [
        'a country that is not two letters',
        '/referrals',
        { ...create, customerAddress: { ...address, country: 'USA' } },
      ],
      [
        'help asked on a private deal',
        '/referrals',
        { ...create, dealType: 'private', helpNeeded: 'GeneralOrOther' },
      ],
      ['an unknown deal type', '/referrals', { ...create, dealType: 'CO-SELL' }],
      [
        'a server field in a raw create',
        '/referrals/raw',
        { type: 'Shared', customerProfile: { name: 'c' }, consent: {}, details: {}, id: 'x' },
      ],
      ['a raw create that is an array', '/referrals/raw', [{ type: 'Shared' }]],
      [
        'a raw create with a status pair that does not exist',
        '/referrals/raw',
        {
          type: 'Shared',
          customerProfile: { name: 'c' },
          consent: {},
          details: {},
          status: 'Closed',
          substatus: 'Pending',
        },
      ],
      [
        'a solution id with a path in it',
        `/referrals/${id}/register-deal`,
        { solutions: [{ id: '../../x' }] },
      ],
      [
        'a registration of another type',
        `/referrals/${id}/register-deal`,
        { solutions: [{ id: 'S' }], type: 'Other' },
      ],
      [
        'a negative contract value',
        `/referrals/${id}/register-deal`,
        { solutions: [{ id: 'S' }], contractValue: -1 },
      ],
      [
        'a control character in a pricing model',
        `/referrals/${id}/update-registration`,
        { pricingModel: 'a\u0000b' },
      ],
      ['an update-registration with nothing to update', `/referrals/${id}/update-registration`, {}],
      ['a sync with half a status pair', `/referrals/${id}/sync`, { status: 'Closed' }],
      [
        'a sync with a pair that does not exist',
        `/referrals/${id}/sync`,
        { status: 'Active', substatus: 'Won' },
      ],
      ['a sync naming a path instead of a field', `/referrals/${id}/sync`, { '/status': 'Closed' }],
      [
        'a sync with a team member who is not a person',
        `/referrals/${id}/sync`,
        { teamMembers: [{ email: 'not-an-email' }] },
      ],
      ['a sync with nothing in it', `/referrals/${id}/sync`, {}],
    ];
    for (const [what, path, body] of cases) {
      it(`${what}: 400, nothing upstream`, async () => {
        assertRefused(await call(`${stack.api}${path}`, { body }), 400);
        assert.equal((Object.prototype as Record<string, unknown>)['polluted'], undefined);
      });
    }

    it('a raw PATCH may append a registration only in its documented shape', async () => {
      const answer = await rawPatch(
        JSON.stringify([
          {
            op: 'add',
            path: '/registrations/-',
            value: { type: 'AzureIPCoSell', solutionDetails: [{ id: 'S', script: '<x>' }] },
          },
        ]),
      );
      assertRefused(answer, 400);
    });
  });

  describe('webhook mapping names', () => {
    for (const name of [
      'constructor',
      '__proto__',
      'toString',
      'hasOwnProperty',
      '__defineSetter__',
      'constructor%2Fprototype',
      '..%2F..%2Fhealth',
      '%00',
      'CRM',
      'a'.repeat(65),
      'crm%0D%0AX-Injected:%201',
    ]) {
      it(`POST /api/hooks/${name}: 404, nothing upstream`, async () => {
        const answer = await rawRequest(stack.host.url, `/api/hooks/${name}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-signature': 'sha256=00', 'webhook-id': 'x' },
          body: '{"__proto__":{"polluted":true}}',
        });
        assertRefused(answer, 404);
        assert.match(answer.text, /webhook-mapping-not-found/);
        assert.equal((Object.prototype as Record<string, unknown>)['polluted'], undefined);
      });
    }
  });

  describe('search parameters', () => {
    for (const query of [
      'status=New&status=Active',
      'status=New&status=New',
      'top=5&top=200',
      'externalReferenceId=A&externalReferenceId=B',
      '__proto__=x',
      '__proto__[status]=New',
      'constructor=x',
      'status[]=New',
      'top=1e400',
      'top=',
      'top=-0',
      'top=201',
      'top=%00',
      'status=New%00',
      'status=new',
      "teamMemberEmail=a@b.co'%20or%201%20eq%201",
      'updatedSince=2026-10-01T00:00:00',
      'status=%E0%A4%A',
    ]) {
      it(`GET /api/referrals?${query}: 400, nothing upstream`, async () => {
        assertRefused(await rawRequest(stack.host.url, `/api/referrals?${query}`), 400);
      });
    }

    it('a quote in externalReferenceId stays inside its OData literal', async () => {
      const answer = await call(
        `${stack.api}/referrals?externalReferenceId=${encodeURIComponent("x' or status eq 'New")}`,
      );
      assert.equal(answer.status, 200);
      const sent = new URL(stack.simulator.calls[0]?.path ?? '', 'http://simulator').searchParams;
      assert.equal(sent.get('$filter'), "externalReferenceId eq 'x'' or status eq ''New'");
    });
  });

  describe('headers', () => {
    it('CR/LF or control characters in If-Match are refused, so nothing can be smuggled upstream', () => {
      for (const value of ['"a"\r\nX-Injected: 1', '"a"\nAuthorization: Bearer x', '"a\u0000"', '"\u00e9"']) {
        assert.throws(() => normalizeIfMatch(value), ProblemError);
      }
    });

    it('a correlation id that is not a GUID is replaced, never echoed', () => {
      const injected = '0f1c2e3d-4b5a-4697-8a7b-1c2d3e4f5a60\r\nSet-Cookie: x=1';
      assert.notEqual(resolveCorrelationId(injected), injected);
      assert.match(resolveCorrelationId(injected), /^[0-9a-f-]{36}$/);
    });

    it('a raw CR inside a header never reaches a handler', async () => {
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(new URL(stack.host.url).port), '127.0.0.1', () => {
          socket.end(
            `GET /api/referrals/${id} HTTP/1.1\r\nHost: x\r\nMS-CorrelationId: a\rInjected: 1\r\n\r\n`,
          );
        });
        let text = '';
        socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
        socket.on('end', () => {
          resolve(text);
        });
        socket.on('error', reject);
      });
      assert.match(answer, /^HTTP\/1\.1 400/);
      assert.deepEqual(stack.simulator.calls, []);
    });

    it("the caller's own headers are not forwarded: only the facade's fixed set goes upstream", async () => {
      const answer = await call(`${stack.api}/referrals/${id}`, {
        headers: {
          authorization: 'Bearer callers-own-token',
          cookie: 'session=1',
          'x-forwarded-host': 'evil.example',
          'x-ms-injected': '1',
          'ms-requestid': '11111111-1111-1111-1111-111111111111',
        },
      });
      assert.equal(answer.status, 200);
      const sent = stack.simulator.calls[0]?.headers ?? {};
      assert.notEqual(sent['authorization'], 'Bearer callers-own-token');
      for (const name of ['cookie', 'x-forwarded-host', 'x-ms-injected']) assert.equal(sent[name], undefined);
      assert.notEqual(sent['ms-requestid'], '11111111-1111-1111-1111-111111111111');
    });

    it('a huge If-Match is refused; a huge correlation id or Prefer is ignored', async () => {
      // Each under the 16 KiB Node allows for all headers together; larger is the next test's business.
      const big = 'a'.repeat(6_000);
      assertRefused(
        await call(`${stack.api}/referrals/${id}/accept`, {
          method: 'POST',
          headers: { 'if-match': `"${big}"` },
        }),
        400,
      );
      const ignored = await call(`${stack.api}/referrals/${id}`, {
        headers: { 'ms-correlationid': big, prefer: `return=${big}` },
      });
      assert.equal(ignored.status, 200);
      assert.notEqual(ignored.headers.get('ms-correlationid'), big);
    });

    it('headers beyond the server limit are refused by the HTTP layer, not the handlers', async () => {
      const answer = await rawRequest(stack.host.url, `/api/referrals/${id}`, {
        headers: { 'x-huge': 'a'.repeat(64 * 1024) },
      });
      assert.equal(answer.status, 431);
      assert.deepEqual(stack.simulator.calls, []);
    });
  });
});
