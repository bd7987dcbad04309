/**
 * One contract, tested from both sides: the app settings infra/ gives the function app are exactly the settings
 * the code reads (`configSettingNames`, `durableSettingNames` and `eventSweepSettingNames` from shared/config),
 * except for the platform settings, the optional settings and the local-only settings listed, with reasons, below.
 * The values are checked as Azure would resolve them: each identity setting names the app's identity, each address
 * the resource the template creates.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  configSettingNames,
  defaultEventDeliverySettings,
  durableSettingNames,
  eventDeliverySettingNames,
  eventSweepSettingNames,
  isWebhookSettingName,
  loadEventSweepSettings,
} from '../../shared/config';
import {
  defaultCertificateHosts,
  defaultRequiredOrganization,
  eventSignatureSettingNames,
} from '../../shared/event-signature';
import { runtimeProperties, type Json } from './support/arm';
import { compiledInfra, skipWithoutBicep } from './support/compile';
import { appSettingsOf, deployed, identityOf, provision, single, text } from './support/deployment';

/** Settings the Functions host and its extensions read, never the facade's code. */
const platformSettings: ReadonlyMap<string, string> = new Map([
  [
    'AzureWebJobsStorage__credential',
    'host storage through a managed identity instead of a connection string',
  ],
  ['AzureWebJobsStorage__clientId', 'which identity: the user-assigned one'],
  [
    'AzureWebJobsStorage__blobServiceUri',
    "the host storage account: blob is all the host needs (its keys, the events-sweep timer's lock and schedule monitor)",
  ],
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
  [
    'DURABLE_STORAGE',
    'a storage connection string (Azurite locally); in Azure the identity-based DURABLE_STORAGE__* settings ' +
      'are used, and the account refuses shared keys',
  ],
  [
    'EVENTS_ALLOW_HTTP_CERTIFICATE_URLS',
    'lets the receiver fetch a signing certificate over plain http, for the local simulator; in Azure it would ' +
      'let anyone between the app and the certificate host swap the certificate',
  ],
  [
    'EVENTS_ALLOW_PRIVATE_DESTINATIONS',
    'lets subscribers register http and loopback URLs, for local runs; in Azure it would let a subscription ' +
      "make the app call its own network's private addresses",
  ],
]);

/** Settings the code reads that infra sets only when its parameter is given; unset, the code's default applies. */
const optionalSettings: ReadonlyMap<string, string> = new Map([
  [
    'EVENTS_TRUSTED_ROOTS',
    "PEM roots for the event signature's chain (parameter eventsTrustedRoots); unset, the code uses " +
      "Microsoft's roots from Node.js's own certificate bundle",
  ],
]);

const settings = () => appSettingsOf(single(deployed(), 'Microsoft.Web/sites'));
/** What the code reads. */
const readByCode = new Set<string>([
  ...configSettingNames,
  ...durableSettingNames,
  ...eventSweepSettingNames,
  ...eventDeliverySettingNames,
  ...eventSignatureSettingNames,
]);

describe('app settings contract (infra/ ↔ shared/config)', { skip: skipWithoutBicep() }, () => {
  it('sets every setting the code reads, except the local-only and the optional ones', () => {
    const missing = [...readByCode].filter(
      (name) => !settings().has(name) && !localOnlySettings.has(name) && !optionalSettings.has(name),
    );
    assert.deepEqual(missing, [], 'settings the code reads that the function app would not get');
  });

  it('sets nothing the code does not read, beyond the platform settings (webhook settings may be added)', () => {
    const unread = [...settings().keys()].filter(
      (name) => !readByCode.has(name) && !platformSettings.has(name) && !isWebhookSettingName(name),
    );
    assert.deepEqual(unread, [], 'app settings nothing reads');
  });

  it('never sets a local-only setting in Azure', () => {
    for (const name of localOnlySettings.keys()) {
      assert.ok(readByCode.has(name), `${name} is still a setting of the code (else drop it from the list)`);
      assert.ok(!settings().has(name), `${name} is not an app setting`);
    }
  });

  it('never lets a parameter set a local-only setting: no compiled template names one', () => {
    const templates = JSON.stringify(compiledInfra().templates);
    for (const name of localOnlySettings.keys()) {
      for (const quoted of [`'${name}'`, `"${name}"`]) {
        assert.ok(!templates.includes(quoted), `${name} appears in a compiled template`);
      }
    }
  });

  it('leaves each optional setting unset by default, and keeps the list honest: the code reads each', () => {
    for (const name of optionalSettings.keys()) {
      assert.ok(readByCode.has(name), `${name} is still a setting of the code (else drop it from the list)`);
      assert.ok(!settings().has(name), `${name} is unset when its parameter is not given`);
    }
  });

  it('keeps the platform list honest: each entry is set, and none is read by the code', () => {
    for (const name of platformSettings.keys()) {
      assert.ok(settings().has(name), `${name} is set by the Bicep`);
      assert.ok(
        !readByCode.has(name),
        `${name} is read by the code, so it belongs to the contract, not the platform`,
      );
    }
  });

  it('gives every value as a string, the only type Azure stores', () => {
    for (const [name, value] of settings()) assert.equal(typeof value, 'string', name);
  });
});

