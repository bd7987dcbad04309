/**
 * Who may do what: every role assignment in infra/, read from the parsed templates. Least privilege is the
 * point: the app reads every secret but may write only the refresh token it rotates.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  literalValue,
  property,
  propertyPath,
  referencedSymbols,
  stringValue,
  type Node,
} from './support/bicep';
import { resourceBySymbol, resourcesOfType, template, type LocatedResource } from './support/templates';

/** Built-in role definition IDs (stable across clouds and languages, unlike the role names). */
const roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6',
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7',
} as const;

interface Grant {
  readonly assignment: LocatedResource;
  readonly roleId: string;
  readonly scope: LocatedResource;
  readonly principal: string;
  readonly conditional: boolean;
}

const assignments = resourcesOfType('Microsoft.Authorization/roleAssignments');

/** `subscriptionResourceId('Microsoft.Authorization/roleDefinitions', <id or variable>)` → the role's GUID. */
function roleIdOf(assignment: LocatedResource): string {
  const expression = propertyPath(assignment.body, 'properties.roleDefinitionId');
  const where = `${assignment.file.name}:${assignment.line}`;
  assert.equal(
    expression?.type,
    'call_expression',
    `${where} roleDefinitionId is a subscriptionResourceId() call`,
  );
  const [callee, args] = expression?.namedChildren ?? [];
  assert.equal(callee?.text, 'subscriptionResourceId', where);
  const [resourceType, idNode] = args?.namedChildren ?? [];
  assert.equal(stringValue(resourceType), 'Microsoft.Authorization/roleDefinitions', where);
  return resolveString(assignment, idNode, where);
}

function resolveString(assignment: LocatedResource, node: Node | undefined, where: string): string {
  const literal = literalValue(node);
  if (typeof literal === 'string') return literal;
  const variable = assignment.file.variables.find((candidate) => candidate.name === node?.text);
  const value = literalValue(variable?.value);
  assert.ok(typeof value === 'string', `${where} role id ${node?.text ?? '?'} resolves to a string`);
  return value;
}

function grantOf(assignment: LocatedResource): Grant {
  const where = `${assignment.file.name}:${assignment.line}`;
  const scopeNode = property(assignment.body, 'scope');
  assert.equal(scopeNode?.type, 'identifier', `${where} names its scope resource explicitly`);
  const scope = resourceBySymbol(assignment.file, scopeNode?.text ?? '');
  assert.ok(scope, `${where} scope ${scopeNode?.text ?? '?'} is a resource of the same file`);
  const principal = propertyPath(assignment.body, 'properties.principalId');
  assert.equal(principal?.type, 'identifier', `${where} principalId is a parameter`);
  return {
    assignment,
    roleId: roleIdOf(assignment),
    scope,
    principal: principal?.text ?? '',
    conditional: assignment.condition !== undefined,
  };
}

const grants = assignments.map(grantOf);

function grantsOf(roleId: string): Grant[] {
  return grants.filter((grant) => grant.roleId === roleId);
}

