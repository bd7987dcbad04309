/**
 * Deploys a compiled ARM template on paper: evaluates its expressions the way Azure Resource Manager does, with
 * sample parameters, and returns every resource it would create with concrete property values. Parameters are
 * validated against their declared types and constraints at each nested deployment, as ARM does before it
 * creates anything.
 *
 * What only Azure knows at deployment (an identity's principal and client ids, a storage account's endpoints, a
 * vault's URI) comes from `runtimeProperties`: documented shapes filled with fake but distinct values, so a test
 * can tell a principal id from a client id, and a blob endpoint from a container URL. `guid()` and
 * `uniqueString()` are deterministic stand-ins with ARM's output shapes (a GUID; 13 characters of [a-z2-7]),
 * not ARM's exact hashes. A function or runtime property this file does not model throws, so an unmodelled
 * template fails a test instead of passing one.
 */
import { createHash } from 'node:crypto';

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export interface ArmTemplate {
  readonly $schema?: string;
  readonly languageVersion?: string;
  readonly definitions?: Record<string, JsonObject>;
  readonly parameters?: Record<string, JsonObject>;
  readonly variables?: Record<string, Json>;
  readonly resources: JsonObject[] | Record<string, JsonObject>;
  readonly outputs?: Record<string, JsonObject>;
}

export interface DeployedResource {
  readonly id: string;
  readonly type: string;
  readonly apiVersion: string;
  readonly name: string;
  /** The deployment that created it: `main`, or the module's deployment name. */
  readonly deployment: string;
  /** Id of the scope an extension resource (role assignment, diagnostic setting) is attached to. */
  readonly scope: string | undefined;
  /** The evaluated resource body: every property as ARM would send it to the resource provider. */
  readonly body: JsonObject;
}

export interface Deployment {
  readonly resources: readonly DeployedResource[];
  /** Outputs of the top-level template. */
  readonly outputs: Readonly<Record<string, Json>>;
}

export interface DeploymentContext {
  readonly subscriptionId: string;
  readonly tenantId: string;
  readonly deployerObjectId: string;
}

export const sampleContext: DeploymentContext = {
  subscriptionId: '00000000-0000-4000-8000-00000000c0de',
  tenantId: '00000000-0000-4000-8000-0000000007e4',
  deployerObjectId: '00000000-0000-4000-8000-00000000de91',
};

export class DeploymentError extends Error {}

// ----- Deterministic stand-ins for ARM's hash functions ------------------------------------------------------

function digest(...parts: readonly string[]): Buffer {
  return createHash('sha256').update(parts.join('\u0000')).digest();
}

export function fakeGuid(...parts: readonly string[]): string {
  const hex = digest(...parts)
    .subarray(0, 16)
    .toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function fakeUniqueString(...parts: readonly string[]): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  return [...digest(...parts).subarray(0, 13)].map((byte) => alphabet[byte % 32]).join('');
}

// ----- Runtime properties --------------------------------------------------------------------------------------

/** What `reference()` returns for a resource, by type: the documented properties the templates read. */
export function runtimeProperties(type: string, id: string, name: string, location: string): JsonObject {
  switch (type.toLowerCase()) {
    case 'microsoft.managedidentity/userassignedidentities':
      return {
        principalId: fakeGuid('principalId', id),
        clientId: fakeGuid('clientId', id),
        tenantId: sampleContext.tenantId,
      };
    case 'microsoft.storage/storageaccounts':
      return {
        primaryEndpoints: {
          blob: `https://${name}.blob.core.windows.net/`,
          queue: `https://${name}.queue.core.windows.net/`,
          table: `https://${name}.table.core.windows.net/`,
          file: `https://${name}.file.core.windows.net/`,
        },
      };
    case 'microsoft.keyvault/vaults':
      return { vaultUri: `https://${name}.vault.azure.net/` };
    case 'microsoft.insights/components': {
      const key = fakeGuid('instrumentationKey', id);
      return {
        InstrumentationKey: key,
        ConnectionString: `InstrumentationKey=${key};IngestionEndpoint=https://${location}-0.in.applicationinsights.azure.com/;LiveEndpoint=https://${location}.livediagnostics.monitor.azure.com/;ApplicationId=${fakeGuid('applicationId', id)}`,
      };
    }
    case 'microsoft.web/sites':
      return { defaultHostName: `${name}.azurewebsites.net` };
    case 'microsoft.operationalinsights/workspaces':
      return { customerId: fakeGuid('customerId', id) };
    default:
      throw new DeploymentError(`reference() of ${type}: no runtime properties modelled for this type`);
  }
}

