/**
 * The parsed infra/ templates and the questions the infrastructure tests ask of them.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  accessedProperties,
  arrayItems,
  bicepFilePaths,
  calledFunctions,
  hasDecorator,
  infraDirectory,
  literalValue,
  parseBicepFile,
  propertyPath,
  property,
  referencedSymbols,
  stringValue,
  type BicepFile,
  type Node,
  type ResourceDeclaration,
} from './bicep';

export const mainTemplatePath = join(infraDirectory, 'main.bicep');

export const templates: readonly BicepFile[] = bicepFilePaths().map(parseBicepFile);

export function template(relativePath: string): BicepFile {
  const found = templates.find((file) => file.path === join(infraDirectory, relativePath));
  assert.ok(found, `infra/${relativePath} exists`);
  return found;
}

export interface LocatedResource extends ResourceDeclaration {
  readonly file: BicepFile;
}

export const resources: readonly LocatedResource[] = templates.flatMap((file) =>
  file.resources.map((resource) => ({ ...resource, file })),
);

export function resourcesOfType(type: string): LocatedResource[] {
  return resources.filter((resource) => resource.type.toLowerCase() === type.toLowerCase());
}

/** The single resource of a type that the templates create (not merely reference as `existing`). */
export function createdResource(type: string): LocatedResource {
  const created = resourcesOfType(type).filter((resource) => !resource.existing);
  assert.equal(created.length, 1, `exactly one ${type} is created, found ${created.length}`);
  const [resource] = created;
  assert.ok(resource);
  return resource;
}

/** The resource a symbol names in the same file. */
export function resourceBySymbol(file: BicepFile, symbol: string): LocatedResource | undefined {
  return resources.find((resource) => resource.file === file && resource.symbol === symbol);
}

/** A literal at a dotted path of a resource's body, e.g. `properties.httpsOnly`. */
export function literalAt(resource: ResourceDeclaration, path: string): unknown {
  const node = propertyPath(resource.body, path);
  if (node === undefined) return undefined;
  const value = literalValue(node);
  return value === undefined ? `<expression ${node.text}>` : value;
}

export interface AppSetting {
  readonly name: string;
  readonly value: Node;
  readonly site: LocatedResource;
}

/**
 * The app settings of every function app, from `siteConfig.appSettings`. Each name must be a plain string so the
 * contract can be read without deploying; a computed name fails here rather than slipping past the contract.
 */
export function appSettings(): AppSetting[] {
  return resourcesOfType('Microsoft.Web/sites')
    .filter((site) => !site.existing)
    .flatMap((site) =>
      arrayItems(propertyPath(site.body, 'properties.siteConfig.appSettings')).map((item) => {
        const name = stringValue(property(item, 'name'));
        const value = property(item, 'value');
        assert.ok(
          name !== undefined,
          `${site.file.name}:${item.startPosition.row + 1} app setting name is a plain string`,
        );
        assert.ok(value, `${site.file.name}: app setting ${name} has a value`);
        return { name, value, site };
      }),
    );
}

/**
 * Resource properties that carry keys, or connection strings that embed keys or key-like identifiers.
 * Reading one into an output or an app setting would leak it into deployment history or the portal.
 */
export const secretBearingProperties = new Set([
  'primaryKey',
  'secondaryKey',
  'primarySharedKey',
  'secondarySharedKey',
  'primaryConnectionString',
  'secondaryConnectionString',
  'ConnectionString',
  'connectionString',
  'InstrumentationKey',
  'instrumentationKey',
  'keys',
  'secretValue',
]);

/** Why an expression may carry a secret (list*() calls, getSecret, secret-bearing properties, @secure params). */
export function secretSources(file: BicepFile, expression: Node): string[] {
  const securedParameters = new Set(
    file.parameters
      .filter((parameter) => hasDecorator(parameter, 'secure'))
      .map((parameter) => parameter.name),
  );
  return [
    ...calledFunctions(expression)
      .filter((name) => name.startsWith('list') || name === 'getSecret')
      .map((name) => `calls ${name}()`),
    ...accessedProperties(expression)
      .filter((name) => secretBearingProperties.has(name))
      .map((name) => `reads .${name}`),
    ...referencedSymbols(expression)
      .filter((name) => securedParameters.has(name))
      .map((name) => `reads the @secure() parameter ${name}`),
  ];
}
