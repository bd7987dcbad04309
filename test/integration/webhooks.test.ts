import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { seededIds } from '../../dev/simulator/seed';
import { callLogs } from '../support/http';
import { patchesSent, startStack, type Stack } from '../support/stack';
import {
  hmacHeaders,
  newHmacSecret,
  newStandardWebhooksSecret,
  standardWebhooksHeaders,
  type HmacSigning,
} from '../support/webhook-signing';

const examples = resolve(__dirname, '../../examples/webhooks');
const payload = (name: string) => readFileSync(resolve(examples, 'payloads', name), 'utf8');

const hubspot: HmacSigning = {
  secret: newHmacSecret(),
  signatureHeader: 'X-Signature',
  timestampHeader: 'X-Request-Timestamp',
  encoding: 'hex',
  prefix: 'sha256=',
};
const dataverse: HmacSigning = {
  secret: newHmacSecret(),
  signatureHeader: 'X-Signature-256',
  timestampHeader: 'X-Timestamp',
  encoding: 'base64',
};
const genericSecret = newStandardWebhooksSecret();

let stack: Stack;

before(async () => {
  stack = await startStack({
    WEBHOOK_MAPPINGS_FILE: resolve(examples, 'mappings.json'),
    WEBHOOK_SECRET_HUBSPOT: hubspot.secret,
    WEBHOOK_SECRET_DATAVERSE: dataverse.secret,
    WEBHOOK_SECRET_GENERIC: genericSecret,
  });
});
after(async () => {
  await stack.close();
});
beforeEach(() => {
  stack.simulator.reset();
});

