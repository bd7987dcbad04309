import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { seededIds, seedReferrals } from '../../dev/simulator/seed';
import { startStack, type Stack } from '../support/stack';
import { virtualClock } from '../support/virtual-clock';

interface SearchBody {
  value: { id: string; status: string; substatus: string }[];
  count: number;
  complete: boolean;
}

const listCalls = (stack: Stack) =>
  stack.simulator.calls
    .filter((call) => call.method === 'GET' && !/referrals\/[^?]/.test(call.path))
    .map((call) => new URL(call.path, 'http://simulator').searchParams);

async function search(stack: Stack, query: string) {
  const response = await fetch(`${stack.api}/referrals?${query}`);
  return { response, body: (await response.json()) as SearchBody };
}

async function setExternalReferenceId(stack: Stack, referralId: string, externalReferenceId: string) {
  const response = await fetch(`${stack.api}/referrals/${referralId}/update-details`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ externalReferenceId }),
  });
  assert.equal(response.status, 204);
}

describe('GET /api/referrals translates plain parameters into OData', () => {
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

  it('documented filters go upstream as $filter, newest change first, with $top', async () => {
    const { response, body } = await search(
      stack,
      'status=New&direction=Incoming&teamMemberEmail=jane.doe@contoso.com&top=5',
    );
    assert.equal(response.status, 200);
    assert.deepEqual(body, { value: [], count: 0, complete: true });
    const [query] = listCalls(stack);
    assert.ok(query);
    assert.equal(
      query.get('$filter'),
      "status eq 'New' and direction eq 'Incoming' and team/any(t:t/email eq 'jane.doe@contoso.com')",
    );
    assert.equal(query.get('$orderby'), 'updatedDateTime desc');
    assert.equal(query.get('$top'), '6', 'one beyond top, to tell whether more matches exist');
  });

  it('returns the matching referrals', async () => {
    const { body } = await search(stack, 'direction=Incoming&substatus=Pending');
    assert.deepEqual(
      body.value.map((referral) => referral.id),
      [seededIds.incoming],
    );
    assert.equal(body.count, 1);
    assert.equal(body.complete, true);
  });

  it('finds a referral by your CRM id', async () => {
    await setExternalReferenceId(stack, seededIds.active, "OPP-O'Brien-7");
    const { body } = await search(stack, `externalReferenceId=${encodeURIComponent("OPP-O'Brien-7")}`);
    assert.deepEqual(
      body.value.map((referral) => referral.id),
      [seededIds.active],
    );
    const query = listCalls(stack).at(-1);
    assert.ok(query);
    assert.equal(query.get('$filter'), "externalReferenceId eq 'OPP-O''Brien-7'");
    assert.equal(query.get('$top'), null, 'no $top when a filter is unconfirmed: the pages are scanned');
  });

  it('refuses invalid and unknown parameters with a 400 naming each, and calls nothing', async () => {
    const response = await fetch(`${stack.api}/referrals?status=Open&top=0&colour=red&code=function-key`);
    assert.equal(response.status, 400);
    const problem = (await response.json()) as { errors: { in: string; pointer: string }[] };
    assert.deepEqual(problem.errors.map((error) => `${error.in}:${error.pointer}`).sort(), [
      'query:/colour',
      'query:/status',
      'query:/top',
    ]);
    assert.equal(stack.simulator.calls.length, 0);
  });
});

