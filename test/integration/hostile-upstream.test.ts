/**
 * The hostile-upstream corpus: a Partner Center stand-in (the simulator's fault modes) that echoes credentials,
 * answers statuses that mean something else, compresses, gives unusable ETags or none, and loses the answer to a
 * write. Each case says what the caller must see: never the token, never a 500, and never "not applied" for a
 * write that landed.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { seededIds } from '../../dev/simulator/seed';
import { crmMappings, crmSigning } from '../support/crm-mapping';
import { call, callLogs, type Answer } from '../support/http';
import { startStack, type Stack } from '../support/stack';
import { virtualClock } from '../support/virtual-clock';
import { hmacHeaders } from '../support/webhook-signing';

const id = seededIds.active;
const mappings = crmMappings([
  { when: "event == 'won'", operation: 'close-won', fields: { dealValue: 'amount' } },
  { when: "event == 'note'", operation: 'update-details', fields: { notes: 'note' } },
]);

let stack: Stack;
let token: string;

before(async () => {
  stack = await startStack(
    { WEBHOOK_MAPPINGS: JSON.stringify(mappings), WEBHOOK_SECRET_CRM: crmSigning.secret },
    { clock: virtualClock() },
  );
  await call(`${stack.api}/referrals/${id}`);
  token = (stack.simulator.calls[0]?.headers['authorization'] ?? '').replace(/^Bearer /, '');
  assert.ok(token.length > 20);
});
after(() => stack.close());
beforeEach(() => {
  stack.simulator.reset();
  stack.logs.length = 0;
});

const patches = () => stack.simulator.calls.filter((recorded) => recorded.method === 'PATCH');
const problem = (answer: Answer) => answer.json as { type: string; detail: string; upstream?: object };
const kind = (answer: Answer) => problem(answer).type.replace('urn:referrals-facade:problem:', '');

function hook(body: object): Promise<Answer> {
  const text = JSON.stringify(body);
  return call(`${stack.api}/hooks/crm`, { body: text, headers: hmacHeaders(crmSigning, text) });
}

describe('an upstream that echoes the Authorization header', () => {
  const echo = {
    kind: 'answer',
    status: 400,
    body: '{"error":{"code":"badRequest","message":"Refused request with Authorization: {authorization} and eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"}}',
  } as const;

  for (const [name, send] of [
    ['an update', () => call(`${stack.api}/referrals/${id}/close-lost`, { body: {} })],
    ['the search', () => call(`${stack.api}/referrals?status=Active`)],
    ['a webhook delivery', () => hook({ event: 'note', referralId: id, note: 'x' })],
  ] as const) {
    it(`${name}: no credential of any kind reaches the caller or the log, the rest of the message does`, async () => {
      stack.simulator.failNext(echo);
      const answer = await send();
      assert.equal(answer.status, 400);
      assert.ok(!answer.text.includes(token), 'the access token was returned');
      assert.doesNotMatch(answer.text, /eyJ/);
      assert.match(
        JSON.stringify(problem(answer).upstream),
        /Refused request with Authorization: Bearer \[redacted\] and \[redacted\]/,
      );
      assert.ok(!stack.logs.join('\n').includes(token));
    });
  }

  it('the bare token, plain or JSON-escaped, is taken out of any reply: an error message and a referral alike', async () => {
    stack.simulator.failNext({
      kind: 'answer',
      status: 409,
      body: '{"error":{"code":"conflict","message":"conflict for token {token}"}}',
    });
    const refusal = await call(`${stack.api}/referrals/${id}/close-lost`, { body: {} });
    assert.equal(refusal.status, 409);
    assert.ok(!refusal.text.includes(token));
    assert.match(JSON.stringify(problem(refusal).upstream), /conflict for token \[redacted\]/);

    stack.simulator.failNext({
      kind: 'answer',
      status: 200,
      body: `{"id":"${id}","eTag":"\\"e1\\"","details":{"notes":"{token-escaped}"}}`,
    });
    const read = await call(`${stack.api}/referrals/${id}`);
    assert.equal(read.status, 200);
    assert.ok(!read.text.includes(token));
    assert.ok(!JSON.stringify(read.json).includes(token), 'not even once the JSON is decoded');
  });

  it('control characters and over-long text from upstream are cleaned and bounded', async () => {
    stack.simulator.failNext({
      kind: 'answer',
      status: 409,
      body: JSON.stringify({
        error: { code: 'conflict', message: `line\r\nbreak\u0007 ${'z '.repeat(2000)}` },
      }),
    });
    const answer = await call(`${stack.api}/referrals/${id}/close-lost`, { body: {} });
    assert.equal(answer.status, 409);
    const message = (problem(answer).upstream as { message: string }).message;
    // eslint-disable-next-line no-control-regex -- asserting there are none
    assert.doesNotMatch(message, /[\u0000-\u001f]/);
    assert.ok(message.length <= 512);
  });
});

describe('a write that landed but whose representation cannot be read', () => {
  it('is answered 204 with Representation-Status: unavailable, never "not applied", and sent once', async () => {
    stack.simulator.failNext(
      { kind: 'answer', act: true, status: 200, body: '' },
      ...Array.from({ length: 4 }, () => ({ kind: 'status', status: 503 }) as const),
    );
    const answer = await call(`${stack.api}/referrals/${id}/close-won`, {
      body: { dealValue: 10 },
      headers: { prefer: 'return=representation' },
    });
    assert.equal(answer.status, 204);
    assert.equal(answer.headers.get('representation-status'), 'unavailable');
    assert.equal(answer.headers.get('preference-applied'), null);
    assert.equal(patches().length, 1);
    assert.equal(stack.simulator.referral(id)?.status, 'Closed');
  });
});

describe('statuses that would mean something else to the caller', () => {
  for (const [status, expected, expectedKind] of [
    [401, 503, 'upstream-unauthorized'],
    [302, 502, 'upstream-error'],
    [405, 502, 'upstream-error'],
    [407, 502, 'upstream-error'],
    [410, 502, 'upstream-error'],
    [202, 502, 'outcome-unknown'],
    [206, 502, 'upstream-invalid-response'],
    [422, 422, 'upstream-rejected'],
    [403, 403, 'upstream-forbidden'],
  ] as const) {
    it(`Partner Center ${String(status)} → ${String(expected)} ${expectedKind}`, async () => {
      stack.simulator.failNext({ kind: 'answer', status, body: '{"error":{"code":"x","message":"y"}}' });
      const answer = await call(`${stack.api}/referrals/${id}/close-lost`, { body: {} });
      assert.equal(answer.status, expected);
      assert.equal(kind(answer), expectedKind);
      assert.equal(answer.headers.get('proxy-authenticate'), null);
      assert.equal(answer.headers.get('location'), null);
    });
  }

  it('202 is not reported as applied: the detail says to read the referral', async () => {
    stack.simulator.failNext({ kind: 'answer', status: 202, body: '' });
    const answer = await call(`${stack.api}/referrals/${id}/close-lost`, { body: {} });
    assert.match(problem(answer).detail, /without saying it was applied/);
  });
});

describe('compressed answers', () => {
  it('a gzip-encoded referral is decoded: the caller gets it as JSON', async () => {
    stack.simulator.failNext({ kind: 'gzip' });
    const answer = await call(`${stack.api}/referrals/${id}`);
    assert.equal(answer.status, 200);
    assert.equal((answer.json as { id: string }).id, id);
    assert.equal(stack.simulator.calls[0]?.headers['accept-encoding'], 'gzip, deflate');
  });
});

describe('ETags the facade cannot use', () => {
  it('a control character in the referral’s eTag: answered 200 without the ETag, never a bare 500, and logged as 200', async () => {
    stack.simulator.failNext({ kind: 'etag', value: '"bad\u0001tag"' });
    const answer = await call(`${stack.api}/referrals/${id}`);
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('etag'), null);
    assert.deepEqual(
      callLogs(stack.logs).map((line) => line.status),
      [200],
    );
  });

  it('a line break in the eTag: add-member sends nothing and says so (referral-unversioned)', async () => {
    stack.simulator.failNext({ kind: 'etag', value: '"bad\ntag"' });
    const answer = await call(`${stack.api}/referrals/${id}/add-member`, {
      body: { email: 'new.member@contoso.com', firstName: 'New', lastName: 'Member' },
    });
    assert.equal(answer.status, 502);
    assert.equal(kind(answer), 'referral-unversioned');
    assert.match(problem(answer).detail, /nothing was sent/);
    assert.equal(patches().length, 0);
  });

  it('no ETag at all: ten parallel add-members append nothing unguarded', async () => {
    stack.simulator.injectFaults((target) =>
      target.method === 'GET' ? { kind: 'etag', value: undefined } : undefined,
    );
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        call(`${stack.api}/referrals/${id}/add-member`, {
          body: { email: 'parallel@contoso.com', firstName: 'Par', lastName: 'Allel' },
        }),
      ),
    );
    stack.simulator.clearFaults();
    assert.deepEqual(new Set(answers.map((answer) => answer.status)), new Set([502]));
    assert.equal(patches().length, 0);
    const team = (stack.simulator.referral(id) as { team?: { email: string }[] }).team ?? [];
    assert.equal(team.filter((member) => member.email === 'parallel@contoso.com').length, 0);
  });

  it('with the caller’s own If-Match the append is guarded, so it goes ahead', async () => {
    const etag = stack.simulator.referral(id)?.eTag ?? '';
    stack.simulator.failNext({ kind: 'etag', value: undefined });
    const answer = await call(`${stack.api}/referrals/${id}/add-member`, {
      body: { email: 'guarded@contoso.com', firstName: 'Guar', lastName: 'Ded' },
      headers: { 'if-match': etag },
    });
    assert.equal(answer.status, 204);
    assert.equal(patches()[0]?.headers['if-match'], etag);
  });
});