function deliver(name: string, body: string, headers: Record<string, string>) {
  return fetch(`${stack.api}/hooks/${name}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body,
  });
}

async function problemOf(response: Response) {
  assert.equal(response.headers.get('content-type'), 'application/problem+json');
  return (await response.json()) as { type: string; detail: string; errors?: { message: string }[] };
}

async function setExternalReferenceId(referralId: string, externalReferenceId: string) {
  const response = await fetch(`${stack.api}/referrals/${referralId}/update-details`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ externalReferenceId }),
  });
  assert.equal(response.status, 204);
}

/** The referral's content, without what every write changes (ETag and change time). */
function withoutVersion(referral: Record<string, unknown> | undefined): Record<string, unknown> {
  assert.ok(referral);
  return Object.fromEntries(
    Object.entries(referral).filter(([key]) => key !== 'eTag' && key !== 'updatedDateTime'),
  );
}

const dataverseOpportunityId = '7d1c5a8e-3f0b-4e6a-9c2d-5b8e1f4a7c30';

describe('the example mappings, end to end through the local host and the simulator', () => {
  it('HubSpot-style: a deal moved to closedwon closes its referral as won with the deal values', async () => {
    const body = payload('hubspot-deal-won.json');
    const response = await deliver('hubspot-deal', body, hmacHeaders(hubspot, body));
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), {
      outcome: 'applied',
      mapping: 'hubspot-deal',
      operation: 'close-won',
      referralId: seededIds.active,
    });
    assert.deepEqual(patchesSent(stack.simulator), [
      [
        { op: 'replace', path: '/status', value: 'Closed' },
        { op: 'replace', path: '/substatus', value: 'Won' },
        { op: 'replace', path: '/details/dealValue', value: '25000' },
        { op: 'replace', path: '/details/currency', value: 'EUR' },
        { op: 'replace', path: '/details/closingDateTime', value: '2026-11-30T00:00:00.000Z' },
        { op: 'replace', path: '/details/notes', value: 'Signed after the pilot.' },
      ],
    ]);
    assert.equal(stack.simulator.referral(seededIds.active)?.substatus, 'Won');
  });

  it('Dataverse-style: a won opportunity finds its referral by externalReferenceId and closes it', async () => {
    await setExternalReferenceId(seededIds.received, dataverseOpportunityId);
    const body = payload('dataverse-opportunity-won.json');
    const response = await deliver('dataverse-opportunity', body, hmacHeaders(dataverse, body));
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { referralId: string }).referralId, seededIds.received);
    const lookup = stack.simulator.calls.find((call) => call.method === 'GET');
    assert.ok(lookup);
    assert.match(
      new URL(lookup.path, 'http://x').searchParams.get('$filter') ?? '',
      new RegExp(`externalReferenceId eq '${dataverseOpportunityId}'`),
    );
    const referral = stack.simulator.referral(seededIds.received);
    assert.equal(`${String(referral?.status)}/${String(referral?.substatus)}`, 'Closed/Won');
    assert.equal((referral?.['details'] as { dealValue: unknown }).dealValue, '48000.5');
  });

  it('logs the delivery with the referral it resolved, the upstream status and every upstream attempt', async () => {
    await setExternalReferenceId(seededIds.received, dataverseOpportunityId);
    stack.logs.length = 0;
    const body = payload('dataverse-opportunity-won.json');
    assert.equal((await deliver('dataverse-opportunity', body, hmacHeaders(dataverse, body))).status, 200);
    const [line] = callLogs(stack.logs);
    assert.equal(line?.route, 'webhook');
    assert.equal(line?.referralId, seededIds.received);
    assert.equal(line?.upstreamStatus, 204);
    assert.equal(line?.attempts, 2, 'the lookup by externalReferenceId and the PATCH');
  });

  it('Dataverse-style: no referral with that CRM id is a 404 problem and nothing is patched', async () => {
    const body = payload('dataverse-opportunity-won.json');
    const response = await deliver('dataverse-opportunity', body, hmacHeaders(dataverse, body));
    assert.equal(response.status, 404);
    assert.match((await problemOf(response)).detail, /No referral carries externalReferenceId/);
    assert.deepEqual(patchesSent(stack.simulator).length, 0);
  });

  it('Dataverse-style: two referrals with that CRM id is a 409 problem naming both, and nothing is patched', async () => {
    await setExternalReferenceId(seededIds.received, dataverseOpportunityId);
    await setExternalReferenceId(seededIds.incoming, dataverseOpportunityId);
    const patchesBefore = patchesSent(stack.simulator).length;
    const body = payload('dataverse-opportunity-won.json');
    const response = await deliver('dataverse-opportunity', body, hmacHeaders(dataverse, body));
    assert.equal(response.status, 409);
    const problem = await problemOf(response);
    assert.equal(problem.type, 'urn:referrals-facade:problem:ambiguous-external-reference');
    assert.match(problem.detail, new RegExp(seededIds.received));
    assert.match(problem.detail, new RegExp(seededIds.incoming));
    assert.equal(patchesSent(stack.simulator).length, patchesBefore);
  });

  it('generic flat JSON with Standard Webhooks: "won" closes the named referral, values normalised', async () => {
    const body = payload('generic-won.json');
    const response = await deliver('generic', body, standardWebhooksHeaders(genericSecret, body));
    assert.equal(response.status, 200);
    assert.deepEqual(patchesSent(stack.simulator), [
      [
        { op: 'replace', path: '/status', value: 'Closed' },
        { op: 'replace', path: '/substatus', value: 'Won' },
        { op: 'replace', path: '/details/dealValue', value: '12000' },
        { op: 'replace', path: '/details/currency', value: 'USD' },
        { op: 'replace', path: '/details/closingDateTime', value: '2026-12-15T00:00:00.000Z' },
        { op: 'replace', path: '/details/notes', value: 'Closed through the partner portal.' },
      ],
    ]);
  });

  it('an event no case handles is acknowledged with 202 and changes nothing', async () => {
    const body = JSON.stringify({ event: 'viewed', referralId: seededIds.incoming });
    const response = await deliver('generic', body, standardWebhooksHeaders(genericSecret, body));
    assert.equal(response.status, 202);
    assert.equal(((await response.json()) as { outcome: string }).outcome, 'ignored');
    assert.equal(stack.simulator.calls.length, 0);
  });

  it('a payload whose mapped field is invalid is a 422 naming the field and its expression', async () => {
    const body = JSON.stringify({ event: 'won', referralId: seededIds.incoming, amount: 'lots' });
    const response = await deliver('generic', body, standardWebhooksHeaders(genericSecret, body));
    assert.equal(response.status, 422);
    const problem = await problemOf(response);
    assert.match(problem.errors?.[0]?.message ?? '', /\(from amount\)$/);
    assert.equal(stack.simulator.calls.length, 0);
  });

  it('a payload without the referral id is a 422 that names the expression', async () => {
    const body = JSON.stringify({ event: 'accepted' });
    const response = await deliver('generic', body, standardWebhooksHeaders(genericSecret, body));
    assert.equal(response.status, 422);
    assert.match((await problemOf(response)).detail, /referralId found no value/);
  });

  it('an unknown mapping name is a 404 problem', async () => {
    const response = await deliver('nobody', '{}', {});
    assert.equal(response.status, 404);
    assert.equal((await problemOf(response)).type, 'urn:referrals-facade:problem:webhook-mapping-not-found');
  });
});

describe('redelivery is harmless', () => {
  it('the same HubSpot delivery twice leaves the referral as one delivery does', async () => {
    const body = payload('hubspot-deal-won.json');
    const headers = hmacHeaders(hubspot, body);
    const first = await deliver('hubspot-deal', body, headers);
    assert.equal(first.status, 200);
    const afterFirst = withoutVersion(stack.simulator.referral(seededIds.active));
    const second = await deliver('hubspot-deal', body, headers);
    assert.equal(second.status, 200);
    assert.deepEqual(withoutVersion(stack.simulator.referral(seededIds.active)), afterFirst);
    const [patch1, patch2] = patchesSent(stack.simulator);
    assert.deepEqual(patch2, patch1);
  });

  it('the same Standard Webhooks message twice (same webhook-id) is applied twice with the same result', async () => {
    const body = payload('generic-won.json');
    const headers = standardWebhooksHeaders(genericSecret, body);
    assert.equal((await deliver('generic', body, headers)).status, 200);
    assert.equal((await deliver('generic', body, headers)).status, 200);
    const referral = stack.simulator.referral(seededIds.incoming);
    assert.equal(`${String(referral?.status)}/${String(referral?.substatus)}`, 'Closed/Won');
  });
});

describe('a delivery that is not properly signed gets 401 and changes nothing', () => {
  const hubspotBody = payload('hubspot-deal-won.json');
  const genericBody = payload('generic-won.json');
  const now = Math.floor(Date.now() / 1000);
  const cases: {
    name: string;
    mapping: string;
    body: string;
    headers: () => Record<string, string>;
    reason: RegExp;
  }[] = [
    {
      name: 'HMAC: no signature',
      mapping: 'hubspot-deal',
      body: hubspotBody,
      headers: () => ({}),
      reason: /Missing x-signature/,
    },
    {
      name: 'HMAC: no timestamp',
      mapping: 'hubspot-deal',
      body: hubspotBody,
      headers: () => {
        const headers = hmacHeaders(hubspot, hubspotBody);
        delete headers['X-Request-Timestamp'];
        return headers;
      },
      reason: /Missing x-request-timestamp/,
    },
    {
      name: 'HMAC: wrong signature',
      mapping: 'hubspot-deal',
      body: hubspotBody,
      headers: () => ({ ...hmacHeaders(hubspot, hubspotBody), 'X-Signature': `sha256=${'0'.repeat(64)}` }),
      reason: /No matching signature/,
    },
    {
      name: 'HMAC: stale timestamp, correctly signed',
      mapping: 'hubspot-deal',
      body: hubspotBody,
      headers: () => hmacHeaders(hubspot, hubspotBody, now - 3600),
      reason: /outside the 300 s tolerance/,
    },
    {
      name: 'HMAC: timestamp from the future',
      mapping: 'hubspot-deal',
      body: hubspotBody,
      headers: () => hmacHeaders(hubspot, hubspotBody, now + 3600),
      reason: /outside the 300 s tolerance/,
    },
    {
      name: 'HMAC: wrong secret',
      mapping: 'hubspot-deal',
      body: hubspotBody,
      headers: () => hmacHeaders({ ...hubspot, secret: newHmacSecret() }, hubspotBody),
      reason: /No matching signature/,
    },
    {
      name: 'HMAC: tampered body',
      mapping: 'hubspot-deal',
      body: hubspotBody.replace('25000', '99999'),
      headers: () => hmacHeaders(hubspot, hubspotBody),
      reason: /No matching signature/,
    },
    {
      name: 'Standard Webhooks: no headers',
      mapping: 'generic',
      body: genericBody,
      headers: () => ({}),
      reason: /Missing required headers/,
    },
    {
      name: 'Standard Webhooks: wrong signature',
      mapping: 'generic',
      body: genericBody,
      headers: () => ({
        ...standardWebhooksHeaders(genericSecret, genericBody),
        'webhook-signature': `v1,${Buffer.alloc(32).toString('base64')}`,
      }),
      reason: /No matching signature/,
    },
    {
      name: 'Standard Webhooks: stale timestamp, correctly signed',
      mapping: 'generic',
      body: genericBody,
      headers: () => standardWebhooksHeaders(genericSecret, genericBody, new Date((now - 3600) * 1000)),
      reason: /timestamp too old/,
    },
    {
      name: 'Standard Webhooks: wrong secret',
      mapping: 'generic',
      body: genericBody,
      headers: () => standardWebhooksHeaders(newStandardWebhooksSecret(), genericBody),
      reason: /No matching signature/,
    },
    {
      name: 'Standard Webhooks: tampered body',
      mapping: 'generic',
      body: genericBody.replace('12000', '99999'),
      headers: () => standardWebhooksHeaders(genericSecret, genericBody),
      reason: /No matching signature/,
    },
  ];
  for (const testCase of cases) {
    it(testCase.name, async () => {
      const response = await deliver(testCase.mapping, testCase.body, testCase.headers());
      assert.equal(response.status, 401);
      const problem = await problemOf(response);
      assert.equal(problem.type, 'urn:referrals-facade:problem:webhook-signature-invalid');
      assert.match(problem.detail, testCase.reason);
      assert.equal(stack.simulator.calls.length, 0, 'nothing reached Partner Center');
    });
  }

  it('the secret never appears in an answer or a log line', async () => {
    const response = await deliver(
      'hubspot-deal',
      hubspotBody,
      hmacHeaders({ ...hubspot, secret: 'x' }, hubspotBody),
    );
    const text = await response.text();
    for (const secret of [hubspot.secret, dataverse.secret, genericSecret]) {
      assert.ok(!text.includes(secret));
      assert.ok(!stack.logs.some((line) => line.includes(secret)));
    }
  });
});

describe('webhook configuration problems stay with the webhooks', () => {
  it('a mapping whose secret is not set answers 503 and calls nothing; other endpoints keep working', async () => {
    const local = await startStack({
      WEBHOOK_MAPPINGS: JSON.stringify({
        mappings: {
          crm: {
            auth: { scheme: 'standard-webhooks', secretSetting: 'WEBHOOK_SECRET_MISSING' },
            referral: { id: 'referralId' },
            cases: [{ operation: 'accept' }],
          },
        },
      }),
    });
    try {
      const response = await fetch(`${local.api}/hooks/crm`, { method: 'POST', body: '{}' });
      assert.equal(response.status, 503);
      assert.match(
        ((await response.json()) as { detail: string }).detail,
        /WEBHOOK_SECRET_MISSING is not set/,
      );
      assert.equal(local.simulator.calls.length, 0);
      assert.equal((await fetch(`${local.api}/referrals/${seededIds.active}`)).status, 200);
    } finally {
      await local.close();
    }
  });

  it('an invalid mapping file answers 503 naming the field at fault', async () => {
    const local = await startStack({
      WEBHOOK_MAPPINGS: JSON.stringify({
        mappings: {
          crm: {
            auth: { scheme: 'standard-webhooks', secretSetting: 'WEBHOOK_SECRET_CRM' },
            referral: { id: 'referralId' },
            cases: [{ operation: 'close-won', fields: { amount: 'amount' } }],
          },
        },
      }),
    });
    try {
      const response = await fetch(`${local.api}/hooks/crm`, { method: 'POST', body: '{}' });
      assert.equal(response.status, 503);
      assert.match(
        ((await response.json()) as { detail: string }).detail,
        /mappings\.crm\.cases\.0\.fields\.amount: close-won takes no field "amount"/,
      );
    } finally {
      await local.close();
    }
  });
});