describe('app setting values', { skip: skipWithoutBicep() }, () => {
  const value = (name: string): Json | undefined => settings().get(name);

  it("select the app's user-assigned identity by its client id (not its principal id) for storage, Key Vault and telemetry", () => {
    const { clientId } = identityOf();
    assert.equal(value('AzureWebJobsStorage__credential'), 'managedidentity');
    assert.equal(value('AzureWebJobsStorage__clientId'), clientId);
    assert.equal(value('AZURE_CLIENT_ID'), clientId);
    assert.equal(
      value('APPLICATIONINSIGHTS_AUTHENTICATION_STRING'),
      `ClientId=${clientId};Authorization=AAD`,
    );
  });

  it("reach the asynchronous mode's queue and table in the app's own storage account through its identity", () => {
    const account = single(deployed(), 'Microsoft.Storage/storageAccounts');
    const { clientId } = identityOf();
    assert.equal(
      value('DURABLE_STORAGE__queueServiceUri'),
      `https://${account.name}.queue.core.windows.net/`,
    );
    assert.equal(
      value('DURABLE_STORAGE__tableServiceUri'),
      `https://${account.name}.table.core.windows.net/`,
    );
    assert.equal(value('DURABLE_STORAGE__credential'), 'managedidentity');
    assert.equal(value('DURABLE_STORAGE__clientId'), clientId);
    assert.deepEqual(
      ['OPERATION_MAX_ATTEMPTS', 'OPERATION_RETRY_BASE_SECONDS', 'OPERATION_RETRY_MAX_SECONDS'].map(value),
      ['12', '30', '3600'],
    );
  });

  it("carry the events settings with the code's defaults: the sweep's window, and the certificate hosts and organisation the signature check accepts", () => {
    const sweep = loadEventSweepSettings({});
    assert.equal(value('EVENTS_SWEEP_GRACE_SECONDS'), String(sweep.graceMs / 1_000));
    assert.equal(value('EVENTS_SWEEP_FIRST_LOOKBACK_HOURS'), String(sweep.firstLookbackMs / 3_600_000));
    assert.equal(value('EVENTS_CERTIFICATE_HOSTS'), defaultCertificateHosts.join(','));
    assert.equal(value('EVENTS_REQUIRED_ORGANIZATION'), defaultRequiredOrganization);
    assert.equal(value('EVENTS_TRUSTED_ROOTS'), undefined);
  });

  it("carry the event delivery settings with the code's defaults", () => {
    const delivery = defaultEventDeliverySettings;
    assert.equal(value('EVENTS_DELIVERY_MAX_ATTEMPTS'), String(delivery.maxAttempts));
    assert.equal(value('EVENTS_RETRY_BASE_SECONDS'), String(delivery.retryBaseMs / 1_000));
    assert.equal(value('EVENTS_RETRY_MAX_SECONDS'), String(delivery.retryMaxMs / 1_000));
    assert.equal(value('EVENTS_DELIVERY_TIMEOUT_SECONDS'), String(delivery.timeoutMs / 1_000));
  });

  it('carry the events parameters as given: the hosts as one comma list, the trusted roots only when set', () => {
    const roots = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';
    const given = appSettingsOf(
      single(
        provision({}, undefined, {
          eventsCertificateHosts: ['.blob.core.windows.net', 'certs.example.com'],
          eventsRequiredOrganization: 'Contoso Ltd',
          eventsTrustedRoots: roots,
        }),
        'Microsoft.Web/sites',
      ),
    );
    assert.equal(given.get('EVENTS_CERTIFICATE_HOSTS'), '.blob.core.windows.net,certs.example.com');
    assert.equal(given.get('EVENTS_REQUIRED_ORGANIZATION'), 'Contoso Ltd');
    assert.equal(given.get('EVENTS_TRUSTED_ROOTS'), roots);
    assert.throws(() => provision({}, undefined, { eventsCertificateHosts: [] }), /shorter than 1/);
  });

  it('point at the resources the template creates', () => {
    const account = single(deployed(), 'Microsoft.Storage/storageAccounts');
    const vault = single(deployed(), 'Microsoft.KeyVault/vaults');
    const component = single(deployed(), 'Microsoft.Insights/components');
    assert.equal(
      value('AzureWebJobsStorage__blobServiceUri'),
      `https://${account.name}.blob.core.windows.net/`,
    );
    assert.equal(value('KEY_VAULT_URL'), `https://${vault.name}.vault.azure.net/`);
    assert.equal(
      value('APPLICATIONINSIGHTS_CONNECTION_STRING'),
      runtimeProperties(component.type, component.id, component.name, 'westeurope')['ConnectionString'],
    );
    assert.equal(value('AZURE_AUTHORITY_HOST'), 'https://login.microsoftonline.com/');
  });

  it('name the secrets the outputs name (the bootstrap writes those)', () => {
    const outputs = deployed().outputs;
    assert.equal(value('KEY_VAULT_SECRET_CLIENT_ID'), outputs['PARTNER_CENTER_CLIENT_ID_SECRET_NAME']);
    assert.equal(
      value('KEY_VAULT_SECRET_CLIENT_SECRET'),
      outputs['PARTNER_CENTER_CLIENT_SECRET_SECRET_NAME'],
    );
    assert.equal(value('KEY_VAULT_SECRET_TENANT_ID'), outputs['PARTNER_CENTER_TENANT_ID_SECRET_NAME']);
    assert.equal(
      value('KEY_VAULT_SECRET_REFRESH_TOKEN'),
      outputs['PARTNER_CENTER_REFRESH_TOKEN_SECRET_NAME'],
    );
  });

  it('carry the tunables as the decimal strings the code parses', () => {
    assert.deepEqual(
      Object.fromEntries(
        [
          'PARTNER_CENTER_TIMEOUT_MS',
          'PARTNER_CENTER_DEADLINE_MS',
          'PARTNER_CENTER_MAX_ATTEMPTS',
          'KEY_VAULT_SECRET_CACHE_SECONDS',
          'REFRESH_TOKEN_WRITE_INTERVAL_MINUTES',
          'FUNCTIONS_NODE_BLOCK_ON_ENTRY_POINT_ERROR',
        ].map((name) => [name, value(name)]),
      ),
      {
        PARTNER_CENTER_TIMEOUT_MS: '30000',
        PARTNER_CENTER_DEADLINE_MS: '60000',
        PARTNER_CENTER_MAX_ATTEMPTS: '4',
        KEY_VAULT_SECRET_CACHE_SECONDS: '300',
        REFRESH_TOKEN_WRITE_INTERVAL_MINUTES: '1440',
        FUNCTIONS_NODE_BLOCK_ON_ENTRY_POINT_ERROR: 'true',
      },
    );
    assert.equal(value('PARTNER_CENTER_BASE_URL'), 'https://api.partner.microsoft.com');
    assert.equal(value('PARTNER_CENTER_TOKEN_SCOPE'), 'https://api.partner.microsoft.com/.default');
  });

  it('hold no key or secret: the instrumentation key appears only inside the connection string, an address while local auth is off', () => {
    const component = single(deployed(), 'Microsoft.Insights/components');
    const key = text(
      runtimeProperties(component.type, component.id, component.name, '')['InstrumentationKey'],
    );
    const carrying = [...settings()].filter(([, v]) => JSON.stringify(v).includes(key)).map(([name]) => name);
    assert.deepEqual(carrying, ['APPLICATIONINSIGHTS_CONNECTION_STRING']);
    const outputs = JSON.stringify(provision().outputs);
    assert.ok(!outputs.includes(key), 'no output carries the instrumentation key');
  });
});