// ----- Expressions ---------------------------------------------------------------------------------------------

type Node =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'call'; readonly name: string; readonly args: readonly Node[] }
  | { readonly kind: 'property'; readonly target: Node; readonly name: string }
  | { readonly kind: 'index'; readonly target: Node; readonly index: Node };

/** Parses the inside of `[...]`. */
export function parseExpression(source: string): Node {
  let position = 0;
  const fail = (what: string): never => {
    throw new DeploymentError(`ARM expression ${JSON.stringify(source)}: ${what} at ${position}`);
  };
  const skipSpace = () => {
    while (source[position] === ' ') position += 1;
  };
  const primary = (): Node => {
    skipSpace();
    const char = source[position];
    if (char === "'") {
      let value = '';
      position += 1;
      for (;;) {
        if (position >= source.length) fail('unterminated string');
        if (source[position] === "'") {
          if (source[position + 1] === "'") {
            value += "'";
            position += 2;
            continue;
          }
          position += 1;
          break;
        }
        value += source.charAt(position);
        position += 1;
      }
      return { kind: 'string', value };
    }
    const number = /^-?\d+(\.\d+)?/.exec(source.slice(position));
    if (number) {
      position += number[0].length;
      return { kind: 'number', value: Number(number[0]) };
    }
    const name = /^[A-Za-z_][A-Za-z0-9_.]*?(?=\()/.exec(source.slice(position));
    if (!name) return fail('expected a function call, string or number');
    position += name[0].length + 1;
    const args: Node[] = [];
    skipSpace();
    if (source[position] === ')') {
      position += 1;
    } else {
      for (;;) {
        args.push(expression());
        skipSpace();
        if (source[position] === ',') {
          position += 1;
          continue;
        }
        if (source[position] === ')') {
          position += 1;
          break;
        }
        fail('expected , or )');
      }
    }
    return { kind: 'call', name: name[0].toLowerCase(), args };
  };
  const expression = (): Node => {
    let node = primary();
    for (;;) {
      skipSpace();
      if (source[position] === '.') {
        const name = /^\.([A-Za-z_$][A-Za-z0-9_$-]*)/.exec(source.slice(position));
        if (!name?.[1]) return fail('expected a property name');
        position += name[0].length;
        node = { kind: 'property', target: node, name: name[1] };
      } else if (source[position] === '[') {
        position += 1;
        const index = expression();
        skipSpace();
        if (source[position] !== ']') fail('expected ]');
        position += 1;
        node = { kind: 'index', target: node, index };
      } else {
        return node;
      }
    }
  };
  const node = expression();
  skipSpace();
  if (position !== source.length) fail('unexpected text');
  return node;
}

const isExpression = (value: string): boolean =>
  value.startsWith('[') && value.endsWith(']') && !value.startsWith('[[');

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeName(value: Json): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value === 'object' ? 'object' : typeof value;
}

function asString(value: Json, what: string): string {
  if (typeof value !== 'string')
    throw new DeploymentError(`${what} expects a string, got ${typeName(value)}`);
  return value;
}

function stringify(value: Json): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function formatString(template: string, args: readonly Json[]): string {
  return template.replace(/\{(\d+)(:[^}]*)?\}/g, (_, index: string) => {
    const arg = args[Number(index)];
    if (arg === undefined) throw new DeploymentError(`format(): no argument {${index}}`);
    if (typeof arg === 'boolean') return arg ? 'True' : 'False';
    return stringify(arg);
  });
}

// ----- Templates -----------------------------------------------------------------------------------------------

interface Scope {
  readonly subscriptionId: string;
  /** Undefined at subscription scope. */
  readonly resourceGroup: string | undefined;
  readonly location: string;
}

