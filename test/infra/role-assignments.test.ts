/**
 * Who may do what, from the role assignments and role definitions the compiled template would create. Least
 * privilege is the point: the app reads every secret but may set only the refresh token it rotates, and the
 * deployer may write the vault only when a person bootstraps it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fakeGuid, type DeployedResource, type Deployment } from './support/arm';
import { skipWithoutBicep } from './support/compile';
import {
  appSettingsOf,
  at,
  deployed,
  identityOf,
  ofType,
  provision,
  single,
  text,
} from './support/deployment';
import { repositoryRoot } from './support/paths';
import { defaultStorageNames } from '../../shared/durable/names';
import { defaultEventStorageNames } from '../../shared/events/names';

const subscription = '/subscriptions/00000000-0000-4000-8000-00000000c0de';
const builtIn = (id: string) => `${subscription}/providers/Microsoft.Authorization/roleDefinitions/${id}`;

/** Built-in role definition ids (stable across clouds and languages, unlike the role names). */
const roles = {
  storageBlobDataOwner: builtIn('b7e6dc6d-f1e8-4753-8033-0f276bb0955b'),
  monitoringMetricsPublisher: builtIn('3913510d-42f4-4e42-8a64-420c390055eb'),
  keyVaultSecretsUser: builtIn('4633458b-17de-408a-b874-0445c86b69e6'),
  keyVaultSecretsOfficer: builtIn('b86a8fe4-44ce-4948-aee5-eccb2c155cd7'),
  storageQueueDataReader: builtIn('19e7f393-937e-4f77-808e-94535e174168'),
  storageQueueDataMessageProcessor: builtIn('8a0f0c08-91a1-4084-bc3d-661d67233fed'),
  storageQueueDataMessageSender: builtIn('c6a89b2d-59bc-44d0-9896-0f6e12d7b80a'),
  storageTableDataContributor: builtIn('0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'),
} as const;

/** The queues and tables the app works with: the asynchronous mode's and the Partner Center events'. */
const queueNames = [
  defaultStorageNames.queue,
  defaultStorageNames.poisonQueue,
  defaultEventStorageNames.queue,
  defaultEventStorageNames.poisonQueue,
];
const tableNames = [
  defaultStorageNames.table,
  defaultEventStorageNames.events,
  defaultEventStorageNames.subscriptions,
  defaultEventStorageNames.deliveries,
  defaultEventStorageNames.state,
];

/**
 * The queue and table grants, each on its own queue or table, never on the account. Every queue gets Reader,
 * Message Processor and Message Sender: each is triggered (or drained by an operator's retry) and sent to.
 */
function queueAndTableGrants(deployment: Deployment, principalId: string): Grant[] {
  const account = idOf(deployment, 'Microsoft.Storage/storageAccounts');
  const grant = (role: string, scope: string): Grant => ({
    role,
    scope,
    principal: principalId,
    principalType: 'ServicePrincipal',
  });
  return [
    ...queueNames.flatMap((queue) => {
      const scope = `${account}/queueServices/default/queues/${queue}`;
      return [
        grant(roles.storageQueueDataReader, scope),
        grant(roles.storageQueueDataMessageProcessor, scope),
        grant(roles.storageQueueDataMessageSender, scope),
      ];
    }),
    ...tableNames.map((table) =>
      grant(roles.storageTableDataContributor, `${account}/tableServices/default/tables/${table}`),
    ),
  ];
}

interface Grant {
  readonly role: string;
  readonly scope: string;
  readonly principal: string;
  readonly principalType: string;
}

function grants(deployment: Deployment): Grant[] {
  return ofType(deployment, 'Microsoft.Authorization/roleAssignments').map((assignment) => ({
    role: text(at(assignment, 'properties.roleDefinitionId')),
    scope: assignment.scope ?? '(no scope)',
    principal: text(at(assignment, 'properties.principalId')),
    principalType: text(at(assignment, 'properties.principalType')),
  }));
}

const idOf = (deployment: Deployment, type: string) => single(deployment, type).id;
const deployerObjectId = '00000000-0000-4000-8000-00000000de91';

function writerRole(deployment: Deployment): DeployedResource {
  return single(deployment, 'Microsoft.Authorization/roleDefinitions');
}

