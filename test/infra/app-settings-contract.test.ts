/**
 * One contract, tested from both sides: the app settings infra/ gives the function app are exactly the settings
 * the code reads (`configSettingNames` from shared/config), except for the platform settings and the local-only
 * settings listed, with reasons, below. Adding a setting to the code without the Bicep (or the reverse) fails here.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configSettingNames, isWebhookSettingName } from '../../shared/config';
import { referencedSymbols } from './support/bicep';
import { appSettings, secretSources } from './support/templates';

/** Settings the Functions host and its extensions read, never the facade's code. */
const platformSettings: ReadonlyMap<string, string> = new Map([
  [
    'AzureWebJobsStorage__credential',
    'host storage through a managed identity instead of a connection string',
  ],
  ['AzureWebJobsStorage__clientId', 'which identity: the user-assigned one'],
  ['AzureWebJobsStorage__blobServiceUri', 'the host storage account (blob is all an HTTP-only app needs)'],
  ['APPLICATIONINSIGHTS_CONNECTION_STRING', 'where telemetry goes (an address: local auth is off)'],
  ['APPLICATIONINSIGHTS_AUTHENTICATION_STRING', 'send telemetry with an Entra token of the identity'],
  ['FUNCTIONS_NODE_BLOCK_ON_ENTRY_POINT_ERROR', 'an import-time exception stops the host loudly'],
]);

/** Settings the code reads that production must not set. */
const localOnlySettings: ReadonlyMap<string, string> = new Map([
  [
    'PARTNER_CENTER_ACCESS_TOKEN',
    'a fixed access token for local runs and the simulator; in Azure the token comes from Key Vault, and a ' +
      'plain app setting would put a credential in the portal and the deployment history',
  ],
]);

const settings = appSettings();
const setByBicep = new Set(settings.map((setting) => setting.name));
const readByCode = new Set<string>(configSettingNames);

function valueOf(name: string) {
  const setting = settings.find((candidate) => candidate.name === name);
  assert.ok(setting, `${name} is set`);
  return setting.value;
}

describe('app settings contract (infra/ ↔ shared/config)', () => {
  it('sets each app setting once', () => {
    const names = settings.map((setting) => setting.name);
    assert.deepEqual(
      names.filter((name, index) => names.indexOf(name) !== index),
      [],
    );
  });

  it('sets every setting the code reads, except the local-only ones', () => {
    const missing = [...readByCode].filter((name) => !setByBicep.has(name) && !localOnlySettings.has(name));
    assert.deepEqual(missing, [], 'settings the code reads that the function app would not get');
  });

  it('sets nothing the code does not read, beyond the platform settings (webhook settings may be added)', () => {
    const unread = [...setByBicep].filter(
      (name) => !readByCode.has(name) && !platformSettings.has(name) && !isWebhookSettingName(name),
    );
    assert.deepEqual(unread, [], 'app settings nothing reads');
  });

  it('never sets a local-only setting in Azure', () => {
    for (const name of localOnlySettings.keys()) {
      assert.ok(readByCode.has(name), `${name} is still a setting of the code (else drop it from the list)`);
      assert.ok(!setByBicep.has(name), `${name} is not an app setting`);
    }
  });

  it('keeps the platform list honest: each entry is set, and none is read by the code', () => {
    for (const name of platformSettings.keys()) {
      assert.ok(setByBicep.has(name), `${name} is set by the Bicep`);
      assert.ok(
        !readByCode.has(name),
        `${name} is read by the code, so it belongs to the contract, not the platform`,
      );
    }
  });

  it('holds no key or secret in any value (the connection string is an address while local auth is off)', () => {
    for (const setting of settings) {
      const sources = secretSources(setting.site.file, setting.value);
      const expected =
        setting.name === 'APPLICATIONINSIGHTS_CONNECTION_STRING' ? ['reads .ConnectionString'] : [];
      assert.deepEqual(sources, expected, setting.name);
    }
  });

  it('leaves out what Flex Consumption configures elsewhere or rejects, and storage connection strings', () => {
    for (const name of [
      'AzureWebJobsStorage',
      'FUNCTIONS_WORKER_RUNTIME',
      'FUNCTIONS_EXTENSION_VERSION',
      'WEBSITE_NODE_DEFAULT_VERSION',
      'WEBSITE_RUN_FROM_PACKAGE',
      'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING',
      'WEBSITE_CONTENTSHARE',
      'APPINSIGHTS_INSTRUMENTATIONKEY',
    ]) {
      assert.ok(!setByBicep.has(name), name);
    }
  });

  it('points the identity settings at the user-assigned identity, and the vault at the vault', () => {
    for (const name of [
      'AzureWebJobsStorage__clientId',
      'AZURE_CLIENT_ID',
      'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
    ]) {
      assert.deepEqual(referencedSymbols(valueOf(name)), ['identityClientId'], name);
    }
    assert.deepEqual(referencedSymbols(valueOf('KEY_VAULT_URL')), ['keyVaultUri']);
    assert.deepEqual(referencedSymbols(valueOf('KEY_VAULT_SECRET_REFRESH_TOKEN')), [
      'refreshTokenSecretName',
    ]);
  });
});
