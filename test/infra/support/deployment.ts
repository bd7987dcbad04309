/**
 * The compiled main template deployed on paper (support/arm.ts) the way `azd provision` deploys it: with
 * infra/main.parameters.json, whose `${NAME=default}` placeholders azd fills from the environment, and whose
 * string values azd turns into the int or bool a parameter declares.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ArmDeployer,
  DeploymentError,
  sampleContext,
  type Deployment,
  type DeploymentContext,
  type DeployedResource,
  type Json,
  runtimeProperties,
} from './arm';
import { mainTemplate } from './compile';
import { infraDirectory } from './paths';

export const sampleEnvironment: Readonly<Record<string, string>> = {
  AZURE_ENV_NAME: 'referrals-test',
  AZURE_LOCATION: 'westeurope',
};

interface ParametersFile {
  readonly parameters: Record<string, { readonly value: Json }>;
}

export function parametersFile(): ParametersFile {
  return JSON.parse(readFileSync(join(infraDirectory, 'main.parameters.json'), 'utf8')) as ParametersFile;
}

/** azd's substitution: `${NAME}` and `${NAME=default}` from the environment. */
function substitute(value: string, environment: Readonly<Record<string, string>>): string {
  return value.replace(
    /\$\{([A-Z0-9_]+)(?:=([^}]*))?\}/g,
    (_, name: string, fallback: string | undefined) => {
      const set = environment[name];
      if (set !== undefined) return set;
      if (fallback !== undefined) return fallback;
      return '';
    },
  );
}

function coerce(value: Json, declaredType: string | undefined, name: string): Json {
  if (typeof value !== 'string') return value;
  if (declaredType === 'int') {
    if (!/^-?\d+$/.test(value)) throw new DeploymentError(`parameter ${name}: '${value}' is not an int`);
    return Number(value);
  }
  if (declaredType === 'bool') {
    if (value !== 'true' && value !== 'false')
      throw new DeploymentError(`parameter ${name}: '${value}' is not a bool`);
    return value === 'true';
  }
  return value;
}

/**
 * What `azd provision` would deploy, given azd environment values on top of the sample ones, and `parameters`
 * on top of main.parameters.json (for parameters azd does not map, as `az deployment … --parameters` would pass them).
 */
export function provision(
  environment: Readonly<Record<string, string>> = {},
  context: DeploymentContext = sampleContext,
  parameters: Readonly<Record<string, Json>> = {},
): Deployment {
  const env = { ...sampleEnvironment, ...environment };
  const template = mainTemplate();
  const values: Record<string, Json> = {};
  for (const [name, { value }] of Object.entries(parametersFile().parameters)) {
    const declared = template.parameters?.[name];
    const type = typeof declared?.['type'] === 'string' ? declared['type'].toLowerCase() : undefined;
    values[name] = coerce(typeof value === 'string' ? substitute(value, env) : value, type, name);
  }
  Object.assign(values, parameters);
  const location = env['AZURE_LOCATION'] ?? 'westeurope';
  return new ArmDeployer(context).deploy(template, values, location);
}

let defaultDeployment: Deployment | undefined;

/** `provision()` with the defaults, evaluated once per test process. */
export function deployed(): Deployment {
  defaultDeployment ??= provision();
  return defaultDeployment;
}

export function ofType(deployment: Deployment, type: string): DeployedResource[] {
  return deployment.resources.filter((resource) => resource.type.toLowerCase() === type.toLowerCase());
}

export function single(deployment: Deployment, type: string): DeployedResource {
  const found = ofType(deployment, type);
  assert.equal(found.length, 1, `exactly one ${type} is deployed, found ${found.length}`);
  const [resource] = found;
  assert.ok(resource);
  return resource;
}

/** A value at a dotted path of a resource body, e.g. `properties.httpsOnly`. */
export function at(resource: DeployedResource, path: string): Json | undefined {
  let current: Json | undefined = resource.body;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = current[key];
  }
  return current;
}

export function appSettingsOf(site: DeployedResource): Map<string, Json> {
  const list = at(site, 'properties.siteConfig.appSettings');
  assert.ok(Array.isArray(list), 'the site sets siteConfig.appSettings');
  const settings = new Map<string, Json>();
  for (const item of list) {
    assert.ok(typeof item === 'object' && item !== null && !Array.isArray(item));
    const name = text(item['name']);
    assert.ok(!settings.has(name), `app setting ${name} is set once`);
    settings.set(name, item['value'] ?? null);
  }
  return settings;
}

/** The app's user-assigned identity and the principal and client ids Azure would give it. */
export function identityOf(deployment: Deployment = deployed()) {
  const identity = single(deployment, 'Microsoft.ManagedIdentity/userAssignedIdentities');
  const runtime = runtimeProperties(identity.type, identity.id, identity.name, '');
  return { identity, principalId: text(runtime['principalId']), clientId: text(runtime['clientId']) };
}

/** A value that must be a string, for messages and comparisons. */
export function text(value: Json | undefined): string {
  assert.equal(typeof value, 'string', `expected a string, got ${JSON.stringify(value)}`);
  return value as string;
}