describe('role assignments', () => {
  it('exist', () => {
    assert.ok(assignments.length >= 4, `found ${assignments.length}`);
  });

  it('are named deterministically with guid(scope.id, principal, role), so redeployments update, not duplicate', () => {
    for (const grant of grants) {
      const where = `${grant.assignment.file.name}:${grant.assignment.line}`;
      const name = property(grant.assignment.body, 'name');
      assert.equal(name?.type, 'call_expression', `${where} name is a call`);
      const [callee, args] = name?.namedChildren ?? [];
      assert.equal(callee?.text, 'guid', `${where} name is guid(...)`);
      const parts = args?.namedChildren ?? [];
      assert.ok(parts.length >= 3, `${where} guid() mixes scope, principal and role`);
      assert.equal(parts[0]?.text, `${grant.scope.symbol}.id`, `${where} guid() starts with the scope's id`);
      const mixed = parts.flatMap((part) => referencedSymbols(part));
      assert.ok(mixed.includes(grant.principal), `${where} guid() includes the principal`);
    }
  });

  it('state their principalType, which spares Entra lookups and replication-delay failures', () => {
    for (const grant of grants) {
      const where = `${grant.assignment.file.name}:${grant.assignment.line}`;
      const principalType = propertyPath(grant.assignment.body, 'properties.principalType');
      assert.ok(principalType, `${where} sets principalType`);
      const literal = literalValue(principalType);
      if (literal !== undefined) {
        assert.ok(['ServicePrincipal', 'User', 'Group'].includes(String(literal)), where);
      } else {
        const parameter = grant.assignment.file.parameters.find(
          (candidate) => candidate.name === principalType.text,
        );
        assert.ok(
          parameter?.decorators.some((decorator) => decorator.name === 'allowed'),
          `${where} @allowed type`,
        );
      }
    }
  });

  it('give the app Storage Blob Data Owner on its host storage account', () => {
    const [grant, ...others] = grantsOf(roles.storageBlobDataOwner);
    assert.equal(others.length, 0);
    assert.equal(grant?.scope.type, 'Microsoft.Storage/storageAccounts');
    assert.equal(grant.conditional, false);
  });

  it('give the app Monitoring Metrics Publisher on Application Insights, for Entra-authenticated telemetry', () => {
    const [grant, ...others] = grantsOf(roles.monitoringMetricsPublisher);
    assert.equal(others.length, 0);
    assert.equal(grant?.scope.type, 'Microsoft.Insights/components');
  });

  it('give the app Key Vault Secrets User on the vault', () => {
    const [grant, ...others] = grantsOf(roles.keyVaultSecretsUser);
    assert.equal(others.length, 0);
    assert.equal(grant?.scope.type, 'Microsoft.KeyVault/vaults');
    assert.equal(grant.principal, 'appPrincipalId');
    assert.equal(grant.conditional, false);
  });

  it('let the app write only the refresh-token secret, never the whole vault', () => {
    const officers = grantsOf(roles.keyVaultSecretsOfficer);
    const app = officers.filter((grant) => grant.principal === 'appPrincipalId');
    assert.equal(app.length, 1);
    const [grant] = app;
    assert.equal(grant?.scope.type, 'Microsoft.KeyVault/vaults/secrets');
    assert.equal(grant.scope.existing, true, 'the secret is referenced, never created by the template');
    assert.equal(property(grant.scope.body, 'name')?.text, 'refreshTokenSecretName');
    assert.equal(grant.conditional, true, 'granted once the secret exists (a scope must exist)');
    const vaultWide = officers.filter((other) => other.scope.type === 'Microsoft.KeyVault/vaults');
    assert.deepEqual(
      vaultWide.map((other) => other.principal),
      ['deployerPrincipalId'],
      'only the deployer may write the whole vault',
    );
  });

  it('give the deployer Secrets Officer on the vault only when asked to, for the bootstrap', () => {
    const [grant] = grantsOf(roles.keyVaultSecretsOfficer).filter(
      (other) => other.principal === 'deployerPrincipalId',
    );
    assert.ok(grant);
    assert.equal(grant.conditional, true);
    const main = template('main.bicep');
    const keyVaultModule = main.modules.find((module) => module.path === 'app/key-vault.bicep');
    const passed = propertyPath(keyVaultModule?.body, 'params.deployerPrincipalId');
    assert.ok(
      passed && referencedSymbols(passed).includes('grantDeployerSecretsOfficer'),
      'main.bicep gates it',
    );
  });

  it('scope the write access to the same secret the app is told to rotate', () => {
    const main = template('main.bicep');
    const passedTo = (modulePath: string): string | undefined => {
      const module = main.modules.find((candidate) => candidate.path === modulePath);
      return propertyPath(module?.body, 'params.refreshTokenSecretName')?.text;
    };
    const scoped = passedTo('app/key-vault.bicep');
    assert.ok(scoped);
    assert.equal(passedTo('app/function-app.bicep'), scoped);
  });
});
