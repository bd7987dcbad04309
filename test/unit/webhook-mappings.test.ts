import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { loadMappings, WebhookConfigError } from '../../shared/webhooks/load-mappings';
import { ForeignNextLinkError, pageUrl } from '../../shared/upstream/referral-list';
import { hasUnconfirmedCriteria, matchesCriteria, odataQuery } from '../../shared/referral-search/query';

const valid = {
  auth: { scheme: 'standard-webhooks', secretSetting: 'WEBHOOK_SECRET_CRM' },
  referral: { id: 'referralId' },
  cases: [{ operation: 'close-won', fields: { dealValue: 'amount' } }],
};

function problemsOf(mappings: unknown): string[] {
  try {
    loadMappings({ mappingsJson: JSON.stringify({ mappings }) });
  } catch (error) {
    if (error instanceof WebhookConfigError) return [...error.problems];
    throw error;
  }
  assert.fail('expected the configuration to be refused');
}

describe('webhook mapping configuration', () => {
  it('the shipped examples load', () => {
    const file = loadMappings({ mappingsFile: resolve(__dirname, '../../examples/webhooks/mappings.json') });
    assert.deepEqual(Object.keys(file.mappings), ['hubspot-deal', 'dataverse-opportunity', 'generic']);
  });

  it('no configuration means no mappings', () => {
    assert.deepEqual(loadMappings({}), { mappings: {} });
  });

  it('a JMESPath syntax error is refused when loading, naming where it is', () => {
    const [problem] = problemsOf({ crm: { ...valid, referral: { id: 'referral[' } } });
    assert.match(problem ?? '', /^WEBHOOK_MAPPINGS mappings\.crm\.referral.*not a valid JMESPath expression/);
  });

  it('a field the operation does not take is refused', () => {
    assert.deepEqual(
      problemsOf({ crm: { ...valid, cases: [{ operation: 'accept', fields: { notes: 'n' } }] } }),
      [
        'WEBHOOK_MAPPINGS mappings.crm.cases.0.fields.notes: accept takes no field "notes" (it takes no fields)',
      ],
    );
  });

  it('a secret cannot be written into the mapping, only named by a WEBHOOK_SECRET_ setting', () => {
    const inline = problemsOf({ crm: { ...valid, auth: { ...valid.auth, secret: 'whsec_abc' } } });
    assert.ok(inline.some((problem) => /Unrecognized key.*secret/i.test(problem)));
    const other = problemsOf({
      crm: { ...valid, auth: { ...valid.auth, secretSetting: 'PARTNER_CENTER_ACCESS_TOKEN' } },
    });
    assert.match(other[0] ?? '', /must name an app setting that starts with WEBHOOK_SECRET_/);
  });

  it('an unknown operation or scheme is refused', () => {
    assert.match(
      problemsOf({ crm: { ...valid, cases: [{ operation: 'delete' }] } })[0] ?? '',
      /must be one of close-won/,
    );
    assert.match(
      problemsOf({ crm: { ...valid, auth: { scheme: 'basic', secretSetting: 'WEBHOOK_SECRET_X' } } })[0] ??
        '',
      /scheme must be/,
    );
  });

  it('inline JSON and a file together are refused', () => {
    assert.throws(() => loadMappings({ mappingsJson: '{}', mappingsFile: 'x.json' }), WebhookConfigError);
  });
});

describe('search translation', () => {
  it('quotes string literals the OData way, doubling embedded quotes', () => {
    const query = odataQuery(
      { teamMemberEmail: "o'brien@contoso.com", top: 5 },
      { includeUnconfirmed: true },
    );
    assert.equal(query['$filter'], "team/any(t:t/email eq 'o''brien@contoso.com')");
  });

  it('updatedSince and externalReferenceId are unconfirmed: dropped on request, and no $top then', () => {
    const criteria = { updatedSince: '2026-10-01T00:00:00.000Z', status: 'Active' as const, top: 5 };
    assert.ok(hasUnconfirmedCriteria(criteria));
    assert.deepEqual(odataQuery(criteria, { includeUnconfirmed: false }), {
      $filter: "status eq 'Active'",
      $orderby: 'updatedDateTime desc',
    });
    assert.equal(
      odataQuery(criteria, { includeUnconfirmed: true })['$filter'],
      "status eq 'Active' and updatedDateTime ge 2026-10-01T00:00:00.000Z",
    );
  });

  it('the local check reads referrals leniently', () => {
    assert.ok(
      matchesCriteria(
        { status: 'active', team: [{ email: 'Jane@Contoso.com' }] },
        {
          status: 'Active',
          teamMemberEmail: 'jane@contoso.com',
        },
      ),
    );
    assert.ok(!matchesCriteria({ status: 'Active' }, { teamMemberEmail: 'jane@contoso.com' }));
    assert.ok(!matchesCriteria('not a referral', {}));
  });
});

describe('the referral list follows next links only within itself', () => {
  const base = 'https://api.partner.microsoft.com';

  it('accepts absolute and relative links to the list', () => {
    assert.equal(
      pageUrl(base, { kind: 'next', nextLink: '/v1.0/engagements/referrals?$skiptoken=abc' }).href,
      'https://api.partner.microsoft.com/v1.0/engagements/referrals?$skiptoken=abc',
    );
    pageUrl(base, {
      kind: 'next',
      nextLink: 'https://api.partner.microsoft.com/v1.0/engagements/referrals?x=1',
    });
  });

  it('refuses a link to another host or resource, so the token is never sent there', () => {
    for (const nextLink of [
      'https://attacker.example/v1.0/engagements/referrals?$skiptoken=1',
      'http://api.partner.microsoft.com/v1.0/engagements/referrals',
      'https://api.partner.microsoft.com/v1.0/other',
    ]) {
      assert.throws(() => pageUrl(base, { kind: 'next', nextLink }), ForeignNextLinkError, nextLink);
    }
  });
});
