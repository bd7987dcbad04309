/**
 * `npm run test:infra-mutations`: how many realistic template mistakes the infrastructure tests catch. Each
 * mutation is applied alone to a scratch copy of infra/, and the infra tests run against that copy (INFRA_DIR)
 * with CI=true, so a missing Bicep CLI fails rather than skips. A mutation is caught when the tests fail.
 * The unmutated copy must pass first, or nothing here means anything. Exits 1 unless every mutation is caught.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Mutation {
  readonly name: string;
  /** Path under infra/. */
  readonly file: string;
  readonly from: string;
  readonly to: string;
}

export const mutations: readonly Mutation[] = [
  {
    name: 'principal id swapped for the client id in a role assignment',
    file: 'main.bicep',
    from: 'appPrincipalId: identity.outputs.principalId',
    to: 'appPrincipalId: identity.outputs.clientId',
  },
  {
    name: 'client id swapped for the principal id in the app settings',
    file: 'main.bicep',
    from: 'identityClientId: identity.outputs.clientId',
    to: 'identityClientId: identity.outputs.principalId',
  },
  {
    name: 'a mistyped module output',
    file: 'main.bicep',
    from: 'keyVaultUri: keyVault.outputs.uri',
    to: 'keyVaultUri: keyVault.outputs.url',
  },
  {
    name: 'the vault name passed where its URI belongs',
    file: 'main.bicep',
    from: 'keyVaultUri: keyVault.outputs.uri',
    to: 'keyVaultUri: keyVault.outputs.name',
  },
  {
    name: 'a required module parameter dropped',
    file: 'main.bicep',
    from: '    deploymentContainerName: deploymentContainerName\n    blobDataOwnerPrincipalId',
    to: '    blobDataOwnerPrincipalId',
  },
  {
    name: 'a nonexistent API version',
    file: 'app/key-vault.bicep',
    from: "'Microsoft.KeyVault/vaults@2023-07-01' = {",
    to: "'Microsoft.KeyVault/vaults@2023-13-01' = {",
  },
  {
    name: 'alwaysOn added to the Flex Consumption site',
    file: 'app/function-app.bicep',
    from: "      minTlsVersion: '1.2'\n",
    to: "      minTlsVersion: '1.2'\n      alwaysOn: true\n",
  },
  {
    name: 'linuxFxVersion added to the Flex Consumption site',
    file: 'app/function-app.bicep',
    from: "      minTlsVersion: '1.2'\n",
    to: "      minTlsVersion: '1.2'\n      linuxFxVersion: 'Node|22'\n",
  },
  {
    name: 'ftpsState put back on the Flex Consumption site',
    file: 'app/function-app.bicep',
    from: "      scmMinTlsVersion: '1.2'\n",
    to: "      scmMinTlsVersion: '1.2'\n      ftpsState: 'Disabled'\n",
  },
  {
    name: 'a misspelled runtime name',
    file: 'app/function-app.bicep',
    from: "        name: 'node'\n",
    to: "        name: 'nodejs'\n",
  },
  {
    name: 'a misspelled scale property',
    file: 'app/function-app.bicep',
    from: '        maximumInstanceCount: maximumInstanceCount\n',
    to: '        maximumInstanceCont: maximumInstanceCount\n',
  },
  {
    name: 'a string given to an int parameter (azd environment default)',
    file: 'main.parameters.json',
    from: '${MAXIMUM_INSTANCE_COUNT=10}',
    to: '${MAXIMUM_INSTANCE_COUNT=ten}',
  },
  {
    name: 'a wrong storage credential value',
    file: 'app/function-app.bicep',
    from: "name: 'AzureWebJobsStorage__credential'\n          value: 'managedidentity'",
    to: "name: 'AzureWebJobsStorage__credential'\n          value: 'managed-identity'",
  },
  {
    name: 'the asynchronous mode pointed at the blob endpoint',
    file: 'app/function-app.bicep',
    from: 'value: storageAccount.properties.primaryEndpoints.queue',
    to: 'value: storageAccount.properties.primaryEndpoints.blob',
  },
  {
    name: 'the durable connection left without the user-assigned identity',
    file: 'app/function-app.bicep',
    from: "name: 'DURABLE_STORAGE__clientId'\n          value: identityClientId",
    to: "name: 'DURABLE_STORAGE__clientId'\n          value: ''",
  },
  {
    name: 'the table role granted on the whole storage account',
    file: 'app/storage.bicep',
    from: '  scope: operationsTable\n',
    to: '  scope: storageAccount\n',
  },
  {
    name: 'a queue role granted on the whole storage account',
    file: 'app/storage.bicep',
    from: "  scope: poisonQueue\n  properties: {\n    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataMessageSenderRoleId)",
    to: "  scope: storageAccount\n  properties: {\n    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataMessageSenderRoleId)",
  },
  {
    name: 'the poison queue named other than the Functions host expects',
    file: 'app/storage.bicep',
    from: "name: '${operationsQueueName}-poison'",
    to: "name: '${operationsQueueName}-dead'",
  },
  {
    name: 'the work queue named other than the trigger reads',
    file: 'main.bicep',
    from: "operationsQueueName: 'referral-operations'",
    to: "operationsQueueName: 'referral-operation'",
  },
  {
    name: 'an events table role granted on the whole storage account',
    file: 'app/storage.bicep',
    from: '    scope: eventsTables[index]\n',
    to: '    scope: storageAccount\n',
  },
  {
    name: 'the events poison queue named other than the Functions host expects',
    file: 'app/storage.bicep',
    from: "name: '${eventsQueueName}-poison'",
    to: "name: '${eventsQueueName}-failed'",
  },
  {
    name: 'an events table left out',
    file: 'main.bicep',
    from: "      'eventDeliveries'\n",
    to: '',
  },
  {
    name: 'the events queues without Message Sender (the receiver and the sweep could not enqueue)',
    file: 'app/storage.bicep',
    from: '  storageQueueDataMessageSenderRoleId\n]',
    to: ']',
  },
  {
    name: 'the local-only http certificate switch turned on in Azure',
    file: 'app/function-app.bicep',
    from: '        ...eventsTrustedRootsSettings\n',
    to: "        ...eventsTrustedRootsSettings\n        {\n          name: 'EVENTS_ALLOW_HTTP_CERTIFICATE_URLS'\n          value: 'true'\n        }\n",
  },
  {
    name: "the sweep's grace window written with a unit, which the code's integer parse refuses",
    file: 'app/function-app.bicep',
    from: 'value: string(eventsSweepGraceSeconds)',
    to: "value: '${eventsSweepGraceSeconds}s'",
  },
  {
    name: "the host storage role downgraded to Blob Data Reader (no lease for the timer's lock)",
    file: 'app/storage.bicep',
    from: "var storageBlobDataOwnerRoleId = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'",
    to: "var storageBlobDataOwnerRoleId = '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1'",
  },
  {
    name: 'a malformed App Insights authentication string',
    file: 'app/function-app.bicep',
    from: "'ClientId=${identityClientId};Authorization=AAD'",
    to: "'ClientId=${identityClientId},Authorization=AAD'",
  },
  {
    name: 'the deployment container URL without its container',
    file: 'app/function-app.bicep',
    from: "value: '${storageAccount.properties.primaryEndpoints.blob}${deploymentContainerName}'",
    to: "value: '${storageAccount.properties.primaryEndpoints.blob}'",
  },
  {
    name: 'an invalid storage account name',
    file: 'main.bicep',
    from: "storageAccount: 'st'",
    to: "storageAccount: 'st-'",
  },
  {
    name: 'resourceGroup() used at subscription scope',
    file: 'main.bicep',
    from: 'uniqueString(subscription().id, environmentName, location)',
    to: 'uniqueString(resourceGroup().id, environmentName, location)',
  },
  {
    name: "the app's write-back role on the whole vault instead of the one secret",
    file: 'app/key-vault.bicep',
    from: '  scope: refreshTokenSecret\n',
    to: '  scope: vault\n',
  },
  {
    name: 'Secrets Officer for a pipeline deployer by default',
    file: 'main.bicep',
    from: "(deployerVaultRole == 'auto' && deployerPrincipalType == 'User')",
    to: "deployerVaultRole == 'auto'",
  },
  {
    name: 'purge protection turned off',
    file: 'app/key-vault.bicep',
    from: 'enablePurgeProtection: true',
    to: 'enablePurgeProtection: false',
  },
  {
    name: 'an alert keyed on an event the app never logs',
    file: 'app/alerts.bicep',
    from: "  'refresh-token-rejected'\n",
    to: "  'refresh-token-refused'\n",
  },
  {
    name: 'the write-back role allowed to delete secrets',
    file: 'app/key-vault.bicep',
    from: "          'Microsoft.KeyVault/vaults/secrets/setSecret/action'\n",
    to: "          'Microsoft.KeyVault/vaults/secrets/setSecret/action'\n          'Microsoft.KeyVault/vaults/secrets/delete'\n",
  },
];