interface Frame {
  readonly template: ArmTemplate;
  readonly scope: Scope;
  readonly deploymentName: string;
  readonly parameters: Record<string, Json>;
  readonly variableCache: Map<string, Json>;
  readonly lambdas: ReadonlyMap<string, Json>;
  /** Inside a resource copy loop (`[for … in …]` in Bicep): the loop's name and this instance's index. */
  readonly copy?: { readonly name: string; readonly index: number };
}

function providerPath(type: string, names: readonly string[]): string {
  const [namespace, ...types] = type.split('/');
  if (namespace === undefined || types.length !== names.length) {
    throw new DeploymentError(
      `resource id of ${type} needs ${types.length} name segments, got ${names.length}`,
    );
  }
  return `/providers/${namespace}/${types.map((segment, index) => `${segment}/${names[index] ?? ''}`).join('/')}`;
}

function scopeId(scope: Scope): string {
  return scope.resourceGroup === undefined
    ? `/subscriptions/${scope.subscriptionId}`
    : `/subscriptions/${scope.subscriptionId}/resourceGroups/${scope.resourceGroup}`;
}

/** `Microsoft.KeyVault/vaults/secrets` and `kv/secret` → the resource id under a scope. */
function childId(scopePrefix: string, type: string, name: string): string {
  return `${scopePrefix}${providerPath(type, name.split('/'))}`;
}

export class ArmDeployer {
  private readonly deployed: DeployedResource[] = [];
  private readonly runtime = new Map<string, Json>();

  constructor(private readonly context: DeploymentContext = sampleContext) {}

  deploy(template: ArmTemplate, parameters: Record<string, Json>, location: string): Deployment {
    const scope: Scope = { subscriptionId: this.context.subscriptionId, resourceGroup: undefined, location };
    const outputs = this.run(template, parameters, scope, 'main');
    return { resources: [...this.deployed], outputs };
  }

  private run(template: ArmTemplate, supplied: Record<string, Json>, scope: Scope, deploymentName: string) {
    const frame: Frame = {
      template,
      scope,
      deploymentName,
      parameters: {},
      variableCache: new Map(),
      lambdas: new Map(),
    };
    const declared = template.parameters ?? {};
    for (const name of Object.keys(supplied)) {
      if (!(name in declared)) {
        throw new DeploymentError(
          `${deploymentName}: parameter ${name} is supplied but not declared by the template`,
        );
      }
    }
    for (const [name, declaration] of Object.entries(declared)) {
      const where = `${deploymentName}: parameter ${name}`;
      let value: Json | undefined = supplied[name];
      if (value === undefined && 'defaultValue' in declaration) {
        value = this.evaluate(declaration['defaultValue'] ?? null, frame);
      }
      if (value === undefined) {
        if (declaration['nullable'] === true) value = null;
        else throw new DeploymentError(`${where} is required and has no value`);
      }
      this.validate(value, declaration, template, where);
      frame.parameters[name] = value;
    }

    const entries: [string, JsonObject][] = Array.isArray(template.resources)
      ? template.resources.map((resource, index) => [String(index), resource])
      : Object.entries(template.resources);
    const order = this.dependencyOrder(entries, frame);
    for (const [symbol, resource] of order) this.deployResource(symbol, resource, frame);

    const outputs: Record<string, Json> = {};
    for (const [name, output] of Object.entries(template.outputs ?? {})) {
      if ('condition' in output && this.evaluate(output['condition'] ?? null, frame) !== true) continue;
      const value = this.evaluate(output['value'] ?? null, frame);
      this.validate(value, output, template, `${deploymentName}: output ${name}`);
      outputs[name] = value;
    }
    return outputs;
  }

  /** Modules whose outputs others read must be deployed first; dependsOn (symbolic or by id) says which. */
  private dependencyOrder(entries: readonly [string, JsonObject][], frame: Frame): [string, JsonObject][] {
    const bySymbol = new Map(entries);
    const done = new Set<string>();
    const ordered: [string, JsonObject][] = [];
    const visit = (symbol: string, path: readonly string[]) => {
      if (done.has(symbol)) return;
      if (path.includes(symbol))
        throw new DeploymentError(`${frame.deploymentName}: dependency cycle ${path.join(' → ')}`);
      const resource = bySymbol.get(symbol);
      if (resource === undefined) return;
      for (const dependency of (resource['dependsOn'] as Json[] | undefined) ?? []) {
        if (typeof dependency === 'string' && bySymbol.has(dependency)) visit(dependency, [...path, symbol]);
      }
      done.add(symbol);
      ordered.push([symbol, resource]);
    };
    for (const [symbol] of entries) visit(symbol, []);
    return ordered;
  }

