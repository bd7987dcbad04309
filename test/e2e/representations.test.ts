/**
 * One schema truth: every referral the facade answers with fits both generated descriptions, the served OpenAPI
 * and the connector's Swagger, whichever way the upstream shaped it. The simulator answers as Partner Center's
 * samples do (a deal value of 0 as a number until the facade writes its decimal string); a stand-in upstream
 * answers the way a real Partner Center may, with numbers, nulls and fields nobody documented.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startLocalHost, type LocalHost } from '../../dev/host/server';
import { seededIds } from '../../dev/simulator/seed';
import { createServices, type FacadeServices } from '../../shared/app/services';
import { loadConfig } from '../../shared/config';
import { decimalString } from '../../shared/referral/representation';
import { call, type Answer } from '../support/http';
import { descriptionValidators } from '../support/schema-validators';
import { startStack, type Stack } from '../support/stack';

const validators = descriptionValidators();
const PREFER = { prefer: 'return=representation' };

/** The answer fits the named schema in both descriptions. */
function assertDeclared(schema: string, answer: Answer, label: string): void {
  assert.equal(answer.status, 200, `${label}: ${answer.text}`);
  assert.deepEqual(validators.openApi(schema, answer.json), [], `${label} against the OpenAPI ${schema}`);
  assert.deepEqual(
    validators.connector(schema, answer.json),
    [],
    `${label} against the connector's ${schema}`,
  );
}

const dealValueOf = (answer: Answer): unknown =>
  ((answer.json as { details?: { dealValue?: unknown } }).details ?? {}).dealValue;

describe('every representation the simulator returns fits both descriptions', () => {
  let stack: Stack;
  let validated = 0;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack.close();
    // Guards against a loop that silently checked nothing.
    assert.ok(validated >= 14, `validated ${String(validated)} representations`);
  });

  const check = (schema: string, answer: Answer, label: string) => {
    assertDeclared(schema, answer, label);
    validated++;
  };

  it('a read of each seeded referral, its stored 0 answered as the decimal string "0"', async () => {
    for (const id of Object.values(seededIds)) {
      const answer = await call(`${stack.api}/referrals/${id}`);
      check('Referral', answer, `GET ${id}`);
      assert.equal(dealValueOf(answer), '0');
    }
  });

  it('the search result, and each referral in it', async () => {
    const answer = await call(`${stack.api}/referrals?top=200`);
    check('ReferralSearchResult', answer, 'search');
    for (const referral of (answer.json as { value: unknown[] }).value) {
      assert.equal((referral as { details: { dealValue: unknown } }).details.dealValue, '0');
    }
  });

  it('the updated referral of every simplified operation that returns it', async () => {
    stack.simulator.reset();
    const steps: [string, string, unknown][] = [
      ['update-details', seededIds.active, { dealValue: 2500.5, notes: 'Checked' }],
      ['add-member', seededIds.active, { email: 'jane.doe@contoso.com', firstName: 'Jane', lastName: 'Doe' }],
      ['set-status', seededIds.incoming, { status: 'New', substatus: 'Received' }],
      ['accept', seededIds.incoming, {}],
      ['decline', seededIds.received, { statusReason: 'Out of region' }],
      ['close-lost', seededIds.incoming, { statusReason: null, notes: '' }],
      ['close-won', seededIds.active, { dealValue: 125000, currency: 'usd', closingDateTime: null }],
    ];
    for (const [operation, id, body] of steps) {
      const answer = await call(`${stack.api}/referrals/${id}/${operation}`, { body, headers: PREFER });
      check('Referral', answer, operation);
    }
    const won = await call(`${stack.api}/referrals/${seededIds.active}`);
    check('Referral', won, 'GET after close-won');
    assert.equal(dealValueOf(won), '125000');
  });

  it('a raw JSON Patch with the representation asked for', async () => {
    stack.simulator.reset();
    const answer = await call(`${stack.api}/referrals/${seededIds.active}`, {
      method: 'PATCH',
      body: [{ op: 'replace', path: '/salesStage', value: 'Propose' }],
      headers: PREFER,
    });
    check('Referral', answer, 'PATCH');
  });
});

