/**
 * Property-based tests: arbitrary and near-valid bodies and ids for every endpoint. Whatever arrives, the
 * answer is never a 5xx, every error is problem+json, and input the facade refuses never reaches upstream.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { seededIds } from '../../dev/simulator/seed';
import { routes } from '../../functions/routes';
import { rawRequest } from '../support/http';
import { startStack, type Stack } from '../support/stack';
import { crmMappings, crmSigning } from '../support/crm-mapping';
import { hmacHeaders } from '../support/webhook-signing';

const id = seededIds.active;
const RUNS = 40;

/** One valid body per update endpoint, the seed the near-valid bodies are mutated from. */
const validBodies: Readonly<Record<string, unknown>> = {
  'close-won': {
    dealValue: '100',
    currency: 'USD',
    closingDateTime: '2026-12-31',
    notes: 'n',
    statusReason: 'r',
  },
  'close-lost': { statusReason: 'r', notes: 'n' },
  accept: {},
  decline: { statusReason: 'r' },
  'add-member': {
    email: 'jane.doe@contoso.com',
    firstName: 'Jane',
    lastName: 'Doe',
    phoneNumber: '0000000001',
  },
  'update-details': { notes: 'n', dealValue: 10, currency: 'EUR', externalReferenceId: 'OPP-1' },
  'set-status': { status: 'Active', substatus: 'Accepted' },
  patch: [{ op: 'replace', path: '/details/notes', value: 'x' }],
  'register-deal': {
    solutions: [{ id: 'SOL-1', value: 10, isMarketplaceTransacted: true }],
    contractValue: '10',
    contractStartDateTime: '2027-01-01',
    contractTerm: '12 months',
  },
  'update-registration': { contractValue: 20, pricingModel: 'Subscription', isDeployedOnAzure: true },
  create: {
    dealType: 'partner-led',
    name: 'n',
    externalReferenceId: 'CRM-1',
    customerName: 'c',
    customerAddress: { addressLine1: 'a', city: 'c', country: 'US' },
    dealValue: 5,
    currency: 'USD',
  },
  'create-raw': {
    type: 'Independent',
    customerProfile: { name: 'c' },
    consent: { consentToContact: true },
    details: { dealValue: '5' },
  },
  sync: {
    status: 'Active',
    substatus: 'Accepted',
    notes: 'n',
    teamMembers: [{ email: 'a@b.co', firstName: 'A', lastName: 'B' }],
  },
};

/** Every route that takes a body: the updates, create (plain and raw) and sync. */
const updateRoutes = routes.flatMap((route) => {
  const method = route.methods[0] ?? 'POST';
  switch (route.target.kind) {
    case 'update':
      return [{ name: route.target.operation.name, method, route }];
    case 'create':
      return [{ name: route.target.raw ? 'create-raw' : 'create', method, route }];
    case 'sync':
      return [{ name: 'sync', method, route }];
    default:
      return [];
  }
});

/** A valid body with one thing changed: a field replaced by anything, removed, or an unknown one added. */
function nearValid(valid: unknown): fc.Arbitrary<unknown> {
  const anything = fc.jsonValue({ maxDepth: 3 });
  if (Array.isArray(valid)) {
    const [first] = valid as Record<string, unknown>[];
    return fc.oneof(
      fc
        .record({ key: fc.constantFrom('op', 'path', 'value', 'from'), value: anything })
        .map(({ key, value }) => [{ ...first, [key]: value }]),
      fc.array(anything, { maxLength: 3 }),
    );
  }
  const keys = Object.keys(valid as object);
  return fc.oneof(
    fc.record({ key: fc.constantFrom(...keys, 'extra'), value: anything }).map(({ key, value }) => ({
      ...(valid as object),
      [key]: value,
    })),
    fc
      .constantFrom(...keys, 'none')
      .map((key) => Object.fromEntries(Object.entries(valid as object).filter(([name]) => name !== key))),
    fc.string({ unit: 'grapheme', maxLength: 30 }).map((text) => ({ ...(valid as object), [text]: text })),
  );
}

/**
 * Sends a request and checks the invariants: never a 5xx, every error problem+json, and input the facade refused
 * never reached upstream. Returns nothing so fast-check shrinks on assertion failures.
 */
async function checkAnswer(
  stack: Stack,
  path: string,
  method: string,
  body: string,
  headers: Record<string, string> = { 'content-type': 'application/json' },
) {
  const before = stack.simulator.calls.length;
  const answer = await rawRequest(stack.host.url, path, { method, headers, ...(body ? { body } : {}) });
  const where = `${method} ${path} ${body.slice(0, 200)} → ${String(answer.status)} ${answer.text.slice(0, 300)}`;
  assert.ok(answer.status < 500, where);
  if (answer.status >= 400) {
    assert.equal(answer.contentType, 'application/problem+json', where);
    const problem = JSON.parse(answer.text) as { upstream?: unknown };
    if (problem.upstream === undefined && answer.status !== 412) {
      assert.equal(stack.simulator.calls.length, before, `refused input reached upstream: ${where}`);
    }
  }
  stack.simulator.reset();
}

