/**
 * The rest of the referral lifecycle, end to end against the simulator: create (idempotent by CRM id), deal
 * registration (guarded like add-member), and desired-state sync (one read, and a write only of what differs).
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { seededIds } from '../../dev/simulator/seed';
import { crmMappings, crmSigning } from '../support/crm-mapping';
import { call } from '../support/http';
import { patchesSent, startStack, type Stack } from '../support/stack';
import { virtualClock } from '../support/virtual-clock';
import { hmacHeaders } from '../support/webhook-signing';

const active = seededIds.active;

/** A copy of a body without some of its fields. */
function without(body: Record<string, unknown>, ...fields: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([name]) => !fields.includes(name)));
}

const coSell = {
  dealType: 'co-sell',
  name: 'Fabrikam – Azure migration',
  externalReferenceId: 'OPP-2026-0042',
  customerName: 'Fabrikam Inc.',
  customerAddress: { addressLine1: '1 Microsoft Way', city: 'Redmond', state: 'WA', country: 'us' },
  consentToContact: true,
  dealValue: 125000,
  currency: 'usd',
  closingDateTime: '2026-12-31',
  solutions: ['SOL-34104-EBB'],
  helpNeeded: 'ProofOfConceptOrDemo',
  team: [{ email: 'jane.doe@contoso.com', firstName: 'Jane', lastName: 'Doe' }],
};

const registration = {
  solutions: [
    {
      id: 'SOL-34104-EBB',
      value: '50000',
      currency: 'usd',
      isDeployedOnAzure: true,
      pricingModel: 'Subscription',
      isMarketplaceTransacted: true,
      marketplaceTransactionDateTime: '2026-11-30',
    },
  ],
  contractValue: 50000,
  contractCurrency: 'USD',
  contractStartDateTime: '2027-01-01',
  contractEndDateTime: '2027-12-31',
  contractTerm: '12 months',
};

/** The value register-deal appends for `registration`: the connector's DealRegistration shape. */
const registrationValue = {
  type: 'AzureIPCoSell',
  solutionDetails: [
    {
      id: 'SOL-34104-EBB',
      value: 50000,
      currency: 'USD',
      isDeployedOnAzure: true,
      pricingModel: 'Subscription',
      marketplaceTransactionDetails: {
        isMarketplaceTransacted: true,
        marketplaceTransactionDateTime: '2026-11-30T00:00:00.000Z',
      },
    },
  ],
  contract: {
    value: 50000,
    currency: 'USD',
    startDateTime: '2027-01-01T00:00:00.000Z',
    endDateTime: '2027-12-31T00:00:00.000Z',
    term: '12 months',
  },
};

