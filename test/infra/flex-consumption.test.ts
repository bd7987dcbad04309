/**
 * The function app, as the compiled template would create it, sets nothing that Flex Consumption refuses or
 * ignores, according to the rule table in flex-consumption-rules.ts and its sources.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { skipWithoutBicep } from './support/compile';
import { appSettingsOf, at, deployed, ofType } from './support/deployment';
import { flexConsumptionRules } from './flex-consumption-rules';

describe('the Flex Consumption rule table', () => {
  it('gives every rule a reason and a source', () => {
    for (const rule of flexConsumptionRules) {
      assert.ok(rule.why.length > 10, `${rule.name} says why`);
      assert.ok(rule.source.length > 20, `${rule.name} cites its source`);
    }
  });

  it('covers the four siteConfig properties of the ARM error and the settings Microsoft lists', () => {
    const names = new Set(flexConsumptionRules.map((rule) => rule.name));
    for (const name of [
      'ftpsState',
      'use32BitWorkerProcess',
      'netFrameworkVersion',
      'functionsRuntimeScaleMonitoringEnabled',
      'alwaysOn',
      'linuxFxVersion',
      'FUNCTIONS_WORKER_RUNTIME',
      'FUNCTIONS_EXTENSION_VERSION',
      'WEBSITE_RUN_FROM_PACKAGE',
      'WEBSITE_CONTENTSHARE',
      'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING',
      'WEBSITE_NODE_DEFAULT_VERSION',
    ]) {
      assert.ok(names.has(name), name);
    }
  });
});

describe('the function app on Flex Consumption', { skip: skipWithoutBicep() }, () => {
  const flexSites = () =>
    ofType(deployed(), 'Microsoft.Web/sites').filter(
      (site) => at(site, 'properties.functionAppConfig') !== undefined,
    );

  it('is the only kind of site deployed', () => {
    assert.equal(flexSites().length, ofType(deployed(), 'Microsoft.Web/sites').length);
    assert.ok(flexSites().length > 0);
  });

  it('sets no siteConfig property the table refuses or deprecates', () => {
    for (const site of flexSites()) {
      const siteConfig = at(site, 'properties.siteConfig');
      const keys = new Set(
        typeof siteConfig === 'object' && siteConfig !== null ? Object.keys(siteConfig) : [],
      );
      const broken = flexConsumptionRules
        .filter(
          (rule) =>
            rule.where === 'siteConfig' &&
            [...keys].some((key) => key.toLowerCase() === rule.name.toLowerCase()),
        )
        .map((rule) => `${rule.name} (${rule.effect}: ${rule.why})`);
      assert.deepEqual(broken, []);
    }
  });

  it('sets no app setting the table refuses or deprecates (names are case-insensitive)', () => {
    for (const site of flexSites()) {
      const names = [...appSettingsOf(site).keys()].map((name) => name.toUpperCase());
      const broken = flexConsumptionRules
        .filter((rule) => rule.where === 'appSettings' && names.includes(rule.name.toUpperCase()))
        .map((rule) => `${rule.name} (${rule.effect}: ${rule.why})`);
      assert.deepEqual(broken, []);
    }
  });
});