describe('properties of every endpoint', () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack();
  });
  after(() => stack.close());

  const check = (path: string, method: string, body: string, contentType = 'application/json') =>
    checkAnswer(stack, path, method, body, { 'content-type': contentType });

  for (const { name, method, route } of updateRoutes) {
    const path = `/api/${route.route.replace('{id}', id)}`;
    const valid = validBodies[name];

    it(`${name}: arbitrary JSON bodies`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), (body) => check(path, method, JSON.stringify(body))),
        { numRuns: RUNS },
      );
    });

    it(`${name}: near-valid bodies`, async () => {
      assert.ok(valid !== undefined, `no valid body for ${name}`);
      await fc.assert(
        fc.asyncProperty(nearValid(valid), (body) => check(path, method, JSON.stringify(body))),
        { numRuns: RUNS },
      );
    });

    it(`${name}: arbitrary text and content types`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.string({ maxLength: 200 }),
          fc.constantFrom(
            'application/json',
            'text/plain',
            'application/merge-patch+json',
            'application/json; charset=utf-16',
          ),
          (body, contentType) => check(path, method, body, contentType),
        ),
        { numRuns: RUNS },
      );
    });
  }

  it('arbitrary referral ids on every route', async () => {
    const idRoutes = routes.filter((route) => route.route.includes('{id}'));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...idRoutes),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 80 }),
        async (route, rawId) => {
          const path = `/api/${route.route.replace('{id}', encodeURIComponent(rawId))}`;
          const method = route.methods[0] ?? 'GET';
          await check(path, method, method === 'GET' ? '' : '{}');
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });
});

const signing = crmSigning;

/** Expressions that fail on payloads of the wrong shape (contains(), abs()), so arbitrary payloads exercise them. */
const propertyMappings = crmMappings([
  { when: "contains(stage, 'won')", operation: 'close-won', fields: { dealValue: 'abs(amount)' } },
  { when: 'stage', operation: 'update-details', fields: { notes: 'notes', dealValue: 'amount' } },
]);

const prototypeNames = [
  'constructor',
  '__proto__',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '__defineGetter__',
];

/** Payloads near the mapping's shape, with any value in each place, plus anything at all. */
const webhookPayload = fc.oneof(
  fc.record(
    {
      referralId: fc.oneof(fc.constantFrom(...Object.values(seededIds)), fc.jsonValue({ maxDepth: 1 })),
      stage: fc.oneof(fc.constantFrom('closed-won', 'won', 'open'), fc.jsonValue({ maxDepth: 2 })),
      amount: fc.jsonValue({ maxDepth: 2 }),
      notes: fc.jsonValue({ maxDepth: 2 }),
    },
    { requiredKeys: [] },
  ),
  fc.jsonValue({ maxDepth: 3 }),
);

describe('properties of the webhook intake and the search', () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack({
      WEBHOOK_MAPPINGS: JSON.stringify(propertyMappings),
      WEBHOOK_SECRET_CRM: signing.secret,
    });
  });
  after(() => stack.close());

  it('POST /api/hooks/{name}: arbitrary names, including Object.prototype members', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.constantFrom(...prototypeNames, 'crm', 'CRM', 'crm-', '-crm'),
          fc.string({ unit: 'binary', minLength: 1, maxLength: 80 }),
        ),
        fc.jsonValue({ maxDepth: 2 }),
        (name, body) =>
          checkAnswer(stack, `/api/hooks/${encodeURIComponent(name)}`, 'POST', JSON.stringify(body)),
      ),
      { numRuns: RUNS * 2 },
    );
  });

  it('POST /api/hooks/crm: arbitrary bodies with arbitrary signature headers', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          webhookPayload.map((payload) => JSON.stringify(payload)),
          fc.string({ maxLength: 200 }),
        ),
        fc.dictionary(
          fc.constantFrom(
            'x-signature',
            'x-timestamp',
            'webhook-signature',
            'webhook-timestamp',
            'webhook-id',
          ),
          fc.oneof(
            fc.stringMatching(/^[\x21-\x7e]{0,100}$/),
            fc.integer().map(String),
            fc.constant(String(Math.floor(Date.now() / 1000))),
          ),
        ),
        (body, headers) =>
          checkAnswer(stack, '/api/hooks/crm', 'POST', body, {
            'content-type': 'application/json',
            ...headers,
          }),
      ),
      { numRuns: RUNS * 2 },
    );
  });

  it('POST /api/hooks/crm: correctly signed payloads of any shape', async () => {
    await fc.assert(
      fc.asyncProperty(webhookPayload, async (payload) => {
        const body = JSON.stringify(payload);
        await checkAnswer(stack, '/api/hooks/crm', 'POST', body, {
          'content-type': 'application/json',
          ...hmacHeaders(signing, body),
        });
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('GET /api/referrals: arbitrary parameters and values, repeats included', async () => {
    const name = fc.oneof(
      fc.constantFrom(
        'status',
        'substatus',
        'direction',
        'updatedSince',
        'teamMemberEmail',
        'externalReferenceId',
        'top',
        'code',
        ...prototypeNames,
      ),
      fc.string({ maxLength: 20 }),
    );
    const value = fc.oneof(
      fc.constantFrom(
        'New',
        'Active',
        'Won',
        'Incoming',
        '2026-10-01',
        'jane.doe@contoso.com',
        '5',
        '200',
        '201',
      ),
      fc.string({ unit: 'binary', maxLength: 40 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(name, value), { maxLength: 5 }), (pairs) =>
        checkAnswer(
          stack,
          `/api/referrals?${pairs.map(([n, v]) => `${encodeURIComponent(n)}=${encodeURIComponent(v)}`).join('&')}`,
          'GET',
          '',
          {},
        ),
      ),
      { numRuns: RUNS * 2 },
    );
  });

  it('GET /api/referrals: arbitrary raw query strings, malformed escapes included', async () => {
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^[A-Za-z0-9=&%._~+'!$()*,;:@/?-]{0,80}$/), (query) =>
        checkAnswer(stack, `/api/referrals?${query}`, 'GET', '', {}),
      ),
      { numRuns: RUNS * 2 },
    );
  });
});
