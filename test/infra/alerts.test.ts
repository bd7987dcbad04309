/**
 * The alert rules watch what the app and Key Vault really record. Each operator event a rule keys on is one the
 * credential code emits (read from shared/credentials), and every error-level credential event has a rule.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { DeployedResource } from './support/arm';
import { skipWithoutBicep } from './support/compile';
import { at, deployed, ofType, provision, single, text } from './support/deployment';
import { repositoryRoot } from './support/paths';
import { operatorEvents } from '../../shared/credentials/refresh-token-source';

/**
 * The operator events the credential code emits, by level: `log.error('event', …)` calls in shared/credentials,
 * and the declared `operatorEvents`.
 */
function emittedEvents(): Map<string, string> {
  const directory = join(repositoryRoot, 'shared', 'credentials');
  const events = new Map<string, string>();
  for (const file of readdirSync(directory).filter((name) => name.endsWith('.ts'))) {
    const source = readFileSync(join(directory, file), 'utf8');
    for (const match of source.matchAll(/\blog\.(error|warn|info)\(\s*'([a-z-]+)'/g)) {
      if (match[1] && match[2]) events.set(match[2], match[1]);
    }
  }
  for (const { event, level } of Object.values(operatorEvents)) events.set(event, level);
  return events;
}

const rules = () => ofType(deployed(), 'Microsoft.Insights/scheduledQueryRules');
const queryOf = (rule: DeployedResource) => {
  const criteria = at(rule, 'properties.criteria.allOf');
  assert.ok(Array.isArray(criteria) && criteria.length === 1);
  const [criterion] = criteria;
  assert.ok(typeof criterion === 'object' && criterion !== null && !Array.isArray(criterion));
  return text(criterion['query']);
};
const ruleNamed = (suffix: string) => {
  const rule = rules().find((candidate) => candidate.name.endsWith(suffix));
  assert.ok(rule, `an alert rule named …${suffix}`);
  return rule;
};
const quotedEvents = (query: string) =>
  [...query.matchAll(/['"]([a-z]+(?:-[a-z]+)+)['"]/g)].map((m) => m[1] ?? '');

describe('credential alerts', { skip: skipWithoutBicep() }, () => {
  it('key only on operator events the credential code emits', () => {
    const emitted = emittedEvents();
    assert.ok(emitted.size >= 5, `found ${emitted.size} events in shared/credentials`);
    for (const rule of rules()) {
      const unknown = quotedEvents(queryOf(rule)).filter(
        (event) => !emitted.has(event) && !event.startsWith('read-but'),
      );
      assert.deepEqual(unknown, [], rule.name);
    }
  });

  it('cover every error-level credential event', () => {
    const watched = new Set(rules().flatMap((rule) => quotedEvents(queryOf(rule))));
    const errors = [...emittedEvents()].filter(([, level]) => level === 'error').map(([event]) => event);
    assert.deepEqual(
      errors.filter((event) => !watched.has(event)),
      [],
    );
  });

  it("fire within minutes on refused or unreadable credentials, from the app's Application Insights", () => {
    const rule = ruleNamed('-credentials-failing');
    assert.deepEqual(at(rule, 'properties.scopes'), [single(deployed(), 'Microsoft.Insights/components').id]);
    assert.equal(at(rule, 'properties.evaluationFrequency'), 'PT5M');
    assert.equal(at(rule, 'properties.severity'), 1);
    assert.match(queryOf(rule), /^traces \|/);
  });

  it("warn daily while the refresh token is not rotated, from the workspace that holds the vault's audit log", () => {
    const rule = ruleNamed('-refresh-token-ageing');
    assert.deepEqual(at(rule, 'properties.scopes'), [
      single(deployed(), 'Microsoft.OperationalInsights/workspaces').id,
    ]);
    assert.equal(at(rule, 'properties.evaluationFrequency'), 'P1D');
    const query = queryOf(rule);
    assert.match(
      query,
      /"\/secrets\/partner-center-refresh-token"/,
      'reads the audit log of the refresh-token secret',
    );
    assert.match(query, /OperationName == "SecretSet"/);
    assert.match(query, /AppTraces/);
  });

  it('warn hourly from 14 days before the refresh token or the app credential expires', () => {
    const rule = ruleNamed('-credentials-expiring');
    assert.equal(at(rule, 'properties.evaluationFrequency'), 'PT1H');
    assert.equal(at(rule, 'properties.severity'), 2);
    assert.deepEqual(quotedEvents(queryOf(rule)).sort(), [
      'app-credential-expiring',
      'refresh-token-expiring',
    ]);
  });

  it('are enabled, and notify the action group the azd environment names', () => {
    const group = '/subscriptions/x/resourceGroups/ops/providers/Microsoft.Insights/actionGroups/on-call';
    for (const rule of rules()) {
      assert.equal(at(rule, 'properties.enabled'), true, rule.name);
      assert.deepEqual(at(rule, 'properties.actions'), {}, `${rule.name}: portal only by default`);
    }
    for (const rule of ofType(
      provision({ ALERT_ACTION_GROUP_RESOURCE_ID: group }),
      'Microsoft.Insights/scheduledQueryRules',
    )) {
      assert.deepEqual(at(rule, 'properties.actions'), { actionGroups: [group] }, rule.name);
    }
  });
});
