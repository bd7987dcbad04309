/**
 * Azure Verified Modules conventions the templates follow (parameter descriptions, naming, outputs for azd) and
 * the parameters file azd reads, judged on the compiled templates.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ArmTemplate } from './support/arm';
import { compiledInfra, mainTemplate, skipWithoutBicep } from './support/compile';
import { parametersFile, text } from './support/deployment';

const lowerCamelCase = /^[a-z][a-zA-Z0-9]*$/;
const upperSnakeCase = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/;

interface Declaration {
  readonly type?: string;
  readonly defaultValue?: unknown;
  readonly nullable?: boolean;
  readonly metadata?: { readonly description?: string };
}

function files(): [string, ArmTemplate][] {
  return Object.entries(compiledInfra().templates);
}

const declarations = (template: ArmTemplate, kind: 'parameters' | 'outputs') =>
  Object.entries((template[kind] ?? {}) as Record<string, Declaration>);

describe('parameters', { skip: skipWithoutBicep() }, () => {
  it('have descriptions with the AVM prefixes: "Required." exactly when there is no default', () => {
    for (const [file, template] of files()) {
      for (const [name, parameter] of declarations(template, 'parameters')) {
        const optional = 'defaultValue' in parameter || parameter.nullable === true;
        assert.match(
          parameter.metadata?.description ?? '',
          optional ? /^Optional\. \S/ : /^Required\. \S/,
          `${file} ${name}`,
        );
      }
    }
  });

  it('are lowerCamelCase', () => {
    for (const [file, template] of files()) {
      for (const [name] of declarations(template, 'parameters')) assert.match(name, lowerCamelCase, file);
    }
  });

  it('take no secrets: credentials go to Key Vault through the bootstrap, never through a deployment', () => {
    for (const [file, template] of files()) {
      const secure = declarations(template, 'parameters').filter(([, p]) => /^secure/i.test(p.type ?? ''));
      assert.deepEqual(
        secure.map(([name]) => name),
        [],
        file,
      );
    }
  });
});

describe('outputs', { skip: skipWithoutBicep() }, () => {
  it('of main.bicep are UPPER_SNAKE, so azd stores them as environment values', () => {
    for (const [name] of declarations(mainTemplate(), 'outputs')) assert.match(name, upperSnakeCase);
  });

  it('of modules are lowerCamelCase, and every output is described', () => {
    for (const [file, template] of files()) {
      for (const [name, output] of declarations(template, 'outputs')) {
        if (file !== 'main.json') assert.match(name, lowerCamelCase, file);
        assert.ok(output.metadata?.description, `${file} ${name}`);
      }
    }
  });
});

describe('main.bicep', { skip: skipWithoutBicep() }, () => {
  it('targets the subscription, so one deployment creates the resource group too', () => {
    assert.match(mainTemplate().$schema ?? '', /subscriptionDeploymentTemplate\.json/);
  });
});

describe('infra/main.parameters.json', { skip: skipWithoutBicep() }, () => {
  it('sets only parameters main.bicep declares', () => {
    const declared = new Set(Object.keys(mainTemplate().parameters ?? {}));
    for (const name of Object.keys(parametersFile().parameters)) assert.ok(declared.has(name), name);
  });

  it('sets every required parameter from the azd environment', () => {
    for (const [name, parameter] of declarations(mainTemplate(), 'parameters')) {
      if ('defaultValue' in parameter || parameter.nullable === true) continue;
      assert.match(text(parametersFile().parameters[name]?.value), /^\$\{AZURE_[A-Z_]+\}$/, name);
    }
  });
});
