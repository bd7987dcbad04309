/**
 * What infra/ provisions and the security properties each resource must carry, read from the parsed templates.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { propertyKeys, propertyPath, referencedSymbols } from './support/bicep';
import { createdResource, literalAt, resources, resourcesOfType, template } from './support/templates';

describe('the function app', () => {
  it('runs on a Flex Consumption (FC1) Linux plan', () => {
    const plan = createdResource('Microsoft.Web/serverfarms');
    assert.equal(literalAt(plan, 'sku.name'), 'FC1');
    assert.equal(literalAt(plan, 'sku.tier'), 'FlexConsumption');
    assert.equal(literalAt(plan, 'properties.reserved'), true, 'reserved: true is what makes the plan Linux');
    const site = createdResource('Microsoft.Web/sites');
    assert.equal(literalAt(site, 'kind'), 'functionapp,linux');
    assert.deepEqual(referencedSymbols(propertyPath(site.body, 'properties.serverFarmId') ?? site.body), [
      plan.symbol,
    ]);
  });

  it('runs Node 22, the Node version Azure Functions supports today', () => {
    const site = createdResource('Microsoft.Web/sites');
    assert.equal(literalAt(site, 'properties.functionAppConfig.runtime.name'), 'node');
    assert.equal(literalAt(site, 'properties.functionAppConfig.runtime.version'), '22');
  });

  it('runs as a user-assigned identity, the same one that reads the deployment package', () => {
    createdResource('Microsoft.ManagedIdentity/userAssignedIdentities');
    const site = createdResource('Microsoft.Web/sites');
    assert.equal(literalAt(site, 'identity.type'), 'UserAssigned');
    assert.deepEqual(propertyKeys(propertyPath(site.body, 'identity.userAssignedIdentities')), [
      "'${identityResourceId}'",
    ]);
    const packageReader = propertyPath(
      site.body,
      'properties.functionAppConfig.deployment.storage.authentication.userAssignedIdentityResourceId',
    );
    assert.deepEqual(referencedSymbols(packageReader ?? site.body), ['identityResourceId']);
  });

  it('serves HTTPS only, with TLS 1.2 or later, and no FTP', () => {
    const site = createdResource('Microsoft.Web/sites');
    assert.equal(literalAt(site, 'properties.httpsOnly'), true);
    assert.equal(literalAt(site, 'properties.siteConfig.minTlsVersion'), '1.2');
    assert.equal(literalAt(site, 'properties.siteConfig.scmMinTlsVersion'), '1.2');
    assert.equal(literalAt(site, 'properties.siteConfig.ftpsState'), 'Disabled');
  });

  it('turns off basic-auth publishing credentials for FTP and the SCM site', () => {
    const policies = resourcesOfType('Microsoft.Web/sites/basicPublishingCredentialsPolicies');
    const allowed = Object.fromEntries(
      policies.map(
        (policy) => [String(literalAt(policy, 'name')), literalAt(policy, 'properties.allow')] as const,
      ),
    );
    assert.deepEqual(allowed, { ftp: false, scm: false });
  });

  it('takes its maximum instance count and per-instance HTTP concurrency from bounded parameters', () => {
    const site = createdResource('Microsoft.Web/sites');
    const main = template('main.bicep');
    for (const [path, parameterName] of [
      ['properties.functionAppConfig.scaleAndConcurrency.maximumInstanceCount', 'maximumInstanceCount'],
      [
        'properties.functionAppConfig.scaleAndConcurrency.triggers.http.perInstanceConcurrency',
        'httpPerInstanceConcurrency',
      ],
    ] as const) {
      const value = propertyPath(site.body, path);
      assert.ok(value, `${path} is set`);
      assert.deepEqual(referencedSymbols(value), [parameterName], `${path} comes from ${parameterName}`);
      const parameter = main.parameters.find((candidate) => candidate.name === parameterName);
      assert.ok(parameter, `main.bicep exposes ${parameterName}`);
      const decorators = parameter.decorators.map((decorator) => decorator.name);
      assert.ok(
        decorators.includes('minValue') && decorators.includes('maxValue'),
        `${parameterName} is bounded`,
      );
    }
  });

  it('reads its deployment package from blob storage with its identity, not a connection string', () => {
    const site = createdResource('Microsoft.Web/sites');
    const storage = 'properties.functionAppConfig.deployment.storage';
    assert.equal(literalAt(site, `${storage}.type`), 'blobContainer');
    assert.equal(literalAt(site, `${storage}.authentication.type`), 'UserAssignedIdentity');
    assert.ok(propertyPath(site.body, `${storage}.authentication.userAssignedIdentityResourceId`));
    assert.equal(
      propertyPath(site.body, `${storage}.authentication.storageAccountConnectionStringName`),
      undefined,
    );
  });
});

describe('the host storage account', () => {
  it('accepts no shared keys and no anonymous blob access, over TLS 1.2 HTTPS only', () => {
    const account = createdResource('Microsoft.Storage/storageAccounts');
    assert.equal(literalAt(account, 'properties.allowSharedKeyAccess'), false);
    assert.equal(literalAt(account, 'properties.allowBlobPublicAccess'), false);
    assert.equal(literalAt(account, 'properties.minimumTlsVersion'), 'TLS1_2');
    assert.equal(literalAt(account, 'properties.supportsHttpsTrafficOnly'), true);
    assert.equal(literalAt(account, 'properties.defaultToOAuthAuthentication'), true);
  });

  it('holds a private deployment container', () => {
    const container = createdResource('Microsoft.Storage/storageAccounts/blobServices/containers');
    assert.equal(literalAt(container, 'properties.publicAccess'), 'None');
  });
});

describe('the Key Vault', () => {
  it('authorizes with RBAC only, keeps deleted secrets, and cannot be purged early', () => {
    const vault = createdResource('Microsoft.KeyVault/vaults');
    assert.equal(literalAt(vault, 'properties.enableRbacAuthorization'), true);
    assert.equal(literalAt(vault, 'properties.enableSoftDelete'), true);
    assert.equal(literalAt(vault, 'properties.enablePurgeProtection'), true);
    assert.equal(
      propertyPath(vault.body, 'properties.accessPolicies'),
      undefined,
      'no access policies next to RBAC',
    );
  });

  it('is not opened to ARM template or VM deployments', () => {
    const vault = createdResource('Microsoft.KeyVault/vaults');
    for (const flag of ['enabledForDeployment', 'enabledForDiskEncryption', 'enabledForTemplateDeployment']) {
      assert.equal(literalAt(vault, `properties.${flag}`), false, flag);
    }
  });

  it('gets no secret from the templates: values stay out of Bicep and a redeployment never overwrites one', () => {
    const created = resourcesOfType('Microsoft.KeyVault/vaults/secrets').filter((secret) => !secret.existing);
    assert.deepEqual(
      created.map((secret) => `${secret.file.name}:${secret.line}`),
      [],
    );
  });
});

describe('monitoring', () => {
  it('sends telemetry to workspace-based Application Insights that accepts Entra-authenticated ingestion only', () => {
    const component = createdResource('Microsoft.Insights/components');
    const workspace = createdResource('Microsoft.OperationalInsights/workspaces');
    assert.equal(literalAt(component, 'properties.DisableLocalAuth'), true);
    assert.deepEqual(
      referencedSymbols(propertyPath(component.body, 'properties.WorkspaceResourceId') ?? component.body),
      [workspace.symbol],
    );
    assert.equal(literalAt(workspace, 'properties.features.disableLocalAuth'), true);
  });
});

describe('API versions', () => {
  it('are stable, dated versions (no previews)', () => {
    for (const resource of resources) {
      assert.match(
        resource.apiVersion,
        /^\d{4}-\d{2}-\d{2}$/,
        `${resource.file.name}:${resource.line} ${resource.type}@${resource.apiVersion}`,
      );
    }
  });
});