function writerRoleId(deployment: Deployment): string {
  return `${subscription}/providers/Microsoft.Authorization/roleDefinitions/${writerRole(deployment).name}`;
}

function appGrants(deployment: Deployment): Grant[] {
  const { principalId } = identityOf(deployment);
  const vault = idOf(deployment, 'Microsoft.KeyVault/vaults');
  return [
    {
      role: roles.monitoringMetricsPublisher,
      scope: idOf(deployment, 'Microsoft.Insights/components'),
      principal: principalId,
      principalType: 'ServicePrincipal',
    },
    {
      role: roles.storageBlobDataOwner,
      scope: idOf(deployment, 'Microsoft.Storage/storageAccounts'),
      principal: principalId,
      principalType: 'ServicePrincipal',
    },
    {
      role: roles.keyVaultSecretsUser,
      scope: vault,
      principal: principalId,
      principalType: 'ServicePrincipal',
    },
    ...queueAndTableGrants(deployment, principalId),
  ];
}

const sorted = (list: readonly Grant[]) =>
  [...list].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe('role assignments', { skip: skipWithoutBicep() }, () => {
  it('on a first provisioning by a person: the app reads storage, telemetry and the vault; the person may write the vault', () => {
    const deployment = deployed();
    assert.deepEqual(
      sorted(grants(deployment)),
      sorted([
        ...appGrants(deployment),
        {
          role: roles.keyVaultSecretsOfficer,
          scope: idOf(deployment, 'Microsoft.KeyVault/vaults'),
          principal: deployerObjectId,
          principalType: 'User',
        },
      ]),
    );
  });

  it('once the refresh-token secret exists: the app may also set that one secret, through the custom role', () => {
    const deployment = provision({ REFRESH_TOKEN_SECRET_EXISTS: 'true' });
    const secret = `${idOf(deployment, 'Microsoft.KeyVault/vaults')}/secrets/partner-center-refresh-token`;
    const writes = grants(deployment).filter((grant) => grant.scope === secret);
    assert.deepEqual(writes, [
      {
        role: writerRoleId(deployment),
        scope: secret,
        principal: identityOf(deployment).principalId,
        principalType: 'ServicePrincipal',
      },
    ]);
    const appPrincipal = identityOf(deployment).principalId;
    assert.deepEqual(
      grants(deployment).filter(
        (grant) => grant.role === roles.keyVaultSecretsOfficer && grant.principal === appPrincipal,
      ),
      [],
      'the app never gets Secrets Officer',
    );
  });

  it('for a pipeline (service principal) grant the deployer nothing by default, and Secrets Officer only when asked', () => {
    const pipeline = provision({ AZURE_PRINCIPAL_TYPE: 'ServicePrincipal' });
    assert.deepEqual(sorted(grants(pipeline)), sorted(appGrants(pipeline)));
    const asked = provision({
      AZURE_PRINCIPAL_TYPE: 'ServicePrincipal',
      DEPLOYER_VAULT_ROLE: 'secretsOfficer',
    });
    assert.deepEqual(
      grants(asked).filter((grant) => grant.principal === deployerObjectId),
      [
        {
          role: roles.keyVaultSecretsOfficer,
          scope: idOf(asked, 'Microsoft.KeyVault/vaults'),
          principal: deployerObjectId,
          principalType: 'ServicePrincipal',
        },
      ],
    );
    const person = provision({ DEPLOYER_VAULT_ROLE: 'none' });
    assert.deepEqual(sorted(grants(person)), sorted(appGrants(person)));
  });

  it('are named from their scope, principal and role, so a redeployment updates each rather than duplicating it', () => {
    const deployment = provision({ REFRESH_TOKEN_SECRET_EXISTS: 'true' });
    for (const assignment of ofType(deployment, 'Microsoft.Authorization/roleAssignments')) {
      const role = text(at(assignment, 'properties.roleDefinitionId'));
      const principal = text(at(assignment, 'properties.principalId'));
      const roleGuid = role.split('/').at(-1) ?? '';
      // Built-in roles are mixed in by their GUID, the custom one by its id: either names the role.
      const expected = [
        fakeGuid(assignment.scope ?? '', principal, roleGuid),
        fakeGuid(assignment.scope ?? '', principal, role),
      ];
      assert.ok(expected.includes(assignment.name), `${assignment.id}: guid(scope, principal, role)`);
    }
    const names = (d: Deployment) =>
      ofType(d, 'Microsoft.Authorization/roleAssignments')
        .map((a) => a.name)
        .sort();
    assert.deepEqual(names(deployment), names(provision({ REFRESH_TOKEN_SECRET_EXISTS: 'true' })));
  });

  it('never grant one principal the same role twice on one scope (Azure refuses that with RoleAssignmentExists)', () => {
    const all = grants(provision({ REFRESH_TOKEN_SECRET_EXISTS: 'true' }));
    const keys = all.map((grant) => `${grant.scope} ${grant.principal} ${grant.role}`);
    assert.equal(new Set(keys).size, keys.length);
  });
});