describe('a maker’s nulls over HTTP', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack.close());

  it('close-won with a null closing date and null notes is applied (it was a 400 before)', async () => {
    const answer = await call(`${stack.api}/referrals/${seededIds.active}/close-won`, {
      body: { dealValue: 125000, currency: 'USD', closingDateTime: null, notes: null },
    });
    assert.equal(answer.status, 204, answer.text);
    const stored = stack.simulator.referral(seededIds.active);
    assert.equal(stored?.status, 'Closed');
    assert.equal((stored?.['details'] as { notes: unknown }).notes, '');
  });
});

/** A referral shaped as a real Partner Center may send it, not as its samples do. */
function unusualReferral(id: string, dealValue: unknown): Record<string, unknown> {
  return {
    id,
    name: null,
    status: 'Active',
    substatus: 'Accepted',
    statusReason: null,
    externalReferenceId: null,
    eTag: '"abc"',
    aFieldNobodyDocumented: { nested: [1, 2, 3] },
    customerProfile: { name: 'Fabrikam', address: null, team: null, size: null },
    details: { dealValue, currency: null, closingDateTime: null, notes: null },
    team: null,
  };
}

describe('a Partner Center that shapes referrals differently', () => {
  const amounts: [unknown, unknown][] = [
    [125000, '125000'],
    [2500.5, '2500.5'],
    [1e21, '1000000000000000000000'],
    [1e-7, '0.0000001'],
    ['10000.00', '10000.00'],
    [null, null],
  ];
  let upstream: Server;
  let host: LocalHost;
  let services: FacadeServices;
  let next: Record<string, unknown> = {};

  before(async () => {
    upstream = createServer((request, response) => {
      request.resume();
      const list = request.url?.startsWith('/v1.0/engagements/referrals?') ?? false;
      const body = list
        ? { value: amounts.map(([amount], index) => unusualReferral(`r-${String(index)}`, amount)) }
        : next;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const { port } = upstream.address() as AddressInfo;
    services = createServices(
      loadConfig({
        PARTNER_CENTER_BASE_URL: `http://127.0.0.1:${String(port)}`,
        PARTNER_CENTER_ACCESS_TOKEN: 'stand-in-token',
        PARTNER_CENTER_MAX_ATTEMPTS: '1',
      }),
    );
    host = await startLocalHost({ services: () => services, log: () => undefined });
  });
  after(async () => {
    await host.close();
    await services.close();
    upstream.closeAllConnections();
    await new Promise((resolve) => upstream.close(resolve));
  });

  for (const [amount, expected] of amounts) {
    it(`a read whose deal value is ${JSON.stringify(amount)} answers ${JSON.stringify(expected)}, and fits`, async () => {
      next = unusualReferral('r-1', amount);
      const answer = await call(`${host.url}/api/referrals/r-1`);
      assertDeclared('Referral', answer, `deal value ${String(amount)}`);
      assert.equal(dealValueOf(answer), expected);
      assert.deepEqual((answer.json as Record<string, unknown>)['aFieldNobodyDocumented'], {
        nested: [1, 2, 3],
      });
    });
  }

  it('an update answered with such a referral fits too', async () => {
    next = unusualReferral('r-2', 99.95);
    const answer = await call(`${host.url}/api/referrals/r-2/accept`, { body: {}, headers: PREFER });
    assertDeclared('Referral', answer, 'accept');
    assert.equal(dealValueOf(answer), '99.95');
  });

  it('a search over such referrals fits, every amount a decimal string or null', async () => {
    const answer = await call(`${host.url}/api/referrals?top=10`);
    assertDeclared('ReferralSearchResult', answer, 'search');
    const values = (answer.json as { value: { details: { dealValue: unknown } }[] }).value.map(
      (referral) => referral.details.dealValue,
    );
    assert.deepEqual(
      values,
      amounts.map(([, expected]) => expected),
    );
  });
});

describe('the decimal string of a JSON number', () => {
  it('is never in exponent notation and keeps every digit JSON gave', () => {
    assert.equal(decimalString(0), '0');
    assert.equal(decimalString(1e21), '1000000000000000000000');
    assert.equal(decimalString(1.5e-7), '0.00000015');
    // JSON.parse keeps what a double can hold; the string shows exactly that, nothing invented.
    assert.equal(decimalString(JSON.parse('123456789012345.1234') as number), '123456789012345.12');
  });
});