describe('filters the reference does not confirm are checked on the fetched pages', () => {
  it('when the service refuses the filter, the search asks again without it and filters here', async () => {
    const stack = await startStack({}, {}, { filterSupport: { refuse: ['externalReferenceId'] } });
    try {
      await setExternalReferenceId(stack, seededIds.received, 'CRM-1');
      const { response, body } = await search(stack, 'externalReferenceId=CRM-1&status=New');
      assert.equal(response.status, 200);
      assert.deepEqual(
        body.value.map((referral) => referral.id),
        [seededIds.received],
      );
      const [refused, retried] = listCalls(stack);
      assert.match(refused?.get('$filter') ?? '', /externalReferenceId/);
      assert.equal(retried?.get('$filter'), "status eq 'New'");
    } finally {
      await stack.close();
    }
  });

  it('when the service silently ignores the filter, non-matching referrals are still left out', async () => {
    const stack = await startStack(
      {},
      {},
      { filterSupport: { ignore: ['externalReferenceId', 'updatedDateTime'] } },
    );
    try {
      await setExternalReferenceId(stack, seededIds.closedWon, 'CRM-2');
      const byCrmId = await search(stack, 'externalReferenceId=CRM-2');
      assert.deepEqual(
        byCrmId.body.value.map((referral) => referral.id),
        [seededIds.closedWon],
      );
      const recent = await search(stack, 'updatedSince=2027-01-01');
      assert.deepEqual(recent.body.value, []);
    } finally {
      await stack.close();
    }
  });
});

describe('paging follows @odata.nextLink up to a bound', () => {
  const many = Array.from({ length: 12 }, (_, index) => {
    const [template] = seedReferrals();
    assert.ok(template);
    return { ...template, id: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}` };
  });

  it('collects matches across small pages', async () => {
    const stack = await startStack({}, {}, { pageSize: 1 });
    try {
      const { body } = await search(stack, 'direction=Incoming&top=10');
      assert.deepEqual(
        body.value.map((referral) => referral.id).sort(),
        [seededIds.incoming, seededIds.received].sort(),
      );
      assert.equal(body.complete, true);
      assert.ok(listCalls(stack).length >= 2, 'more than one page was read');
    } finally {
      await stack.close();
    }
  });

  it('stops after 10 pages and says the result may be incomplete', async () => {
    const stack = await startStack({}, {}, { pageSize: 1, referrals: many });
    try {
      const { body } = await search(stack, 'updatedSince=2020-01-01&top=200');
      assert.equal(body.count, 10);
      assert.equal(body.complete, false);
      assert.equal(listCalls(stack).length, 10);
    } finally {
      await stack.close();
    }
  });

  it('stops as soon as it has enough, and says more may exist', async () => {
    const stack = await startStack({}, {}, { pageSize: 2, referrals: many });
    try {
      const { body } = await search(stack, 'updatedSince=2020-01-01&top=3');
      assert.equal(body.count, 3);
      assert.equal(body.complete, false);
      assert.equal(listCalls(stack).length, 2);
    } finally {
      await stack.close();
    }
  });
});

describe('searching shares the relay of every other call', () => {
  it('retries a throttled page, with one MS-RequestId per page across its attempts, and honours Retry-After', async () => {
    const clock = virtualClock();
    const stack = await startStack({}, { clock }, { pageSize: 1 });
    try {
      stack.simulator.failNext({ kind: 'status', status: 429, headers: { 'retry-after': '7' } });
      const { response, body } = await search(stack, 'direction=Incoming&top=10');
      assert.equal(response.status, 200);
      assert.equal(body.count, 2);
      assert.deepEqual(clock.sleeps, [7000]);
      const lists = stack.simulator.calls.filter((call) => !/referrals\/[^?]/.test(call.path));
      assert.equal(
        lists[0]?.headers['ms-requestid'],
        lists[1]?.headers['ms-requestid'],
        'the retry of page 1',
      );
      assert.notEqual(
        lists[1]?.headers['ms-requestid'],
        lists[2]?.headers['ms-requestid'],
        'page 2 is a new request',
      );
    } finally {
      await stack.close();
    }
  });

  it('answers a 503 problem with Retry-After once the budget is spent', async () => {
    const stack = await startStack({ PARTNER_CENTER_MAX_ATTEMPTS: '2' }, { clock: virtualClock() });
    try {
      stack.simulator.failNext({ kind: 'status', status: 503 }, { kind: 'status', status: 503 });
      const response = await fetch(`${stack.api}/referrals?status=New`);
      assert.equal(response.status, 503);
      assert.equal(response.headers.get('content-type'), 'application/problem+json');
      assert.ok(response.headers.get('retry-after'));
    } finally {
      await stack.close();
    }
  });
});