describe('host storage for the events-sweep timer', { skip: skipWithoutBicep() }, () => {
  // A timer trigger keeps its state in the host storage (AzureWebJobsStorage), as blobs: the singleton lock that
  // lets one instance of a scaled-out app run each occurrence is a blob lease, and useMonitor's schedule status
  // (last and next run, so a restart does not skip or repeat one) is a blob, both in the azure-webjobs-hosts
  // container the host creates. Sources: Microsoft Learn, "Timer trigger for Azure Functions" (the timer "uses a
  // storage lock" when an app scales out; useMonitor persists schedule occurrences); the WebJobs SDK extensions wiki,
  // "TimerTrigger", section "Singleton Locks" (a blob lease per timer function); Microsoft Learn, "Connecting to
  // host storage with an identity" (Storage Blob Data Owner covers what the host needs from its storage, blob read
  // and write and container creation).
  it('registers the timer this grant is for', () => {
    const entry = readFileSync(join(repositoryRoot, 'functions', 'index.ts'), 'utf8');
    assert.match(entry, /app\.timer\(SWEEP_FUNCTION/);
  });

  it('lets the identity AzureWebJobsStorage names take blob leases and write blobs in the account it names: Storage Blob Data Owner on that account', () => {
    const deployment = deployed();
    const settings = appSettingsOf(single(deployment, 'Microsoft.Web/sites'));
    const account = single(deployment, 'Microsoft.Storage/storageAccounts');
    assert.equal(
      settings.get('AzureWebJobsStorage__blobServiceUri'),
      `https://${account.name}.blob.core.windows.net/`,
    );
    const { clientId, principalId } = identityOf(deployment);
    assert.equal(settings.get('AzureWebJobsStorage__clientId'), clientId);
    assert.deepEqual(
      grants(deployment).filter((grant) => grant.scope === account.id),
      [
        {
          role: roles.storageBlobDataOwner,
          scope: account.id,
          principal: principalId,
          principalType: 'ServicePrincipal',
        },
      ],
    );
  });
});

describe('the refresh-token writer role', { skip: skipWithoutBicep() }, () => {
  it('may set and read a secret and nothing else: no control-plane action, no delete, no wildcard', () => {
    const role = writerRole(deployed());
    assert.equal(at(role, 'properties.type'), 'CustomRole');
    assert.deepEqual(at(role, 'properties.permissions'), [
      {
        actions: [],
        notActions: [],
        dataActions: [
          'Microsoft.KeyVault/vaults/secrets/setSecret/action',
          'Microsoft.KeyVault/vaults/secrets/getSecret/action',
          'Microsoft.KeyVault/vaults/secrets/readMetadata/action',
        ],
        notDataActions: [],
      },
    ]);
  });

  it('is assignable in its own resource group only, under a name unique in the tenant and stable across provisionings', () => {
    const deployment = deployed();
    const role = writerRole(deployment);
    const group = single(deployment, 'Microsoft.Resources/resourceGroups');
    assert.deepEqual(at(role, 'properties.assignableScopes'), [group.id]);
    assert.match(text(at(role, 'properties.roleName')), new RegExp(`\\(${group.name}\\)$`));
    assert.equal(role.name, writerRole(provision()).name);
    assert.notEqual(role.name, writerRole(provision({ AZURE_ENV_NAME: 'referrals-other' })).name);
  });
});