  private resourceIdOf(resource: JsonObject, frame: Frame): { id: string; scope: string | undefined } {
    const type = asString(resource['type'] ?? null, 'resource type');
    const name = asString(this.evaluate(resource['name'] ?? null, frame), `${type} name`);
    if (type === 'Microsoft.Resources/resourceGroups') {
      return { id: `/subscriptions/${frame.scope.subscriptionId}/resourceGroups/${name}`, scope: undefined };
    }
    if ('scope' in resource) {
      const scope = asString(this.evaluate(resource['scope'] ?? null, frame), `${type} scope`);
      return { id: childId(scope, type, name), scope };
    }
    return { id: childId(this.deploymentScopeId(resource, frame), type, name), scope: undefined };
  }

  private deploymentScopeId(resource: JsonObject, frame: Frame): string {
    if (resource['type'] === 'Microsoft.Resources/deployments' && 'resourceGroup' in resource) {
      const group = asString(
        this.evaluate(resource['resourceGroup'] ?? null, frame),
        'deployment resourceGroup',
      );
      return `/subscriptions/${frame.scope.subscriptionId}/resourceGroups/${group}`;
    }
    return scopeId(frame.scope);
  }

  private deployResource(symbol: string, resource: JsonObject, frame: Frame): void {
    if (resource['copy'] !== undefined) {
      this.deployCopies(symbol, resource, frame);
      return;
    }
    const type = asString(resource['type'] ?? null, 'resource type');
    const { id, scope } = this.resourceIdOf(resource, frame);
    if (resource['existing'] === true) return;
    if ('condition' in resource) {
      const condition = this.evaluate(resource['condition'] ?? null, frame);
      if (typeof condition !== 'boolean')
        throw new DeploymentError(`${id}: condition is ${typeName(condition)}`);
      if (!condition) return;
    }
    const name = asString(this.evaluate(resource['name'] ?? null, frame), `${type} name`);
    if (type === 'Microsoft.Resources/deployments') {
      this.deployModule(symbol, resource, frame, name, id);
      return;
    }
    const body: JsonObject = {};
    for (const [key, value] of Object.entries(resource)) {
      if (['dependsOn', 'condition', 'existing', 'copy'].includes(key)) continue;
      body[key] = this.evaluate(value, frame);
    }
    const location = typeof body['location'] === 'string' ? body['location'] : frame.scope.location;
    this.deployed.push({
      id,
      type,
      apiVersion: asString(resource['apiVersion'] ?? null, `${id} apiVersion`),
      name,
      deployment: frame.deploymentName,
      scope,
      body,
    });
    const shortName = name.split('/').at(-1) ?? name;
    if (hasRuntimeProperties(type))
      this.runtime.set(id.toLowerCase(), runtimeProperties(type, id, shortName, location));
  }

