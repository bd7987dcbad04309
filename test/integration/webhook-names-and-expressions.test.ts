/**
 * What a delivery cannot control: the mapping it names is looked up among the configured mappings only (never
 * Object.prototype), and a mapping expression that cannot be applied to a signed payload is a 422 naming the
 * expression, not a facade failure. Neither reaches Partner Center.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { seededIds } from '../../dev/simulator/seed';
import { startStack, type Stack } from '../support/stack';
import { crmMappings, crmSigning } from '../support/crm-mapping';
import { hmacHeaders } from '../support/webhook-signing';

const PROBLEM = 'application/problem+json';
const prototypeNames = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];

const signing = crmSigning;

const mappings = crmMappings([
  { when: "contains(stage, 'won')", operation: 'close-won', fields: { dealValue: 'abs(amount)' } },
  { when: "stage == 'accepted'", operation: 'accept' },
]);

interface Problem {
  type: string;
  status: number;
  detail: string;
}

async function problemOf(response: Response, status: number): Promise<Problem> {
  assert.equal(response.status, status);
  assert.equal(response.headers.get('content-type'), PROBLEM);
  return (await response.json()) as Problem;
}

function post(stack: Stack, name: string, body: string, headers: Record<string, string> = {}) {
  return fetch(`${stack.api}/hooks/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
}

for (const [situation, env] of [
  ['no mappings configured', {}],
  ['mappings configured', { WEBHOOK_MAPPINGS: JSON.stringify(mappings), WEBHOOK_SECRET_CRM: signing.secret }],
] as const) {
  describe(`a mapping name that is an Object.prototype member, with ${situation}`, () => {
    let stack: Stack;
    before(async () => {
      stack = await startStack(env);
    });
    after(() => stack.close());

    for (const name of prototypeNames) {
      it(`POST /api/hooks/${name}: 404 webhook-mapping-not-found, nothing upstream`, async () => {
        const problem = await problemOf(await post(stack, name, '{}'), 404);
        assert.equal(problem.type, 'urn:referrals-facade:problem:webhook-mapping-not-found');
        assert.deepEqual(stack.simulator.calls, []);
      });
    }
  });
}

describe('an expression that cannot be applied to a correctly signed payload', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({
      WEBHOOK_MAPPINGS: JSON.stringify(mappings),
      WEBHOOK_SECRET_CRM: signing.secret,
    });
  });
  after(() => stack.close());
  beforeEach(() => {
    stack.simulator.reset();
  });

  const deliver = (payload: unknown) => {
    const body = JSON.stringify(payload);
    return post(stack, 'crm', body, hmacHeaders(signing, body));
  };

  it('in a case condition (contains() given a number): 422 webhook-unmappable naming the expression', async () => {
    const problem = await problemOf(await deliver({ referralId: seededIds.active, stage: 5 }), 422);
    assert.equal(problem.type, 'urn:referrals-facade:problem:webhook-unmappable');
    assert.match(problem.detail, /Mapping crm: the expression contains\(stage, 'won'\) cannot be applied/);
    assert.deepEqual(stack.simulator.calls, []);
  });

  it('in a field (abs() given a string): 422 naming that expression', async () => {
    const problem = await problemOf(
      await deliver({ referralId: seededIds.active, stage: 'closed-won', amount: 'lots' }),
      422,
    );
    assert.equal(problem.type, 'urn:referrals-facade:problem:webhook-unmappable');
    assert.match(problem.detail, /the expression abs\(amount\) cannot be applied/);
    assert.deepEqual(stack.simulator.calls, []);
  });

  it('the same mapping still applies payloads it fits', async () => {
    const response = await deliver({ referralId: seededIds.incoming, stage: 'accepted' });
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { operation: string }).operation, 'accept');
  });
});
