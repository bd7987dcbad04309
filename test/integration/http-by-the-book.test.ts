/**
 * HTTP done by the book on the caller's side: preferences and preconditions read as RFC 7240 and RFC 9110 say,
 * bodies refused rather than altered (inexact numbers, invalid UTF-8, compressed or merge-patch bodies), HEAD and
 * 204 as the RFC has them, and the local host's own answers (parser errors, 414, an early 413). Nothing refused
 * here reaches Partner Center.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { after, before, beforeEach, describe, it } from 'node:test';
import { seededIds } from '../../dev/simulator/seed';
import { crmMappings, crmSigning } from '../support/crm-mapping';
import { call, callLogs, type Answer } from '../support/http';
import { startStack, type Stack } from '../support/stack';
import { hmacHeaders } from '../support/webhook-signing';

const id = seededIds.active;
let stack: Stack;

before(async () => {
  const mappings = {
    mappings: {
      ...crmMappings([{ when: "event == 'won'", operation: 'close-won', fields: { dealValue: 'amount' } }])
        .mappings,
      bycrm: {
        ...crmMappings([]).mappings.crm,
        referral: { externalReferenceId: 'crmId' },
        cases: [{ when: "event == 'won'", operation: 'close-won', fields: { dealValue: 'amount' } }],
      },
    },
  };
  stack = await startStack({
    WEBHOOK_MAPPINGS: JSON.stringify(mappings),
    WEBHOOK_SECRET_CRM: crmSigning.secret,
  });
});
after(() => stack.close());
beforeEach(() => {
  stack.simulator.reset();
  stack.logs.length = 0;
});

const upstreamCalls = () => stack.simulator.calls.length;
const patches = () =>
  stack.simulator.calls
    .filter((recorded) => recorded.method === 'PATCH')
    .map((recorded) => JSON.parse(recorded.body) as unknown);
const pointers = (answer: Answer) =>
  ((answer.json as { errors?: { pointer: string }[] }).errors ?? []).map((error) => error.pointer);

/** Raw bytes on a socket: for what fetch will not send (bad UTF-8 with a JSON type, malformed HTTP). */
function rawExchange(bytes: Buffer | string): Promise<string> {
  const { port } = new URL(stack.api);
  return new Promise((resolve, reject) => {
    // Written, not ended: a half-closed socket may be dropped before an answer that needs Partner Center.
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(bytes));
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('end', () => {
      resolve(text);
    });
    socket.on('error', reject);
  });
}

describe('Prefer (RFC 7240)', () => {
  for (const [prefer, representation] of [
    ['return=representation', true],
    ['return=minimal, return=representation', false],
    ['handling=strict; return=representation', false],
    ['handling=strict, return="representation"', true],
  ] as const) {
    it(`${prefer} → ${representation ? '200 with the referral' : '204'}`, async () => {
      const answer = await call(`${stack.api}/referrals/${id}/update-details`, {
        body: { notes: 'n' },
        headers: { prefer },
      });
      assert.equal(answer.status, representation ? 200 : 204);
    });
  }
});

describe('If-Match and other preconditions (RFC 9110)', () => {
  for (const value of ['', '   ', '"a"b"', 'abc, def', '"unclosed', 'W/unquoted']) {
    it(`If-Match ${JSON.stringify(value)} is refused, never sent unguarded`, async () => {
      const answer = await call(`${stack.api}/referrals/${id}/close-lost`, {
        body: {},
        headers: { 'if-match': value },
      });
      assert.equal(answer.status, 400);
      assert.deepEqual(pointers(answer), ['/If-Match']);
      assert.equal(upstreamCalls(), 0);
    });
  }

  it('a list of entity tags is forwarded as given', async () => {
    const etag = stack.simulator.referral(id)?.eTag ?? '';
    const answer = await call(`${stack.api}/referrals/${id}/update-details`, {
      body: { notes: 'n' },
      headers: { 'if-match': `"other", ${etag}` },
    });
    assert.equal(stack.simulator.calls[0]?.headers['if-match'], `"other", ${etag}`);
    assert.equal(answer.status, 412, 'the simulator compares one tag; the point is the header was forwarded');
  });

  for (const header of ['if-none-match', 'if-unmodified-since']) {
    it(`${header} on a write is refused rather than ignored`, async () => {
      const answer = await call(`${stack.api}/referrals/${id}/close-lost`, {
        body: {},
        headers: { [header]: header === 'if-none-match' ? '*' : 'Sun, 06 Dec 2026 00:00:00 GMT' },
      });
      assert.equal(answer.status, 400);
      assert.equal(upstreamCalls(), 0);
    });
  }
});

