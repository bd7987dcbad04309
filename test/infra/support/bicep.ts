/**
 * Reads the Bicep templates under infra/ as syntax trees (tree-sitter-bicep), so the infrastructure tests can
 * check declarations and property values rather than match text. The Bicep CLI cannot run here; this is the
 * offline substitute: it proves the files parse and lets the tests reason about what they declare.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import Parser from 'tree-sitter';
import bicepGrammar from 'tree-sitter-bicep';

export type Node = Parser.SyntaxNode;

export const repositoryRoot = resolve(__dirname, '..', '..', '..');
export const infraDirectory = join(repositoryRoot, 'infra');

const parser = new Parser();
// The grammar package types its inner `language` as `unknown`; it is the object setLanguage expects.
parser.setLanguage(bicepGrammar as unknown as Parser.Language);

export interface Decorator {
  readonly name: string;
  readonly arguments: readonly Node[];
}

interface Declaration {
  readonly node: Node;
  readonly decorators: readonly Decorator[];
  readonly line: number;
}

export interface ParameterDeclaration extends Declaration {
  readonly name: string;
  readonly typeText: string;
  readonly defaultValue: Node | undefined;
  readonly nullable: boolean;
}

export interface ResourceDeclaration extends Declaration {
  readonly symbol: string;
  /** e.g. `Microsoft.Web/sites`; a nested child resource's short type is qualified with its parent's. */
  readonly type: string;
  readonly apiVersion: string;
  readonly existing: boolean;
  /** The `if (...)` condition's expression, when the resource is conditional. */
  readonly condition: Node | undefined;
  readonly body: Node;
}

export interface ModuleDeclaration extends Declaration {
  readonly symbol: string;
  readonly path: string;
  readonly body: Node;
}

export interface OutputDeclaration extends Declaration {
  readonly name: string;
  readonly value: Node;
}

export interface VariableDeclaration extends Declaration {
  readonly name: string;
  readonly value: Node;
}

export interface BicepFile {
  readonly path: string;
  /** Path from the repository root, for messages. */
  readonly name: string;
  readonly root: Node;
  readonly parameters: readonly ParameterDeclaration[];
  readonly variables: readonly VariableDeclaration[];
  readonly resources: readonly ResourceDeclaration[];
  readonly modules: readonly ModuleDeclaration[];
  readonly outputs: readonly OutputDeclaration[];
}