const root = join(__dirname, '..');

function runInfraTests(infraDir: string): { passed: boolean; summary: string } {
  const testFiles = readdirSync(join(root, 'test', 'infra'))
    .filter((name) => name.endsWith('.test.ts'))
    .map((name) => join('test', 'infra', name));
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-reporter=dot', ...testFiles],
    {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, INFRA_DIR: infraDir, CI: 'true' },
    },
  );
  const failure = /✖ (.+)/.exec(`${run.stdout}\n${run.stderr}`)?.[1]?.trim() ?? '';
  return { passed: run.status === 0, summary: failure };
}

function main(): void {
  const scratch = mkdtempSync(join(tmpdir(), 'infra-mutation-'));
  const copy = join(scratch, 'infra');
  const fresh = () => {
    rmSync(copy, { recursive: true, force: true });
    cpSync(join(root, 'infra'), copy, { recursive: true });
  };
  try {
    fresh();
    const baseline = runInfraTests(copy);
    if (!baseline.passed) {
      process.stderr.write(
        `infra mutations: the unmutated templates fail the tests (${baseline.summary}); fix that first\n`,
      );
      process.exit(1);
    }
    let caught = 0;
    const survivors: string[] = [];
    for (const [index, mutation] of mutations.entries()) {
      fresh();
      const path = join(copy, mutation.file);
      const source = readFileSync(path, 'utf8');
      const occurrences = source.split(mutation.from).length - 1;
      if (occurrences !== 1) {
        process.stderr.write(
          `mutation "${mutation.name}": expected its text once in infra/${mutation.file}, found ${occurrences}\n`,
        );
        process.exit(1);
      }
      writeFileSync(path, source.replace(mutation.from, mutation.to));
      const result = runInfraTests(copy);
      const label = `${String(index + 1).padStart(2)}. ${mutation.name}`;
      if (result.passed) {
        survivors.push(mutation.name);
        process.stdout.write(`SURVIVED ${label}\n`);
      } else {
        caught += 1;
        process.stdout.write(`caught   ${label}  (${result.summary.slice(0, 90)})\n`);
      }
    }
    process.stdout.write(`infra mutations: ${caught}/${mutations.length} caught\n`);
    if (survivors.length > 0) process.exit(1);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (require.main === module) main();