describe('the referral lifecycle', () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack(
      { WEBHOOK_MAPPINGS: JSON.stringify(lifecycleMappings), WEBHOOK_SECRET_CRM: crmSigning.secret },
      { clock: virtualClock(), attemptTimeoutMs: 300 },
    );
  });
  after(() => stack.close());
  beforeEach(() => {
    stack.simulator.reset();
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    call(`${stack.api}${path}`, { body, headers });
  const methods = () => stack.simulator.calls.map((recorded) => recorded.method);
  const posts = () => stack.simulator.calls.filter((recorded) => recorded.method === 'POST');
  /** The referrals carrying a CRM id, as the facade's own search finds them. */
  async function carrying(crmId: string): Promise<unknown[]> {
    const found = await call(`${stack.api}/referrals?externalReferenceId=${crmId}`);
    return (found.json as { value: unknown[] }).value;
  }

  describe('create', () => {
    it('sends the documented create body for a co-sell deal, and answers 201 with the referral Partner Center made', async () => {
      const answer = await post('/referrals', coSell);
      assert.equal(answer.status, 201);
      assert.equal(answer.headers.get('create-outcome'), 'created');
      const created = answer.json as { id: string; status: string; substatus: string };
      assert.equal(answer.headers.get('location'), `/api/referrals/${created.id}`);
      // Outgoing referrals start Active/Accepted whatever was sent (reference §3.2).
      assert.deepEqual([created.status, created.substatus], ['Active', 'Accepted']);
      assert.deepEqual(JSON.parse(posts()[0]?.body ?? ''), {
        name: 'Fabrikam – Azure migration',
        externalReferenceId: 'OPP-2026-0042',
        type: 'Shared',
        qualification: 'None',
        status: 'New',
        substatus: 'Pending',
        customerProfile: {
          name: 'Fabrikam Inc.',
          address: { addressLine1: '1 Microsoft Way', city: 'Redmond', state: 'WA', country: 'US' },
          team: [],
        },
        consent: {
          consentToToShareInfoWithOthers: false,
          consentToContact: true,
          consentToShareReferralWithMicrosoftSellers: true,
        },
        details: {
          dealValue: '125000',
          currency: 'USD',
          closingDateTime: '2026-12-31T00:00:00.000Z',
          requirements: { solutions: [{ id: 'SOL-34104-EBB' }] },
        },
        team: [{ email: 'jane.doe@contoso.com', firstName: 'Jane', lastName: 'Doe' }],
        inviteContext: { notes: '', assistanceRequestCode: 'ProofOfConceptOrDemo' },
        target: [{ type: 'SolutionProfile', id: 'SOL-34104-EBB' }],
      });
    });

    it('a private deal is Independent and not shared with Microsoft sellers, with no target', async () => {
      const plain = without(coSell, 'solutions', 'helpNeeded');
      assert.equal((await post('/referrals', { ...plain, dealType: 'private' })).status, 201);
      const sent = JSON.parse(posts()[0]?.body ?? '') as Record<string, unknown>;
      assert.equal(sent['type'], 'Independent');
      assert.equal(
        (sent['consent'] as Record<string, unknown>)['consentToShareReferralWithMicrosoftSellers'],
        false,
      );
      assert.equal(sent['target'], undefined);
      assert.equal(sent['inviteContext'], undefined);
    });

    it('a create with a CRM id sent twice gives one referral: the second answers it with Create-Outcome: existing', async () => {
      const first = await post('/referrals', coSell);
      const second = await post('/referrals', coSell);
      assert.equal(first.status, 201);
      assert.equal(second.status, 200);
      assert.equal(second.headers.get('create-outcome'), 'existing');
      assert.equal((second.json as { id: string }).id, (first.json as { id: string }).id);
      assert.equal(posts().length, 1);
      assert.equal((await carrying('OPP-2026-0042')).length, 1);
    });

    it('is never resent after an unanswered attempt; with a CRM id it finds the referral that landed', async () => {
      stack.simulator.injectFaults((target) =>
        target.method === 'POST' ? { kind: 'lost-response' } : undefined,
      );
      const answer = await post('/referrals', coSell);
      stack.simulator.clearFaults();
      assert.equal(answer.status, 201);
      assert.equal(answer.headers.get('create-outcome'), 'created');
      assert.equal(posts().length, 1);
      assert.equal((await carrying('OPP-2026-0042')).length, 1);
    });

    it('without a CRM id an unanswered create is an unknown outcome, not a resend', async () => {
      const anonymous = without(coSell, 'externalReferenceId');
      stack.simulator.injectFaults((target) =>
        target.method === 'POST' ? { kind: 'lost-response' } : undefined,
      );
      const answer = await post('/referrals', anonymous);
      assert.equal(answer.status, 502);
      assert.match((answer.json as { type: string }).type, /outcome-unknown$/);
      assert.equal(posts().length, 1);
    });

    it('refuses a co-sell deal without a solution or a help request, naming both, before anything is sent', async () => {
      const incomplete = without(coSell, 'solutions', 'helpNeeded');
      const answer = await post('/referrals', incomplete);
      assert.equal(answer.status, 400);
      const pointers = (answer.json as { errors: { pointer: string }[] }).errors.map(
        (error) => error.pointer,
      );
      assert.deepEqual(pointers.sort(), ['/helpNeeded', '/solutions']);
      assert.equal(stack.simulator.calls.length, 0);
    });

    it('the raw create relays a body that fits the referral schema, and refuses server fields and missing parts', async () => {
      const raw = {
        type: 'Independent',
        name: 'Raw',
        customerProfile: { name: 'Fabrikam Inc.', address: { country: 'US' } },
        consent: { consentToShareReferralWithMicrosoftSellers: false },
        details: { dealValue: 10, currency: 'eur' },
        partnerRole: 'unconfirmed fields pass through',
      };
      const created = await post('/referrals/raw', raw);
      assert.equal(created.status, 201);
      const sent = JSON.parse(posts()[0]?.body ?? '') as Record<string, unknown>;
      assert.deepEqual(sent['details'], { dealValue: '10', currency: 'EUR' });
      assert.equal(sent['partnerRole'], 'unconfirmed fields pass through');

      stack.simulator.reset();
      const noConsent = without(raw, 'consent');
      const refused = await post('/referrals/raw', { ...noConsent, id: 'x', eTag: '"1"' });
      assert.equal(refused.status, 400);
      const pointers = (refused.json as { errors: { pointer: string }[] }).errors.map(
        (error) => error.pointer,
      );
      assert.deepEqual(pointers.sort(), ['/consent', '/eTag', '/id']);
      assert.equal(stack.simulator.calls.length, 0);
    });
  });

  describe('deal registration', () => {
    it('register-deal sends exactly the documented patch, under If-Match of what it read', async () => {
      const etag = stack.simulator.referral(active)?.eTag;
      const answer = await post(`/referrals/${active}/register-deal`, registration);
      assert.equal(answer.status, 204);
      assert.equal(answer.headers.get('registration-outcome'), 'registered');
      assert.deepEqual(methods(), ['GET', 'PATCH']);
      assert.equal(stack.simulator.calls[1]?.headers['if-match'], etag);
      assert.deepEqual(patchesSent(stack.simulator), [
        [{ op: 'add', path: '/registrations/-', value: registrationValue }],
      ]);
    });

    it('a second register-deal writes nothing: the referral has its registration', async () => {
      await post(`/referrals/${active}/register-deal`, registration);
      stack.simulator.calls.length = 0;
      const again = await post(`/referrals/${active}/register-deal`, registration);
      assert.equal(again.status, 204);
      assert.equal(again.headers.get('registration-outcome'), 'already-registered');
      assert.deepEqual(methods(), ['GET']);
      assert.equal((stack.simulator.referral(active)?.['registrations'] as unknown[]).length, 1);
    });

    it('a registration applied upstream whose answer was lost is not appended twice', async () => {
      let patches = 0;
      stack.simulator.injectFaults((target) =>
        target.method === 'PATCH' && patches++ === 0 ? { kind: 'lost-response' } : undefined,
      );
      const answer = await post(`/referrals/${active}/register-deal`, registration);
      assert.equal(answer.status, 204);
      assert.equal(answer.headers.get('registration-outcome'), 'already-registered');
      assert.deepEqual(methods(), ['GET', 'PATCH', 'PATCH', 'GET']);
      assert.equal((stack.simulator.referral(active)?.['registrations'] as unknown[]).length, 1);
    });

    it('close-won with registerDeal wins and registers in one PATCH', async () => {
      const answer = await post(`/referrals/${active}/close-won`, {
        dealValue: 50000,
        registerDeal: registration,
      });
      assert.equal(answer.status, 204);
      assert.equal(answer.headers.get('registration-outcome'), 'registered');
      assert.deepEqual(patchesSent(stack.simulator), [
        [
          { op: 'replace', path: '/status', value: 'Closed' },
          { op: 'replace', path: '/substatus', value: 'Won' },
          { op: 'replace', path: '/details/dealValue', value: '50000' },
          { op: 'add', path: '/registrations/-', value: registrationValue },
        ],
      ]);
      assert.equal(stack.simulator.referral(active)?.substatus, 'Won');
    });

    it('update-registration adds each field at the connector’s /registrations/0 path', async () => {
      await post(`/referrals/${active}/register-deal`, registration);
      stack.simulator.calls.length = 0;
      const answer = await post(`/referrals/${active}/update-registration`, {
        contractEndDateTime: '2028-12-31',
        contractValue: '95000.50',
        isDeployedOnAzure: false,
      });
      assert.equal(answer.status, 204);
      assert.deepEqual(patchesSent(stack.simulator), [
        [
          { op: 'add', path: '/registrations/0/contract/value', value: 95000.5 },
          { op: 'add', path: '/registrations/0/contract/endDateTime', value: '2028-12-31T00:00:00.000Z' },
          { op: 'add', path: '/registrations/0/solutionDetails/0/isDeployedOnAzure', value: false },
        ],
      ]);
    });

    it('refuses a marketplace date on a deal not transacted there, and a contract that ends before it starts', async () => {
      const answer = await post(`/referrals/${active}/register-deal`, {
        solutions: [
          { id: 'SOL-1', isMarketplaceTransacted: false, marketplaceTransactionDateTime: '2026-01-01' },
        ],
        contractStartDateTime: '2027-01-01',
        contractEndDateTime: '2026-01-01',
      });
      assert.equal(answer.status, 400);
      const pointers = (answer.json as { errors: { pointer: string }[] }).errors.map(
        (error) => error.pointer,
      );
      assert.deepEqual(pointers.sort(), [
        '/contractEndDateTime',
        '/solutions/0/marketplaceTransactionDateTime',
      ]);
      assert.equal(stack.simulator.calls.length, 0);
    });
  });

  describe('sync', () => {
    // The seeded referral holds dealValue 0 (a number), currency USD and closing date 2026-12-31T00:00:00Z.
    const asSeeded = {
      status: 'Active',
      substatus: 'Accepted',
      dealValue: '0',
      currency: 'usd',
      closingDateTime: '2026-12-31',
      notes: '',
    };

    it('with unchanged values makes 1 GET and 0 PATCHes, and says so', async () => {
      const answer = await post(`/referrals/${active}/sync`, asSeeded);
      assert.equal(answer.status, 204);
      assert.equal(answer.headers.get('sync-outcome'), 'unchanged');
      assert.equal(answer.headers.get('etag'), stack.simulator.referral(active)?.eTag);
      assert.deepEqual(methods(), ['GET']);
    });

    it('with changed values makes exactly one PATCH holding only the changes, under If-Match of what it read', async () => {
      const etag = stack.simulator.referral(active)?.eTag;
      const answer = await post(`/referrals/${active}/sync`, {
        ...asSeeded,
        dealValue: 5000,
        notes: 'Signed',
        teamMembers: [{ email: 'sam.lee@contoso.com', firstName: 'Sam', lastName: 'Lee' }],
      });
      assert.equal(answer.status, 204);
      assert.equal(answer.headers.get('sync-outcome'), 'updated');
      assert.equal(answer.headers.get('sync-changed-paths'), '/details/dealValue,/details/notes,/team/-');
      assert.deepEqual(methods(), ['GET', 'PATCH']);
      assert.equal(stack.simulator.calls[1]?.headers['if-match'], etag);
      assert.deepEqual(patchesSent(stack.simulator), [
        [
          { op: 'replace', path: '/details/dealValue', value: '5000' },
          { op: 'replace', path: '/details/notes', value: 'Signed' },
          {
            op: 'add',
            path: '/team/-',
            value: { email: 'sam.lee@contoso.com', firstName: 'Sam', lastName: 'Lee' },
          },
        ],
      ]);
      stack.simulator.calls.length = 0;
      const again = await post(`/referrals/${active}/sync`, {
        dealValue: '5000.0',
        teamMembers: [{ email: 'SAM.LEE@contoso.com', firstName: 'S', lastName: 'L' }],
      });
      assert.equal(again.headers.get('sync-outcome'), 'updated');
      assert.deepEqual(patchesSent(stack.simulator), [
        [{ op: 'replace', path: '/details/dealValue', value: '5000.0' }],
      ]);
    });

    it('a status move sends both halves of the pair, even when one is unchanged', async () => {
      const answer = await post(`/referrals/${seededIds.incoming}/sync`, {
        status: 'New',
        substatus: 'Received',
      });
      assert.equal(answer.headers.get('sync-outcome'), 'updated');
      assert.deepEqual(patchesSent(stack.simulator), [
        [
          { op: 'replace', path: '/status', value: 'New' },
          { op: 'replace', path: '/substatus', value: 'Received' },
        ],
      ]);
    });

    it('a 412 during sync is retried on a fresh read, and the patch is planned again from it', async () => {
      let patches = 0;
      stack.simulator.injectFaults((target) => {
        if (target.method === 'PATCH' && patches++ === 0) {
          // Another user changes the notes between the facade's read and its write.
          stack.simulator.modify(active, (referral) => {
            (referral['details'] as Record<string, unknown>)['notes'] = 'Changed meanwhile';
          });
        }
        return undefined;
      });
      const answer = await post(`/referrals/${active}/sync`, { dealValue: 7000, notes: '' });
      assert.equal(answer.status, 204);
      assert.equal(answer.headers.get('sync-outcome'), 'updated');
      assert.deepEqual(methods(), ['GET', 'PATCH', 'GET', 'PATCH']);
      assert.deepEqual(patchesSent(stack.simulator), [
        [{ op: 'replace', path: '/details/dealValue', value: '7000' }],
        [
          { op: 'replace', path: '/details/dealValue', value: '7000' },
          { op: 'replace', path: '/details/notes', value: '' },
        ],
      ]);
      assert.equal((stack.simulator.referral(active)?.['details'] as Record<string, unknown>)['notes'], '');
    });

    it('a move Partner Center forbids is a 409 naming it, and nothing is written', async () => {
      const answer = await post(`/referrals/${seededIds.closedWon}/sync`, {
        status: 'Active',
        substatus: 'Accepted',
      });
      assert.equal(answer.status, 409);
      const problem = answer.json as { type: string; detail: string };
      assert.match(problem.type, /transition-forbidden$/);
      assert.match(problem.detail, /Closed\/Won.*Active\/Accepted/);
      assert.deepEqual(methods(), ['GET']);
    });

    it('answers the referral as it is when asked, in both outcomes', async () => {
      const unchanged = await post(`/referrals/${active}/sync`, asSeeded, {
        prefer: 'return=representation',
      });
      assert.equal(unchanged.status, 200);
      assert.equal((unchanged.json as { id: string }).id, active);
      const updated = await post(`/referrals/${active}/sync?return=representation`, { notes: 'x' });
      assert.equal(updated.status, 200);
      assert.equal((updated.json as { details: { notes: string } }).details.notes, 'x');
    });
  });

  describe('webhooks', () => {
    const deliver = (payload: unknown) => {
      const body = JSON.stringify(payload);
      return call(`${stack.api}/hooks/crm`, { body, headers: hmacHeaders(crmSigning, body) });
    };

    it('a mapping can create, register a deal and sync', async () => {
      const created = await deliver({
        event: 'create',
        crmId: 'CRM-9',
        name: 'From the CRM',
        customer: 'Contoso',
      });
      assert.equal(created.status, 200);
      assert.equal((created.json as { result: string }).result, 'created');
      const again = await deliver({
        event: 'create',
        crmId: 'CRM-9',
        name: 'From the CRM',
        customer: 'Contoso',
      });
      assert.equal((again.json as { result: string }).result, 'existing');
      assert.equal(posts().length, 1);

      const synced = await deliver({ event: 'sync', referralId: active, amount: 0 });
      assert.equal((synced.json as { result: string }).result, 'unchanged');
      const registered = await deliver({ event: 'register', referralId: active, solution: 'SOL-1' });
      assert.equal((registered.json as { result: string }).result, 'registered');
    });
  });
});

const lifecycleMappings = crmMappings([
  {
    when: "event == 'create'",
    operation: 'create',
    fields: {
      dealType: "'partner-led'",
      name: 'name',
      externalReferenceId: 'crmId',
      customerName: 'customer',
      customerAddress: "{addressLine1: '1 Main St', city: 'Springfield', country: 'US'}",
    },
  },
  { when: "event == 'sync'", operation: 'sync', fields: { dealValue: 'amount' } },
  { when: "event == 'register'", operation: 'register-deal', fields: { solutions: '[{id: solution}]' } },
]);