/** Every .bicep file under infra/, sorted. */
export function bicepFilePaths(directory = infraDirectory): string[] {
  return readdirSync(directory, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.bicep'))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

export function parseBicepSource(source: string): Node {
  return parser.parse(source).rootNode;
}

export function parseBicepFile(path: string): BicepFile {
  return parseBicepText(readFileSync(path, 'utf8'), path);
}

/** Parses Bicep source as if it were the file at `path` (which need not exist). */
export function parseBicepText(source: string, path: string): BicepFile {
  const root = parseBicepSource(source);
  const topLevel = root.namedChildren;
  return {
    path,
    name: relative(repositoryRoot, path),
    root,
    parameters: topLevel.filter(is('parameter_declaration')).map(toParameter),
    variables: topLevel.filter(is('variable_declaration')).map(toVariable),
    resources: topLevel.filter(is('resource_declaration')).flatMap((node) => toResources(node, undefined)),
    modules: topLevel.filter(is('module_declaration')).map(toModule),
    outputs: topLevel.filter(is('output_declaration')).map(toOutput),
  };
}

/** Every ERROR or MISSING node, as `line N: text`: a file is syntactically sound when this is empty. */
export function syntaxProblems(root: Node): string[] {
  const problems: string[] = [];
  const visit = (node: Node): void => {
    if (node.type === 'ERROR' || node.isMissing) {
      const what = node.isMissing
        ? `missing ${node.type}`
        : `cannot parse ${JSON.stringify(node.text.slice(0, 60))}`;
      problems.push(`line ${node.startPosition.row + 1}: ${what}`);
    }
    node.children.forEach(visit);
  };
  visit(root);
  return problems;
}

const is =
  (type: string) =>
  (node: Node): boolean =>
    node.type === type;

function firstNamed(node: Node, type: string): Node | undefined {
  return node.namedChildren.find(is(type));
}

function required(node: Node | undefined, what: string): Node {
  if (node === undefined) throw new Error(`Unexpected Bicep syntax tree: no ${what}`);
  return node;
}

/** Bicep puts a declaration's decorators in a `decorators` node just before it. */
function decoratorsOf(declaration: Node): Decorator[] {
  const previous = declaration.previousNamedSibling;
  if (previous?.type !== 'decorators') return [];
  return previous.namedChildren.filter(is('decorator')).map((decorator) => {
    const call = required(firstNamed(decorator, 'call_expression'), 'decorator call');
    const callee = required(call.namedChildren[0], 'decorator name');
    const args = firstNamed(call, 'arguments')?.namedChildren ?? [];
    // `@sys.description(...)` names the same decorator as `@description(...)`.
    const name = callee.type === 'member_expression' ? (callee.lastNamedChild?.text ?? '') : callee.text;
    return { name, arguments: args };
  });
}

function lineOf(node: Node): number {
  return node.startPosition.row + 1;
}

function toParameter(node: Node): ParameterDeclaration {
  const [identifier, type, defaultValue] = node.namedChildren;
  const typeNode = required(type, 'parameter type');
  return {
    node,
    decorators: decoratorsOf(node),
    line: lineOf(node),
    name: required(identifier, 'parameter name').text,
    typeText: typeNode.text,
    defaultValue,
    nullable: typeNode.descendantsOfType('nullable_type').length > 0,
  };
}

function toVariable(node: Node): VariableDeclaration {
  const [identifier, value] = node.namedChildren;
  return {
    node,
    decorators: decoratorsOf(node),
    line: lineOf(node),
    name: required(identifier, 'variable name').text,
    value: required(value, 'variable value'),
  };
}

function toResources(node: Node, parentType: string | undefined): ResourceDeclaration[] {
  const [identifier, typeString, valueNode] = node.namedChildren;
  const typeText = stringValue(required(typeString, 'resource type'));
  if (typeText === undefined) throw new Error(`Resource type at line ${lineOf(node)} is not a plain string`);
  const [shortType = '', apiVersion = ''] = typeText.split('@');
  const type =
    parentType !== undefined && !shortType.includes('/') ? `${parentType}/${shortType}` : shortType;
  const value = required(valueNode, 'resource value');
  const condition = value.type === 'if_statement' ? value : undefined;
  const body =
    condition === undefined ? value : required(firstNamed(condition, 'object'), 'conditional resource body');
  const resource: ResourceDeclaration = {
    node,
    decorators: decoratorsOf(node),
    line: lineOf(node),
    symbol: required(identifier, 'resource symbol').text,
    type,
    apiVersion,
    existing: node.children.some((child) => child.type === 'existing'),
    condition:
      condition === undefined
        ? undefined
        : firstNamed(condition, 'parenthesized_expression')?.namedChildren[0],
    body,
  };
  const nested = body.namedChildren
    .filter(is('resource_declaration'))
    .flatMap((child) => toResources(child, type));
  return [resource, ...nested];
}

function toModule(node: Node): ModuleDeclaration {
  const [identifier, pathString, valueNode] = node.namedChildren;
  const path = stringValue(required(pathString, 'module path'));
  if (path === undefined) throw new Error(`Module path at line ${lineOf(node)} is not a plain string`);
  const value = required(valueNode, 'module value');
  return {
    node,
    decorators: decoratorsOf(node),
    line: lineOf(node),
    symbol: required(identifier, 'module symbol').text,
    path,
    body: value.type === 'if_statement' ? required(firstNamed(value, 'object'), 'module body') : value,
  };
}

function toOutput(node: Node): OutputDeclaration {
  const named = node.namedChildren;
  return {
    node,
    decorators: decoratorsOf(node),
    line: lineOf(node),
    name: required(named[0], 'output name').text,
    value: required(named.at(-1), 'output value'),
  };
}

/** The text of a string literal without interpolation; undefined for anything else. */
export function stringValue(node: Node | undefined): string | undefined {
  if (node?.type !== 'string') return undefined;
  if (node.namedChildren.some((child) => child.type === 'interpolation')) return undefined;
  return node.namedChildren
    .filter((child) => child.type === 'string_content' || child.type === 'escape_sequence')
    .map((child) => (child.type === 'escape_sequence' ? child.text.slice(1) : child.text))
    .join('');
}

/** A literal's value (string, number, boolean, null); undefined when the node is an expression. */
export function literalValue(node: Node | undefined): string | number | boolean | null | undefined {
  if (node === undefined) return undefined;
  switch (node.type) {
    case 'string':
      return stringValue(node);
    case 'number':
      return Number(node.text);
    case 'boolean':
      return node.text === 'true';
    case 'null':
      return null;
    default:
      return undefined;
  }
}

/** An object's property value by key (identifier or quoted key). */
export function property(object: Node | undefined, key: string): Node | undefined {
  if (object?.type !== 'object') return undefined;
  for (const entry of object.namedChildren.filter(is('object_property'))) {
    const [keyNode, value] = entry.namedChildren;
    const keyText = keyNode?.type === 'string' ? stringValue(keyNode) : keyNode?.text;
    if (keyText === key) return value;
  }
  return undefined;
}

/** Follows a dotted path of object keys, e.g. `properties.siteConfig.minTlsVersion`. */
export function propertyPath(object: Node | undefined, path: string): Node | undefined {
  return path.split('.').reduce<Node | undefined>((current, key) => property(current, key), object);
}

/** The keys of an object, in order; an interpolated key comes back as its source text. */
export function propertyKeys(object: Node | undefined): string[] {
  if (object?.type !== 'object') return [];
  return object.namedChildren.filter(is('object_property')).flatMap((entry) => {
    const keyNode = entry.namedChildren[0];
    if (keyNode === undefined) return [];
    return [keyNode.type === 'string' ? (stringValue(keyNode) ?? keyNode.text) : keyNode.text];
  });
}

export function arrayItems(node: Node | undefined): Node[] {
  return node?.type === 'array' ? node.namedChildren.filter((child) => child.type !== 'comment') : [];
}

/** Names of the functions an expression calls, e.g. `listKeys` in `storage.listKeys().keys[0].value`. */
export function calledFunctions(node: Node): string[] {
  return node.descendantsOfType('call_expression').map((call) => {
    const callee = call.namedChildren[0];
    return callee?.type === 'member_expression' ? (callee.lastNamedChild?.text ?? '') : (callee?.text ?? '');
  });
}

/** The symbols (parameters, variables, resources, modules) an expression reads. Property names are excluded. */
export function referencedSymbols(node: Node): string[] {
  const symbols = new Set<string>();
  const visit = (current: Node): void => {
    if (current.type === 'identifier' && isSymbolReference(current)) symbols.add(current.text);
    current.namedChildren.forEach(visit);
  };
  visit(node);
  return [...symbols];
}

function isSymbolReference(identifier: Node): boolean {
  const parent = identifier.parent;
  if (parent === null) return false;
  // An object key, or a function's name, is not a reference to a symbol.
  if (parent.type === 'object_property' && parent.namedChildren[0]?.id === identifier.id) return false;
  if (parent.type === 'call_expression' && parent.namedChildren[0]?.id === identifier.id) return false;
  return true;
}

/** The property names an expression reads, e.g. `properties` and `vaultUri` in `vault.properties.vaultUri`. */
export function accessedProperties(node: Node): string[] {
  return node.descendantsOfType('property_identifier').map((identifier) => identifier.text);
}

/** The description decorator's text, if it is a plain string. */
export function descriptionOf(declaration: {
  readonly decorators: readonly Decorator[];
}): string | undefined {
  const description = declaration.decorators.find((decorator) => decorator.name === 'description');
  return stringValue(description?.arguments[0]);
}

export function hasDecorator(
  declaration: { readonly decorators: readonly Decorator[] },
  name: string,
): boolean {
  return declaration.decorators.some((decorator) => decorator.name === name);
}
