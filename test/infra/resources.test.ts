/**
 * What `azd provision` would create, read from the compiled template deployed on paper (support/arm.ts): each
 * resource, its security properties, and the values that tie the resources together.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { skipWithoutBicep } from './support/compile';
import { at, deployed, identityOf, ofType, provision, single } from './support/deployment';

describe('the function app', { skip: skipWithoutBicep() }, () => {
  it('runs on the Flex Consumption (FC1) Linux plan it is deployed with', () => {
    const plan = single(deployed(), 'Microsoft.Web/serverfarms');
    assert.equal(at(plan, 'sku.name'), 'FC1');
    assert.equal(at(plan, 'sku.tier'), 'FlexConsumption');
    assert.equal(at(plan, 'properties.reserved'), true, 'reserved: true is what makes the plan Linux');
    const site = single(deployed(), 'Microsoft.Web/sites');
    assert.equal(at(site, 'kind'), 'functionapp,linux');
    assert.equal(at(site, 'properties.serverFarmId'), plan.id);
  });

  it('runs Node 22, the Node version Azure Functions supports today', () => {
    const site = single(deployed(), 'Microsoft.Web/sites');
    assert.deepEqual(at(site, 'properties.functionAppConfig.runtime'), { name: 'node', version: '22' });
  });

  it('runs as the user-assigned identity, the same one that reads the deployment package', () => {
    const { identity } = identityOf();
    const site = single(deployed(), 'Microsoft.Web/sites');
    assert.equal(at(site, 'identity.type'), 'UserAssigned');
    assert.deepEqual(at(site, 'identity.userAssignedIdentities'), { [identity.id]: {} });
    assert.equal(at(site, 'properties.keyVaultReferenceIdentity'), identity.id);
    assert.deepEqual(at(site, 'properties.functionAppConfig.deployment.storage.authentication'), {
      type: 'UserAssignedIdentity',
      userAssignedIdentityResourceId: identity.id,
    });
  });

  it('reads its package from a private container that the template creates in its storage account', () => {
    const site = single(deployed(), 'Microsoft.Web/sites');
    const account = single(deployed(), 'Microsoft.Storage/storageAccounts');
    const container = single(deployed(), 'Microsoft.Storage/storageAccounts/blobServices/containers');
    const [accountName, , containerName] = container.name.split('/');
    assert.equal(accountName, account.name, 'the container is in the host storage account');
    assert.equal(at(site, 'properties.functionAppConfig.deployment.storage.type'), 'blobContainer');
    assert.equal(
      at(site, 'properties.functionAppConfig.deployment.storage.value'),
      `https://${account.name}.blob.core.windows.net/${containerName ?? ''}`,
    );
  });

  it('serves HTTPS only with TLS 1.2 or later, and turns off basic-auth publishing (FTP and SCM)', () => {
    const site = single(deployed(), 'Microsoft.Web/sites');
    assert.equal(at(site, 'properties.httpsOnly'), true);
    assert.equal(at(site, 'properties.siteConfig.minTlsVersion'), '1.2');
    assert.equal(at(site, 'properties.siteConfig.scmMinTlsVersion'), '1.2');
    const policies = ofType(deployed(), 'Microsoft.Web/sites/basicPublishingCredentialsPolicies');
    assert.deepEqual(
      Object.fromEntries(policies.map((policy) => [policy.name, at(policy, 'properties.allow')])),
      { [`${site.name}/ftp`]: false, [`${site.name}/scm`]: false },
    );
  });

  it('scales within the bounds the azd environment sets', () => {
    const scale = (environment: Record<string, string>) =>
      at(
        single(provision(environment), 'Microsoft.Web/sites'),
        'properties.functionAppConfig.scaleAndConcurrency',
      );
    assert.deepEqual(scale({}), {
      maximumInstanceCount: 10,
      instanceMemoryMB: 2048,
      triggers: { http: { perInstanceConcurrency: 16 } },
    });
    assert.deepEqual(scale({ MAXIMUM_INSTANCE_COUNT: '5', HTTP_PER_INSTANCE_CONCURRENCY: '4' }), {
      maximumInstanceCount: 5,
      instanceMemoryMB: 2048,
      triggers: { http: { perInstanceConcurrency: 4 } },
    });
    assert.throws(() => provision({ MAXIMUM_INSTANCE_COUNT: '0' }), /below 1/);
  });

  it("is found by azd through the azd-service-name tag of azure.yaml's service", () => {
    const site = single(deployed(), 'Microsoft.Web/sites');
    assert.equal(at(site, 'tags.azd-service-name'), 'api');
    assert.equal(at(site, 'tags.azd-env-name'), 'referrals-test');
  });
});

describe('resource names', { skip: skipWithoutBicep() }, () => {
  it('are valid for their types', () => {
    const names = (type: string) =>
      ofType(deployed(), type).map((resource) => resource.name.split('/').at(-1) ?? '');
    for (const name of names('Microsoft.Storage/storageAccounts'))
      assert.match(name, /^[a-z0-9]{3,24}$/, name);
    for (const name of names('Microsoft.Storage/storageAccounts/blobServices/containers')) {
      assert.match(name, /^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/, name);
    }
    for (const name of names('Microsoft.KeyVault/vaults')) {
      assert.match(name, /^(?!.*--)[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/, name);
    }
    for (const name of names('Microsoft.Web/sites'))
      assert.match(name, /^[a-z0-9][a-z0-9-]{0,58}[a-z0-9]$/, name);
    for (const name of names('Microsoft.Resources/resourceGroups'))
      assert.match(name, /^[-\w.()]{1,90}$/, name);
  });

  it('are the same on every provisioning of one environment, and differ between environments', () => {
    const names = (environment: Record<string, string>) =>
      provision(environment).resources.map((resource) => resource.id);
    assert.deepEqual(names({}), names({}));
    const other = new Set(names({ AZURE_ENV_NAME: 'referrals-other' }));
    assert.ok(names({}).every((id) => !other.has(id)));
  });

  it('place every regional resource in the chosen region', () => {
    for (const resource of deployed().resources) {
      const location = resource.body['location'];
      if (location !== undefined) assert.equal(location, 'westeurope', resource.id);
    }
  });
});

describe('the host storage account', { skip: skipWithoutBicep() }, () => {
  it('accepts no shared keys and no anonymous blob access, over TLS 1.2 HTTPS only', () => {
    const account = single(deployed(), 'Microsoft.Storage/storageAccounts');
    assert.equal(at(account, 'properties.allowSharedKeyAccess'), false);
    assert.equal(at(account, 'properties.allowBlobPublicAccess'), false);
    assert.equal(at(account, 'properties.minimumTlsVersion'), 'TLS1_2');
    assert.equal(at(account, 'properties.supportsHttpsTrafficOnly'), true);
    assert.equal(at(account, 'properties.defaultToOAuthAuthentication'), true);
  });

  it('holds a private deployment container', () => {
    const container = single(deployed(), 'Microsoft.Storage/storageAccounts/blobServices/containers');
    assert.equal(at(container, 'properties.publicAccess'), 'None');
  });
});

describe('the Key Vault', { skip: skipWithoutBicep() }, () => {
  it('authorizes with RBAC only, keeps deleted secrets, and cannot be purged early', () => {
    const vault = single(deployed(), 'Microsoft.KeyVault/vaults');
    assert.equal(at(vault, 'properties.enableRbacAuthorization'), true);
    assert.equal(at(vault, 'properties.enableSoftDelete'), true);
    assert.equal(at(vault, 'properties.enablePurgeProtection'), true);
    assert.equal(at(vault, 'properties.softDeleteRetentionInDays'), 90);
    assert.equal(at(vault, 'properties.accessPolicies'), undefined, 'no access policies next to RBAC');
    assert.equal(at(vault, 'properties.tenantId'), deployed().outputs['AZURE_TENANT_ID']);
  });

  it('is not opened to ARM template or VM deployments', () => {
    const vault = single(deployed(), 'Microsoft.KeyVault/vaults');
    for (const flag of ['enabledForDeployment', 'enabledForDiskEncryption', 'enabledForTemplateDeployment']) {
      assert.equal(at(vault, `properties.${flag}`), false, flag);
    }
  });

  it('gets no secret from the templates: values stay out of Bicep and a redeployment never overwrites one', () => {
    assert.deepEqual(ofType(deployed(), 'Microsoft.KeyVault/vaults/secrets'), []);
  });

  it('sends its audit log (every secret read, write and refusal) to the Log Analytics workspace', () => {
    const vault = single(deployed(), 'Microsoft.KeyVault/vaults');
    const workspace = single(deployed(), 'Microsoft.OperationalInsights/workspaces');
    const settings = ofType(deployed(), 'Microsoft.Insights/diagnosticSettings').filter(
      (setting) => setting.scope === vault.id,
    );
    assert.equal(settings.length, 1);
    const [setting] = settings;
    assert.ok(setting);
    assert.equal(at(setting, 'properties.workspaceId'), workspace.id);
    assert.deepEqual(at(setting, 'properties.logs'), [{ category: 'AuditEvent', enabled: true }]);
  });
});

describe('monitoring', { skip: skipWithoutBicep() }, () => {
  it('sends telemetry to workspace-based Application Insights that accepts Entra-authenticated ingestion only', () => {
    const component = single(deployed(), 'Microsoft.Insights/components');
    const workspace = single(deployed(), 'Microsoft.OperationalInsights/workspaces');
    assert.equal(at(component, 'properties.DisableLocalAuth'), true);
    assert.equal(at(component, 'properties.WorkspaceResourceId'), workspace.id);
    assert.equal(at(workspace, 'properties.features.disableLocalAuth'), true);
    assert.equal(at(workspace, 'properties.retentionInDays'), 30);
  });
});

describe('API versions', { skip: skipWithoutBicep() }, () => {
  // Diagnostic settings have had only preview API versions since 2016-09-01, which predates Log Analytics
  // destinations as Bicep types describe them.
  const previewAllowed = new Set(['microsoft.insights/diagnosticsettings']);

  it('are stable, dated versions (no previews but where a type has no stable one)', () => {
    for (const resource of deployed().resources) {
      const pattern = previewAllowed.has(resource.type.toLowerCase())
        ? /^\d{4}-\d{2}-\d{2}(-preview)?$/
        : /^\d{4}-\d{2}-\d{2}$/;
      assert.match(resource.apiVersion, pattern, `${resource.type}@${resource.apiVersion}`);
    }
  });
});
