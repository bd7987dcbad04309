/**
 * The search's query string is read as strictly as a JSON body: a parameter given twice is refused (as a duplicate
 * key is), naming it, and nothing is asked of Partner Center.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { parseSearchQuery } from '../../shared/referral-search/parse-query';
import { ProblemError } from '../../shared/failures/problem';
import { startStack, type Stack } from '../support/stack';

interface Problem {
  type: string;
  detail: string;
  errors: { in: string; pointer: string; message: string }[];
}

describe('GET /api/referrals with a parameter given more than once', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack.close());
  beforeEach(() => {
    stack.simulator.reset();
  });

  async function refused(query: string): Promise<Problem> {
    const response = await fetch(`${stack.api}/referrals?${query}`);
    assert.equal(response.status, 400);
    assert.equal(response.headers.get('content-type'), 'application/problem+json');
    assert.deepEqual(stack.simulator.calls, [], 'nothing goes upstream');
    return (await response.json()) as Problem;
  }

  it('?status=New&status=Active: 400 naming status, rather than the last one silently winning', async () => {
    const problem = await refused('status=New&status=Active');
    assert.equal(problem.type, 'urn:referrals-facade:problem:invalid-request');
    assert.match(problem.detail, /status/);
    assert.deepEqual(problem.errors, [
      { in: 'query', pointer: '/status', message: 'is given 2 times; give it once' },
    ]);
  });

  it('the same value twice is refused too, and other wrong parameters are named alongside', async () => {
    const problem = await refused('top=5&top=5&direction=Sideways');
    assert.deepEqual(problem.errors.map((error) => error.pointer).sort(), ['/direction', '/top']);
  });

  it('a parameter named __proto__ is an unknown parameter like any other', async () => {
    const problem = await refused('__proto__=x');
    assert.deepEqual(problem.errors, [
      {
        in: 'query',
        pointer: '/__proto__',
        message: 'is not a search parameter (see GET /api/openapi.json)',
      },
    ]);
  });

  it('the function key (code) is the host’s, even when given twice', async () => {
    const response = await fetch(`${stack.api}/referrals?status=New&code=a&code=b`);
    assert.equal(response.status, 200);
  });
});

describe('parseSearchQuery', () => {
  it('turns plain name/value pairs into search criteria, with the default top', () => {
    assert.deepEqual(
      parseSearchQuery([
        ['status', 'Active'],
        ['updatedSince', '2026-10-01'],
      ]),
      { status: 'Active', updatedSince: '2026-10-01T00:00:00.000Z', top: 25 },
    );
  });

  it('throws a 400 problem, never anything else, for pairs it refuses', () => {
    assert.throws(
      () =>
        parseSearchQuery([
          ['substatus', 'Won'],
          ['substatus', 'Lost'],
        ]),
      (error: unknown) => error instanceof ProblemError && error.problem.status === 400,
    );
  });
});