  /**
   * A resource loop: one instance per index, each evaluated with `copyIndex()` as its index. ARM deploys the
   * instances in parallel unless the loop is serial, so the order here means nothing. Module loops are not modelled.
   */
  private deployCopies(symbol: string, resource: JsonObject, frame: Frame): void {
    const copy = resource['copy'];
    if (!isObject(copy)) throw new DeploymentError(`${frame.deploymentName}: ${symbol}: malformed copy`);
    if (resource['type'] === 'Microsoft.Resources/deployments')
      throw new DeploymentError(`${frame.deploymentName}: ${symbol}: module loops are not modelled`);
    const count = this.evaluate(copy['count'] ?? null, frame);
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > 800) {
      throw new DeploymentError(`${frame.deploymentName}: ${symbol}: copy count ${JSON.stringify(count)}`);
    }
    const instance: JsonObject = Object.fromEntries(
      Object.entries(resource).filter(([key]) => key !== 'copy'),
    );
    const name = asString(copy['name'] ?? null, `${symbol} copy name`);
    for (let index = 0; index < count; index += 1) {
      this.deployResource(symbol, instance, { ...frame, copy: { name, index } });
    }
  }

  private deployModule(symbol: string, resource: JsonObject, frame: Frame, name: string, id: string): void {
    const properties = resource['properties'];
    if (!isObject(properties)) throw new DeploymentError(`${id}: deployment without properties`);
    const template = properties['template'] as unknown as ArmTemplate;
    const passed = properties['parameters'];
    const values: Record<string, Json> = {};
    // Bicep passes a conditional module parameter as one expression that yields `{ value: … }`.
    for (const [parameter, wrapper] of Object.entries(isObject(passed) ? passed : {})) {
      const evaluated = this.evaluate(wrapper, frame);
      if (!isObject(evaluated) || !('value' in evaluated)) {
        throw new DeploymentError(`${name}: parameter ${parameter} is not passed as { value }`);
      }
      values[parameter] = evaluated['value'] ?? null;
    }
    const group =
      'resourceGroup' in resource
        ? asString(this.evaluate(resource['resourceGroup'] ?? null, frame), 'deployment resourceGroup')
        : frame.scope.resourceGroup;
    const outputs = this.run(
      template,
      values,
      { subscriptionId: frame.scope.subscriptionId, resourceGroup: group, location: frame.scope.location },
      name,
    );
    const outputValues: JsonObject = {};
    for (const [key, value] of Object.entries(outputs)) outputValues[key] = { value };
    this.runtime.set(id.toLowerCase(), { outputs: outputValues });
    this.runtime.set(`${frame.deploymentName}::${symbol}`, { outputs: outputValues });
  }

  // ----- Validation ----------------------------------------------------------------------------------------

  private validate(value: Json, declaration: JsonObject, template: ArmTemplate, where: string): void {
    let effective = declaration;
    const reference = declaration['$ref'];
    if (typeof reference === 'string') {
      const definition = template.definitions?.[reference.replace('#/definitions/', '')];
      if (definition === undefined) throw new DeploymentError(`${where}: unknown type ${reference}`);
      effective = { ...definition, ...declaration };
    }
    if (value === null && effective['nullable'] === true) return;
    const type = typeof effective['type'] === 'string' ? effective['type'].toLowerCase() : undefined;
    const actual = typeName(value);
    const expected =
      type === 'securestring'
        ? 'string'
        : type === 'secureobject'
          ? 'object'
          : type === 'int'
            ? 'number'
            : type === 'bool'
              ? 'boolean'
              : type;
    if (expected !== undefined && expected !== 'any' && actual !== expected) {
      throw new DeploymentError(`${where}: expects ${type ?? '?'}, got ${actual} ${JSON.stringify(value)}`);
    }
    if (type === 'int' && (typeof value !== 'number' || !Number.isInteger(value))) {
      throw new DeploymentError(`${where}: expects an integer, got ${JSON.stringify(value)}`);
    }
    const allowed = effective['allowedValues'];
    if (Array.isArray(allowed)) {
      const values = Array.isArray(value) ? value : [value];
      for (const item of values) {
        if (!allowed.some((candidate) => JSON.stringify(candidate) === JSON.stringify(item))) {
          throw new DeploymentError(
            `${where}: ${JSON.stringify(item)} is not one of ${JSON.stringify(allowed)}`,
          );
        }
      }
    }
    const length = typeof value === 'string' || Array.isArray(value) ? value.length : undefined;
    const { minLength, maxLength, minValue, maxValue } = effective;
    if (length !== undefined && typeof minLength === 'number' && length < minLength) {
      throw new DeploymentError(`${where}: shorter than ${minLength}: ${JSON.stringify(value)}`);
    }
    if (length !== undefined && typeof maxLength === 'number' && length > maxLength) {
      throw new DeploymentError(`${where}: longer than ${maxLength}: ${JSON.stringify(value)}`);
    }
    if (typeof value === 'number' && typeof minValue === 'number' && value < minValue) {
      throw new DeploymentError(`${where}: below ${minValue}: ${value}`);
    }
    if (typeof value === 'number' && typeof maxValue === 'number' && value > maxValue) {
      throw new DeploymentError(`${where}: above ${maxValue}: ${value}`);
    }
    const properties = effective['properties'];
    if (isObject(properties) && isObject(value)) {
      for (const [key, propertyDeclaration] of Object.entries(properties)) {
        if (!isObject(propertyDeclaration)) continue;
        const propertyValue = value[key];
        if (propertyValue === undefined) {
          if (propertyDeclaration['nullable'] !== true)
            throw new DeploymentError(`${where}: property ${key} is required`);
          continue;
        }
        this.validate(propertyValue, propertyDeclaration, template, `${where}.${key}`);
      }
    }
  }

  // ----- Evaluation ----------------------------------------------------------------------------------------

  evaluate(value: Json, frame: Frame): Json {
    if (typeof value === 'string') {
      if (isExpression(value)) return this.evaluateNode(parseExpression(value.slice(1, -1)), frame);
      return value.startsWith('[[') ? value.slice(1) : value;
    }
    if (Array.isArray(value)) return value.map((item) => this.evaluate(item, frame));
    if (isObject(value)) {
      const result: JsonObject = {};
      for (const [key, item] of Object.entries(value)) {
        const evaluatedKey = isExpression(key) ? stringify(this.evaluate(key, frame)) : key;
        result[evaluatedKey] = this.evaluate(item, frame);
      }
      return result;
    }
    return value;
  }

  private evaluateNode(node: Node, frame: Frame): Json {
    switch (node.kind) {
      case 'string':
      case 'number':
        return node.value;
      case 'property': {
        const target = this.evaluateNode(node.target, frame);
        if (!isObject(target) || !(node.name in target)) {
          throw new DeploymentError(
            `The language expression property '${node.name}' doesn't exist, available properties are '${isObject(target) ? Object.keys(target).join(', ') : typeName(target)}'`,
          );
        }
        return target[node.name] ?? null;
      }
      case 'index': {
        const target = this.evaluateNode(node.target, frame);
        const index = this.evaluateNode(node.index, frame);
        const found =
          Array.isArray(target) && typeof index === 'number'
            ? target[index]
            : isObject(target) && typeof index === 'string'
              ? target[index]
              : undefined;
        if (found === undefined)
          throw new DeploymentError(`index ${JSON.stringify(index)} is not in ${typeName(target)}`);
        return found;
      }
      case 'call':
        return this.call(node, frame);
    }
  }

  private call(node: Extract<Node, { kind: 'call' }>, frame: Frame): Json {
    const lazy = node.args;
    switch (node.name) {
      case 'if': {
        const [condition, whenTrue, whenFalse] = lazy;
        if (!condition || !whenTrue || !whenFalse) throw new DeploymentError('if() takes three arguments');
        return this.evaluateNode(condition, frame) === true
          ? this.evaluateNode(whenTrue, frame)
          : this.evaluateNode(whenFalse, frame);
      }
      case 'map':
      case 'filter': {
        const [arrayNode, lambdaNode] = lazy;
        const array = arrayNode ? this.evaluateNode(arrayNode, frame) : null;
        if (!Array.isArray(array) || lambdaNode?.kind !== 'call' || lambdaNode.name !== 'lambda') {
          throw new DeploymentError(`${node.name}() takes an array and a lambda`);
        }
        const [variable, body] = lambdaNode.args;
        if (variable?.kind !== 'string' || !body)
          throw new DeploymentError('lambda() takes a name and a body');
        const apply = (item: Json) =>
          this.evaluateNode(body, { ...frame, lambdas: new Map([...frame.lambdas, [variable.value, item]]) });
        return node.name === 'map' ? array.map(apply) : array.filter((item) => apply(item) === true);
      }
      default:
        break;
    }
    const args = lazy.map((arg) => this.evaluateNode(arg, frame));
    const str = (index: number) => asString(args[index] ?? null, `${node.name}() argument ${index + 1}`);
    switch (node.name) {
      case 'parameters': {
        const name = str(0);
        if (!(name in frame.parameters)) throw new DeploymentError(`parameters('${name}') is not declared`);
        return frame.parameters[name] ?? null;
      }
      case 'variables': {
        const name = str(0);
        const cached = frame.variableCache.get(name);
        if (cached !== undefined) return cached;
        const variables = frame.template.variables ?? {};
        if (!(name in variables)) throw new DeploymentError(`variables('${name}') is not declared`);
        const value = this.evaluate(variables[name] ?? null, frame);
        frame.variableCache.set(name, value);
        return value;
      }
      case 'lambdavariables': {
        const value = frame.lambdas.get(str(0));
        if (value === undefined) throw new DeploymentError(`lambdaVariables('${str(0)}') outside its lambda`);
        return value;
      }
      case 'reference':
        return this.reference(str(0), frame);
      case 'resourceid': {
        const strings = args.map((_, index) => str(index));
        // resourceId([subscriptionId], [resourceGroupName], type, names...): the type is the first with a slash.
        const typeIndex = strings.findIndex((value) => value.includes('/'));
        const prefix = strings.slice(0, typeIndex);
        const type = strings[typeIndex] ?? '';
        const names = strings.slice(typeIndex + 1);
        const subscription = prefix.length === 2 ? prefix[0] : frame.scope.subscriptionId;
        const group = prefix.length >= 1 ? prefix.at(-1) : frame.scope.resourceGroup;
        const base =
          group === undefined
            ? `/subscriptions/${subscription ?? ''}`
            : `/subscriptions/${subscription ?? ''}/resourceGroups/${group}`;
        return `${base}${providerPath(type, names)}`;
      }
      case 'subscriptionresourceid': {
        const strings = args.map((_, index) => str(index));
        const typeIndex = strings.findIndex((value) => value.includes('/'));
        const subscription = typeIndex === 1 ? strings[0] : frame.scope.subscriptionId;
        return `/subscriptions/${subscription ?? ''}${providerPath(strings[typeIndex] ?? '', strings.slice(typeIndex + 1))}`;
      }
      case 'extensionresourceid': {
        const strings = args.map((_, index) => str(index));
        return `${strings[0] ?? ''}${providerPath(strings[1] ?? '', strings.slice(2))}`;
      }
      case 'format':
        return formatString(str(0), args.slice(1));
      case 'concat':
        if (args.every(Array.isArray)) return (args as Json[][]).flat();
        return args.map(stringify).join('');
      case 'string':
        return stringify(args[0] ?? null);
      case 'int': {
        const value = Number(args[0]);
        if (!Number.isInteger(value)) throw new DeploymentError(`int(${JSON.stringify(args[0])})`);
        return value;
      }
      case 'bool':
        return args[0] === true || args[0] === 'true';
      case 'not':
        return args[0] !== true;
      case 'and':
        return args.every((arg) => arg === true);
      case 'or':
        return args.some((arg) => arg === true);
      case 'equals':
        return JSON.stringify(args[0]) === JSON.stringify(args[1]);
      case 'empty': {
        const value = args[0] ?? null;
        if (value === null) return true;
        if (typeof value === 'string' || Array.isArray(value)) return value.length === 0;
        if (isObject(value)) return Object.keys(value).length === 0;
        return false;
      }
      case 'length': {
        const value = args[0] ?? null;
        if (typeof value === 'string' || Array.isArray(value)) return value.length;
        if (isObject(value)) return Object.keys(value).length;
        throw new DeploymentError(`length() of ${typeName(value)}`);
      }
      case 'true':
        return true;
      case 'false':
        return false;
      case 'null':
        return null;
      case 'createobject': {
        const result: JsonObject = {};
        for (let index = 0; index < args.length; index += 2) result[str(index)] = args[index + 1] ?? null;
        return result;
      }
      case 'createarray':
        return args;
      case 'flatten': {
        // Bicep's spread (`...list`) inside an array literal compiles to flatten(createArray(…)).
        const [arrays] = args;
        if (!Array.isArray(arrays) || !arrays.every(Array.isArray))
          throw new DeploymentError('flatten() takes an array of arrays');
        return (arrays as Json[][]).flat();
      }
      case 'union': {
        if (args.every(Array.isArray))
          return [...new Set((args as Json[][]).flat().map((item) => JSON.stringify(item)))].map(
            (item) => JSON.parse(item) as Json,
          );
        return Object.assign({}, ...args.map((arg) => (isObject(arg) ? arg : {}))) as JsonObject;
      }
      case 'take': {
        const [value, count] = args;
        if (typeof count !== 'number') throw new DeploymentError('take() count');
        if (typeof value === 'string' || Array.isArray(value)) return value.slice(0, Math.max(0, count));
        throw new DeploymentError(`take() of ${typeName(value ?? null)}`);
      }
      case 'join':
        return (args[0] as Json[]).map(stringify).join(str(1));
      case 'contains': {
        const [container, item] = args;
        if (typeof container === 'string') return container.includes(stringify(item ?? null));
        if (Array.isArray(container))
          return container.some((candidate) => JSON.stringify(candidate) === JSON.stringify(item));
        return isObject(container) && typeof item === 'string' && item in container;
      }
      case 'tolower':
        return str(0).toLowerCase();
      case 'toupper':
        return str(0).toUpperCase();
      case 'replace':
        return str(0).split(str(1)).join(str(2));
      case 'guid':
        return fakeGuid(...args.map((_, index) => str(index)));
      case 'uniquestring':
        return fakeUniqueString(...args.map((_, index) => str(index)));
      case 'subscription':
        return {
          id: `/subscriptions/${frame.scope.subscriptionId}`,
          subscriptionId: frame.scope.subscriptionId,
          tenantId: this.context.tenantId,
          displayName: 'sample subscription',
        };
      case 'resourcegroup':
        if (frame.scope.resourceGroup === undefined) {
          throw new DeploymentError('resourceGroup() used in a subscription-scope deployment');
        }
        return {
          id: scopeId(frame.scope),
          name: frame.scope.resourceGroup,
          location: frame.scope.location,
          type: 'Microsoft.Resources/resourceGroups',
        };
      case 'tenant':
        return { tenantId: this.context.tenantId, countryCode: 'US', displayName: 'sample tenant' };
      case 'deployer':
        return { objectId: this.context.deployerObjectId, tenantId: this.context.tenantId };
      case 'environment':
        return {
          name: 'AzureCloud',
          authentication: { loginEndpoint: 'https://login.microsoftonline.com/', audiences: [] },
          suffixes: { storage: 'core.windows.net', keyvaultDns: '.vault.azure.net' },
        };
      case 'deployment':
        return { name: frame.deploymentName };
      case 'copyindex': {
        // copyIndex(), copyIndex(offset), copyIndex('loop'), copyIndex('loop', offset).
        const named = typeof args[0] === 'string' ? args[0] : undefined;
        const offset = args[named === undefined ? 0 : 1] ?? 0;
        if (frame.copy === undefined || (named !== undefined && named !== frame.copy.name)) {
          throw new DeploymentError(`copyIndex(${named ?? ''}) outside its loop`);
        }
        if (typeof offset !== 'number') throw new DeploymentError('copyIndex() offset');
        return frame.copy.index + offset;
      }
      default:
        throw new DeploymentError(`ARM function ${node.name}() is not modelled`);
    }
  }

  private reference(target: string, frame: Frame): Json {
    const entries = Array.isArray(frame.template.resources) ? undefined : frame.template.resources;
    const symbolic = entries?.[target];
    if (symbolic !== undefined) {
      if (symbolic['type'] === 'Microsoft.Resources/deployments') {
        const module = this.runtime.get(`${frame.deploymentName}::${target}`);
        if (module === undefined)
          throw new DeploymentError(`reference('${target}') before the module is deployed`);
        return module;
      }
      return this.runtimeOf(
        this.resourceIdOf(symbolic, frame).id,
        asString(symbolic['type'] ?? null, 'type'),
      );
    }
    // …/providers/<namespace>/<type>/<name>[/<child type>/<child name>…]
    const providers = target.lastIndexOf('/providers/');
    const segments = providers < 0 ? [] : target.slice(providers + '/providers/'.length).split('/');
    const types = segments.filter((_, index) => index % 2 === 1);
    return this.runtimeOf(target, `${segments[0] ?? ''}/${types.join('/')}`);
  }

  private runtimeOf(id: string, type: string): Json {
    const known = this.runtime.get(id.toLowerCase());
    if (known !== undefined) return known;
    // An `existing` resource the deployment did not create: its runtime properties still have their shape.
    const name = id.split('/').at(-1) ?? '';
    return runtimeProperties(type, id, name, 'unknown');
  }
}

function hasRuntimeProperties(type: string): boolean {
  try {
    runtimeProperties(type, '', '', '');
    return true;
  } catch {
    return false;
  }
}
