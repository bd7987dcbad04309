import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { seededIds } from '../../dev/simulator/seed';
import { call } from '../support/http';
import { startStack, type Stack } from '../support/stack';
import { virtualClock } from '../support/virtual-clock';

const id = seededIds.active;
const jane = { email: 'Jane.Doe@Contoso.com', firstName: 'Jane', lastName: 'Doe' };
const other = { email: 'sam.lee@contoso.com', firstName: 'Sam', lastName: 'Lee' };

describe('add-member is idempotent by email', () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack({}, { clock: virtualClock(), attemptTimeoutMs: 300 });
  });
  after(() => stack.close());
  beforeEach(() => {
    stack.simulator.reset();
  });

  const addMember = (member: object, headers: Record<string, string> = {}, query = '') =>
    call(`${stack.api}/referrals/${id}/add-member${query}`, { body: member, headers });
  const team = () => (stack.simulator.referral(id)?.team ?? []) as { email: string }[];
  const methods = () => stack.simulator.calls.map((recorded) => recorded.method);

  it('adds a member who is not on the team: reads, then writes with If-Match of what it read', async () => {
    const etag = stack.simulator.referral(id)?.eTag;
    const answer = await addMember(jane);
    assert.equal(answer.status, 204);
    assert.equal(answer.headers.get('member-outcome'), 'added');
    assert.deepEqual(methods(), ['GET', 'PATCH']);
    assert.equal(stack.simulator.calls[1]?.headers['if-match'], etag);
    assert.deepEqual(
      team().map((member) => member.email),
      ['Jane.Doe@Contoso.com'],
    );
  });

  it('writes nothing when the same email, in any case, is already on the team', async () => {
    await addMember(jane);
    stack.simulator.calls.length = 0;
    const answer = await addMember({ ...jane, email: ' jane.doe@CONTOSO.COM ' });
    assert.equal(answer.status, 204);
    assert.equal(answer.headers.get('member-outcome'), 'already-present');
    assert.deepEqual(methods(), ['GET']);
    assert.equal(team().length, 1);
  });

  it('honours Prefer: return=representation for both outcomes', async () => {
    const added = await addMember(jane, { prefer: 'return=representation' });
    assert.equal(added.status, 200);
    assert.equal(added.headers.get('member-outcome'), 'added');
    assert.equal((added.json as { team: unknown[] }).team.length, 1);
    const again = await addMember(jane, {}, '?return=representation');
    assert.equal(again.status, 200);
    assert.equal(again.headers.get('member-outcome'), 'already-present');
    assert.equal((again.json as { team: unknown[] }).team.length, 1);
    assert.equal(again.headers.get('etag'), stack.simulator.referral(id)?.eTag);
  });

  it('a write applied upstream but whose response was lost is not applied twice', async () => {
    let patchesSeen = 0;
    stack.simulator.injectFaults((target) =>
      target.method === 'PATCH' && patchesSeen++ === 0 ? { kind: 'lost-response' } : undefined,
    );
    const answer = await addMember(jane);
    assert.equal(answer.status, 204);
    assert.equal(answer.headers.get('member-outcome'), 'already-present');
    assert.equal(team().length, 1);
    // read, write (applied, answer lost), resend (412: the ETag moved), read again: the member is there.
    assert.deepEqual(methods(), ['GET', 'PATCH', 'PATCH', 'GET']);
  });

  it('If-Match: * pins no version, so the write is still guarded by the ETag read, and a lost answer adds no twin', async () => {
    let patchesSeen = 0;
    stack.simulator.injectFaults((target) =>
      target.method === 'PATCH' && patchesSeen++ === 0 ? { kind: 'lost-response' } : undefined,
    );
    const etag = stack.simulator.referral(id)?.eTag;
    const answer = await addMember(jane, { 'if-match': '*' });
    assert.equal(answer.status, 204);
    assert.equal(team().length, 1);
    assert.equal(stack.simulator.calls[1]?.headers['if-match'], etag);
  });

  it('a raw append with If-Match: * whose answer was lost is not sent again', async () => {
    let patchesSeen = 0;
    stack.simulator.injectFaults((target) =>
      target.method === 'PATCH' && patchesSeen++ === 0 ? { kind: 'lost-response' } : undefined,
    );
    const answer = await call(`${stack.api}/referrals/${id}`, {
      method: 'PATCH',
      body: [{ op: 'add', path: '/customerProfile/team/-', value: jane }],
      headers: { 'if-match': '*' },
    });
    assert.equal(answer.headers.get('content-type'), 'application/problem+json');
    assert.equal(
      (answer.json as { type?: string } | undefined)?.type,
      'urn:referrals-facade:problem:outcome-unknown',
    );
    const customers = (stack.simulator.referral(id)?.['customerProfile'] as { team: { email: string }[] })
      .team;
    assert.equal(customers.filter((member) => member.email === jane.email).length, 1);
    assert.deepEqual(methods(), ['PATCH']);
  });

  it('a concurrent change between read and write: re-reads and adds, losing nobody', async () => {
    let changed = false;
    stack.simulator.injectFaults((target) => {
      if (target.method === 'PATCH' && !changed) {
        changed = true;
        stack.simulator.modify(id, (referral) => {
          referral.team = [...(referral.team ?? []), other];
        });
      }
      return undefined;
    });
    const answer = await addMember(jane);
    assert.equal(answer.status, 204);
    assert.equal(answer.headers.get('member-outcome'), 'added');
    assert.deepEqual(
      team().map((member) => member.email),
      [other.email, jane.email],
    );
    assert.deepEqual(methods(), ['GET', 'PATCH', 'GET', 'PATCH']);
  });

  it('many simultaneous adds of one person leave exactly one entry, and exactly one call says "added"', async () => {
    const answers = await Promise.all(Array.from({ length: 8 }, () => addMember(jane)));
    assert.deepEqual(
      answers.map((answer) => answer.status),
      Array<number>(8).fill(204),
    );
    const outcomes = answers.map((answer) => answer.headers.get('member-outcome'));
    assert.equal(outcomes.filter((outcome) => outcome === 'added').length, 1);
    assert.equal(outcomes.filter((outcome) => outcome === 'already-present').length, 7);
    assert.equal(team().length, 1);
  });

  it('a referral that changes on every round: bounded, then 503 with Retry-After and nothing added', async () => {
    stack.simulator.injectFaults((target) => {
      if (target.method === 'PATCH') {
        stack.simulator.modify(id, (referral) => {
          referral['notes'] = String(Math.random());
        });
      }
      return undefined;
    });
    const answer = await addMember(jane);
    assert.equal(answer.status, 503);
    assert.ok(answer.headers.get('retry-after'));
    assert.equal(methods().filter((method) => method === 'PATCH').length, 3);
    assert.equal(team().length, 0);
  });

  it("the caller's stale If-Match: 412 when the member is absent, already-present when it is there", async () => {
    const stale = '"00000000-0000-0000-0000-000000000000"';
    const refused = await addMember(jane, { 'if-match': stale });
    assert.equal(refused.status, 412);
    assert.equal(team().length, 0);
    await addMember(jane);
    const present = await addMember(jane, { 'if-match': stale });
    assert.equal(present.status, 204);
    assert.equal(present.headers.get('member-outcome'), 'already-present');
  });
});
