/**
 * Azure Verified Modules conventions the templates follow (parameter descriptions, naming, outputs for azd),
 * the parameters file azd reads, and the rule that no output carries a secret.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { descriptionOf, hasDecorator, infraDirectory, parseBicepText } from './support/bicep';
import { secretSources, template, templates } from './support/templates';

const lowerCamelCase = /^[a-z][a-zA-Z0-9]*$/;
const upperSnakeCase = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/;

describe('parameters', () => {
  it('have descriptions with the AVM prefixes: "Required." exactly when there is no default', () => {
    for (const file of templates) {
      for (const parameter of file.parameters) {
        const where = `${file.name}:${parameter.line} ${parameter.name}`;
        const description = descriptionOf(parameter);
        assert.ok(description, `${where} has a @description`);
        const optional = parameter.defaultValue !== undefined || parameter.nullable;
        assert.match(description, optional ? /^Optional\. \S/ : /^Required\. \S/, where);
      }
    }
  });

  it('are lowerCamelCase', () => {
    for (const file of templates) {
      for (const parameter of file.parameters) assert.match(parameter.name, lowerCamelCase, file.name);
    }
  });

  it('take no secrets: nothing secret passes through a deployment', () => {
    for (const file of templates) {
      const secured = file.parameters.filter((parameter) => hasDecorator(parameter, 'secure'));
      assert.deepEqual(
        secured.map((parameter) => parameter.name),
        [],
        `${file.name}: credentials go to Key Vault through the bootstrap, not through Bicep`,
      );
    }
  });
});

describe('outputs', () => {
  it('of main.bicep are UPPER_SNAKE, so azd stores them as environment values', () => {
    for (const output of template('main.bicep').outputs) assert.match(output.name, upperSnakeCase);
  });

  it('of modules are lowerCamelCase', () => {
    for (const file of templates.filter((candidate) => !candidate.path.endsWith('main.bicep'))) {
      for (const output of file.outputs) assert.match(output.name, lowerCamelCase, file.name);
    }
  });

  it('are described', () => {
    for (const file of templates) {
      for (const output of file.outputs)
        assert.ok(descriptionOf(output), `${file.name}:${output.line} ${output.name}`);
    }
  });

  it('carry no key, connection string or secret (outputs are visible in deployment history)', () => {
    for (const file of templates) {
      for (const output of file.outputs) {
        assert.deepEqual(secretSources(file, output.value), [], `${file.name}:${output.line} ${output.name}`);
      }
    }
  });

  it('would be caught carrying one', () => {
    const source = [
      '@secure()',
      "@description('Required. x')",
      'param password string',
      "resource st 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {",
      "  name: 'x'",
      '}',
      'output a string = st.listKeys().keys[0].value',
      'output b string = password',
      "output c string = 'InstrumentationKey=${ai.properties.InstrumentationKey}'",
      '',
    ].join('\n');
    const file = parseBicepText(source, join(infraDirectory, 'leaky.bicep'));
    assert.deepEqual(
      file.outputs.map((output) => secretSources(file, output.value)),
      [
        ['calls listKeys()', 'reads .keys'],
        ['reads the @secure() parameter password'],
        ['reads .InstrumentationKey'],
      ],
    );
  });
});

describe('infra/main.parameters.json', () => {
  const parametersFile = z
    .object({ parameters: z.record(z.string(), z.object({ value: z.unknown() })) })
    .parse(JSON.parse(readFileSync(join(infraDirectory, 'main.parameters.json'), 'utf8')));
  const main = template('main.bicep');

  it('sets only parameters main.bicep declares', () => {
    const declared = new Set(main.parameters.map((parameter) => parameter.name));
    for (const name of Object.keys(parametersFile.parameters)) assert.ok(declared.has(name), name);
  });

  it('sets every required parameter, from the azd environment', () => {
    const requiredParameters = main.parameters.filter(
      (parameter) => parameter.defaultValue === undefined && !parameter.nullable,
    );
    for (const parameter of requiredParameters) {
      assert.match(
        String(parametersFile.parameters[parameter.name]?.value),
        /^\$\{AZURE_[A-Z_]+\}$/,
        parameter.name,
      );
    }
  });
});

describe('main.bicep', () => {
  it('targets the subscription, so one deployment creates the resource group too', () => {
    const target = template('main.bicep').root.namedChildren.find(
      (node) => node.type === 'target_scope_assignment',
    );
    assert.equal(target?.lastNamedChild?.text, "'subscription'");
  });
});