describe('bodies are refused, never altered', () => {
  it('an amount a double cannot hold exactly is refused with its pointer, and accepted as a string', async () => {
    for (const literal of ['99999999999999.9999', '123456789012345.1234']) {
      const answer = await call(`${stack.api}/referrals/${id}/update-details`, {
        body: `{"dealValue": ${literal}}`,
      });
      assert.equal(answer.status, 400);
      assert.deepEqual(pointers(answer), ['/dealValue']);
      assert.match((answer.json as { detail: string }).detail, /send it as a string/);
    }
    assert.equal(upstreamCalls(), 0);
    const asText = await call(`${stack.api}/referrals/${id}/update-details`, {
      body: { dealValue: '99999999999999.9999' },
    });
    assert.equal(asText.status, 204);
    assert.equal(
      (stack.simulator.referral(id) as { details?: { dealValue?: unknown } } | undefined)?.details?.dealValue,
      '99999999999999.9999',
    );
  });

  it('a webhook amount keeps every digit, and a long number in a field nobody maps does not fail the delivery', async () => {
    const text = `{"event":"won","referralId":"${id}","amount":123456789012345.1234,"objectId":12345678901234567890,"score":0.10000000000000001}`;
    const answer = await call(`${stack.api}/hooks/crm`, {
      body: text,
      headers: hmacHeaders(crmSigning, text),
    });
    assert.equal(answer.status, 200);
    const [patch] = patches();
    assert.ok(JSON.stringify(patch).includes('"123456789012345.1234"'), JSON.stringify(patch));
  });

  it('a body that is not valid UTF-8 is a 400', async () => {
    const body = Buffer.concat([Buffer.from('{"notes":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    const reply = await rawExchange(
      Buffer.concat([
        Buffer.from(
          `POST /api/referrals/${id}/update-details HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${String(body.length)}\r\nConnection: close\r\n\r\n`,
        ),
        body,
      ]),
    );
    assert.match(reply, /^HTTP\/1\.1 400/);
    assert.match(reply, /not valid UTF-8/);
    assert.equal(upstreamCalls(), 0);
  });

  it('a compressed body (Content-Encoding) and JSON Merge Patch are 415', async () => {
    const gzipped = await fetch(`${stack.api}/referrals/${id}/update-details`, {
      method: 'POST',
      body: gzipSync('{"notes":"compressed"}'),
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    }).then(async (response) => ({ status: response.status, text: await response.text() }));
    const mergePatch = await call(`${stack.api}/referrals/${id}`, {
      method: 'PATCH',
      body: { status: 'Closed' },
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    assert.deepEqual([gzipped.status, mergePatch.status], [415, 415]);
    assert.equal(upstreamCalls(), 0);
  });

  it('names must hold something visible and no control or direction characters; email local parts ≤ 64 octets', async () => {
    for (const member of [
      { email: 'a@contoso.com', firstName: '\u200b\u200b', lastName: 'X' },
      { email: 'a@contoso.com', firstName: 'Jane\u0000', lastName: 'X' },
      { email: 'a@contoso.com', firstName: 'Jane', lastName: 'X\nY' },
      { email: 'a@contoso.com', firstName: '\u202eenaJ', lastName: 'X' },
      { email: `${'a'.repeat(65)}@contoso.com`, firstName: 'Jane', lastName: 'X' },
    ]) {
      const answer = await call(`${stack.api}/referrals/${id}/add-member`, { body: member });
      assert.equal(answer.status, 400, JSON.stringify(member));
    }
    assert.equal(upstreamCalls(), 0);
  });

  it('a closing date past the year 9999 (in UTC) is refused, not sent as +010000-…', async () => {
    const answer = await call(`${stack.api}/referrals/${id}/update-details`, {
      body: { closingDateTime: '9999-12-31T23:00:00-05:00' },
    });
    assert.equal(answer.status, 400);
    assert.deepEqual(pointers(answer), ['/closingDateTime']);
  });

  it('search top takes decimal digits only', async () => {
    for (const top of ['0x10', '1e1', '0b11', '+5']) {
      assert.equal((await call(`${stack.api}/referrals?top=${encodeURIComponent(top)}`)).status, 400, top);
    }
    assert.equal((await call(`${stack.api}/referrals?top=5`)).status, 200);
  });
});

describe('webhooks', () => {
  it('a 401 carries a WWW-Authenticate challenge naming the signature scheme', async () => {
    const answer = await call(`${stack.api}/hooks/crm`, { body: { event: 'won' } });
    assert.equal(answer.status, 401);
    assert.match(answer.headers.get('www-authenticate') ?? '', /^Signature .*scheme="hmac-sha256"/);
  });

  it('a payload that does not fit its mapping gets its 422 before any upstream call, the CRM-id search included', async () => {
    const text = JSON.stringify({ event: 'won', crmId: 'OPP-1', amount: 'lots' });
    const answer = await call(`${stack.api}/hooks/bycrm`, {
      body: text,
      headers: hmacHeaders(crmSigning, text),
    });
    assert.equal(answer.status, 422);
    assert.equal(upstreamCalls(), 0);
  });
});

describe('HEAD and 204 (RFC 9110)', () => {
  it('every GET route answers HEAD: the same status and headers, no body', async () => {
    const comparable = (headers: Headers) =>
      Object.fromEntries(
        [...headers].filter(
          ([name]) => !['date', 'ms-correlationid', 'keep-alive', 'connection'].includes(name),
        ),
      );
    for (const path of ['health', 'openapi.json', `referrals/${id}`, 'referrals?status=Active']) {
      const head = await fetch(`${stack.api}/${path}`, { method: 'HEAD' });
      const get = await fetch(`${stack.api}/${path}`);
      await get.text();
      assert.equal(head.status, 200, path);
      assert.equal(await head.text(), '');
      assert.deepEqual(comparable(head.headers), comparable(get.headers), path);
    }
  });

  it('a 204 carries no Content-Length', async () => {
    const reply = await rawExchange(
      `POST /api/referrals/${id}/accept HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
    );
    assert.match(reply, /^HTTP\/1\.1 204/);
    assert.doesNotMatch(reply, /content-length/i);
  });
});

describe('the local host’s own answers', () => {
  it('a request node:http cannot parse gets problem+json, not a bare 400', async () => {
    const reply = await rawExchange('GET /api/health HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n');
    assert.match(reply, /^HTTP\/1\.1 400/);
    assert.match(reply, /application\/problem\+json/);
    assert.match(reply, /urn:referrals-facade:problem:invalid-request/);
  });

  it('a request target over 8 KiB gets 414, logged like any call', async () => {
    const answer = await call(`${stack.api}/referrals?status=${'x'.repeat(9000)}`);
    assert.equal(answer.status, 414);
    assert.equal(callLogs(stack.logs).at(-1)?.status, 414);
  });

  it('a declared oversize body gets 413 at once, without 100 Continue and unread, and is logged', async () => {
    const { port } = new URL(stack.api);
    const outcome = await new Promise<{ status: number; continued: boolean }>((resolve, reject) => {
      let continued = false;
      const request = httpRequest({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: `/api/referrals/${id}/update-details`,
        headers: {
          'content-type': 'application/json',
          'content-length': String(10 * 1024 * 1024),
          expect: '100-continue',
        },
      });
      request.on('continue', () => (continued = true));
      request.on('response', (response) => {
        response.resume();
        resolve({ status: response.statusCode ?? 0, continued });
        request.destroy();
      });
      request.on('error', (error) => {
        if (!continued) reject(error);
      });
      request.flushHeaders();
    });
    assert.deepEqual(outcome, { status: 413, continued: false });
    assert.equal(callLogs(stack.logs).at(-1)?.status, 413);
    assert.equal(upstreamCalls(), 0);
  });

  it('a chunked body (no Content-Length) is read in full: the deal value is patched with the status', async () => {
    const { port } = new URL(stack.api);
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: `/api/referrals/${id}/close-won`,
          headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
        },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      request.on('error', reject);
      request.write('{"dealValue":');
      request.end(' 4242}');
    });
    assert.equal(status, 204);
    assert.equal(
      (stack.simulator.referral(id) as { details?: { dealValue?: unknown } } | undefined)?.details?.dealValue,
      '4242',
    );
  });
});
