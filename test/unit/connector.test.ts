import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import { routes } from '../../functions/routes';
import { connectorFiles } from '../../shared/openapi';
import { simplifiedOperations } from '../../shared/operations/catalog';
import { CONNECTOR_DIR, serializeConnectorFile } from '../../scripts/generate-connector';

type Json = Record<string, unknown>;
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

const { apiDefinition, apiProperties } = connectorFiles(routes);
const definition = apiDefinition as {
  info: { title: string; description: string };
  paths: Record<string, Record<string, Json & { parameters: Json[]; responses: Record<string, Json> }>>;
  definitions: Record<string, Json>;
};
const actions = Object.entries(definition.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
);
const actionFor = (operationId: string) => {
  const found = actions.find((action) => action.operation['operationId'] === operationId);
  assert.ok(found, `no action ${operationId}`);
  return found.operation;
};

describe('the committed connector files are generated, not edited', () => {
  for (const [file, content] of [
    ['apiDefinition.swagger.json', apiDefinition],
    ['apiProperties.json', apiProperties],
  ] as const) {
    it(`regenerating ${file} changes nothing (run npm run connector after changing routes or schemas)`, () => {
      assert.equal(readFileSync(join(CONNECTOR_DIR, file), 'utf8'), serializeConnectorFile(content));
    });
  }
});

describe('the connector definition is valid Swagger 2.0', () => {
  it('passes @apidevtools/swagger-parser validation', async () => {
    await SwaggerParser.validate(structuredClone(apiDefinition) as never);
  });
});

describe('it is made for makers', () => {
  it('has one action per simplified endpoint, plus get, find, create and sync, and no raw JSON Patch or raw create', () => {
    const ids = actions.map((action) => text(action.operation['operationId'])).sort();
    assert.deepEqual(
      ids,
      [
        ...simplifiedOperations.map((operation) =>
          operation.name.replace(/(^|-)(\w)/g, (_match, _dash: string, letter: string) =>
            letter.toUpperCase(),
          ),
        ),
        'GetReferral',
        'FindReferrals',
        'CreateReferral',
        'SyncReferral',
      ].sort(),
    );
    assert.ok(!actions.some((action) => action.method === 'patch'));
  });

  it('uses the friendly summaries of the operation catalog', () => {
    assert.equal(actionFor('CloseWon')['summary'], 'Close a referral as won');
  });

  it('offers Prefer as an advanced "Return the updated referral" choice and If-Match as an advanced ETag', () => {
    for (const operation of simplifiedOperations) {
      const parameters = actions.find((action) => action.path.endsWith(`/${operation.name}`))?.operation
        .parameters;
      const prefer = parameters?.find((parameter) => parameter['name'] === 'Prefer');
      const ifMatch = parameters?.find((parameter) => parameter['name'] === 'If-Match');
      assert.ok(prefer && ifMatch, operation.name);
      assert.equal(prefer['x-ms-summary'], 'Return the updated referral');
      assert.equal(prefer['x-ms-visibility'], 'advanced');
      assert.deepEqual(prefer['enum'], ['return=representation', 'return=minimal']);
      assert.equal(ifMatch['x-ms-summary'], 'ETag');
      assert.equal(ifMatch['x-ms-visibility'], 'advanced');
    }
  });

  it('offers status and substatus as choices', () => {
    const properties = definition.definitions['SetStatusRequest']?.['properties'] as Record<string, Json>;
    assert.deepEqual(properties['status']?.['enum'], ['New', 'Active', 'Closed']);
    assert.ok(Array.isArray(properties['substatus']?.['enum']));
  });

  it("answers with the referral's schema, so its fields become dynamic content", () => {
    for (const action of actions) {
      const ok = action.operation.responses['200'];
      assert.ok(ok?.['schema'], `${text(action.operation['operationId'])} has a 200 schema`);
    }
    const referral = definition.definitions['Referral']?.['properties'] as Record<string, Json>;
    assert.equal(referral['eTag']?.['x-ms-summary'], 'ETag');
  });

  it('authenticates with the function key header, entered once per connection', () => {
    assert.deepEqual(apiDefinition['securityDefinitions'], {
      api_key: { type: 'apiKey', in: 'header', name: 'x-functions-key' },
    });
    const connection = (apiProperties['properties'] as Json)['connectionParameters'] as Record<string, Json>;
    assert.equal(connection['api_key']?.['type'], 'securestring');
  });
});

/** Walks every schema node with a readable location. */
function* schemaNodes(node: Json, where: string): Generator<{ node: Json; where: string }> {
  yield { node, where };
  for (const [name, child] of Object.entries((node['properties'] ?? {}) as Record<string, Json>)) {
    yield* schemaNodes(child, `${where}.${name}`);
  }
  if (typeof node['items'] === 'object') yield* schemaNodes(node['items'] as Json, `${where}[]`);
}

describe('the rules Power Platform certification checks that can be checked as data', () => {
  it('connector title: at most 30 characters, no "API", ends with a letter or digit', () => {
    assert.ok(definition.info.title.length <= 30);
    assert.match(definition.info.title, /[A-Za-z0-9]$/);
    assert.doesNotMatch(`${definition.info.title} ${definition.info.description}`, /\bAPIs?\b/);
  });

  it('operationIds are unique and PascalCase', () => {
    const ids = actions.map((action) => text(action.operation['operationId']));
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) assert.match(id, /^[A-Z][A-Za-z0-9]+$/);
  });

  it('every action has a summary of at most 80 characters, without a slash or trailing punctuation, and a description', () => {
    for (const { operation } of actions) {
      const summary = text(operation['summary']);
      assert.ok(summary.length > 0 && summary.length <= 80, summary);
      assert.doesNotMatch(summary, /\//);
      assert.match(summary, /[A-Za-z0-9]$/, `"${summary}" must not end with punctuation or a space`);
      assert.ok(text(operation['description']).length > 0);
    }
  });

  it('every parameter is titled (x-ms-summary) and described; path parameters are required', () => {
    for (const { operation } of actions) {
      for (const parameter of operation.parameters) {
        const where = `${text(operation['operationId'])}.${text(parameter['name'])}`;
        assert.ok(text(parameter['x-ms-summary']).length > 0, `${where} has x-ms-summary`);
        assert.ok(text(parameter['description']).length > 0, `${where} has a description`);
        if (parameter['in'] === 'path') assert.equal(parameter['required'], true, where);
        if (parameter['x-ms-visibility'] !== undefined) {
          assert.ok(['important', 'advanced', 'internal'].includes(text(parameter['x-ms-visibility'])));
        }
      }
    }
  });

  it('every property of every definition is titled and described, and no schema is empty', () => {
    for (const [name, schema] of Object.entries(definition.definitions)) {
      for (const { node, where } of schemaNodes(schema, name)) {
        assert.ok(
          typeof node['type'] === 'string' || typeof node['$ref'] === 'string',
          `${where} has a type`,
        );
        if (node['type'] === 'object') {
          assert.ok(Object.keys(node['properties'] ?? {}).length > 0, `${where} has properties`);
        }
        if (where !== name) {
          assert.ok(text(node['x-ms-summary']).length > 0, `${where} has x-ms-summary`);
          assert.ok(text(node['description']).length > 0, `${where} has a description`);
        }
      }
    }
  });

  it('the brand colour is a real colour and not one Power Platform refuses', () => {
    const color = String((apiProperties['properties'] as Json)['iconBrandColor']);
    assert.match(color, /^#[0-9a-f]{6}$/i);
    assert.ok(!['#007ee5', '#ffffff'].includes(color.toLowerCase()));
  });
});
