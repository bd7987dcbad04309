import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import { routes } from '../../functions/routes';
import { connectorFiles } from '../../shared/openapi';
import { simplifiedOperations } from '../../shared/operations/catalog';
import {
  CONNECTOR_DIR,
  connectorFolder,
  hostOption,
  HostOptionError,
} from '../../scripts/generate-connector';

type Json = Record<string, unknown>;
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

const { apiDefinition, apiProperties } = connectorFiles(routes);
const definition = apiDefinition as {
  info: { title: string; description: string };
  paths: Record<string, Record<string, Json & { parameters: Json[]; responses: Record<string, Json> }>>;
  definitions: Record<string, Json>;
};
const operations = Object.entries(definition.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
);
/** What makers pick as a step: neither a trigger nor the platform's own internal unsubscribe call. */
const actions = operations.filter(
  ({ operation }) => operation['x-ms-trigger'] === undefined && operation['x-ms-visibility'] !== 'internal',
);
const actionFor = (operationId: string) => {
  const found = actions.find((action) => action.operation['operationId'] === operationId);
  assert.ok(found, `no action ${operationId}`);
  return found.operation;
};

describe('the committed connector files are generated, not edited', () => {
  for (const [file, content] of Object.entries(connectorFolder())) {
    it(`regenerating ${file} changes nothing (run npm run connector after changing routes or schemas)`, () => {
      const committed = readFileSync(join(CONNECTOR_DIR, file));
      assert.ok(committed.equals(Buffer.from(content)), `${file} differs from what the generator writes`);
    });
  }
});

describe('npm run connector --host', () => {
  it('takes a host name, or the host of a URL', () => {
    assert.equal(hostOption('contoso.azurewebsites.net'), 'contoso.azurewebsites.net');
    assert.equal(hostOption(' https://contoso.azurewebsites.net/api '), 'contoso.azurewebsites.net');
    assert.equal(hostOption('http://localhost:7071/api'), 'localhost:7071');
  });

  it('answers anything else with a message that says what to give, not a stack trace', () => {
    for (const bad of ['contoso.azurewebsites.net/api', 'https://', 'ftp://contoso.net', '']) {
      assert.throws(
        () => hostOption(bad),
        (error: unknown) => {
          assert.ok(error instanceof HostOptionError);
          assert.match(error.message, /--host must be the Function App's host name/);
          return true;
        },
      );
    }
  });
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

  it('has two triggers, when a referral is created and when one is updated, and the internal unsubscribe call', () => {
    const triggers = operations.filter(({ operation }) => operation['x-ms-trigger'] !== undefined);
    assert.deepEqual(triggers.map(({ operation }) => text(operation['summary'])).sort(), [
      'When a referral is created',
      'When a referral is updated',
    ]);
    const internal = operations.filter(({ operation }) => operation['x-ms-visibility'] === 'internal');
    assert.deepEqual(
      internal.map(({ method, path }) => `${method} ${path}`),
      ['delete /events/subscriptions/{subscriptionId}'],
    );
  });

  it('uses the friendly summaries of the operation catalog', () => {
    assert.equal(actionFor('CloseWon')['summary'], 'Close a referral as won');
  });

  it('offers Prefer as an advanced "Return the updated referral" choice, in plain words, and If-Match as an advanced ETag', () => {
    for (const operation of simplifiedOperations) {
      const parameters = actions.find((action) => action.path.endsWith(`/${operation.name}`))?.operation
        .parameters;
      const prefer = parameters?.find((parameter) => parameter['name'] === 'Prefer');
      const ifMatch = parameters?.find((parameter) => parameter['name'] === 'If-Match');
      assert.ok(prefer && ifMatch, operation.name);
      assert.equal(prefer['x-ms-summary'], 'Return the Updated Referral');
      assert.equal(prefer['x-ms-visibility'], 'advanced');
      assert.deepEqual(prefer['enum'], ['return=representation', 'return=minimal']);
      assert.deepEqual(prefer['x-ms-enum-values'], [
        { value: 'return=representation', displayName: 'Return the updated referral' },
        { value: 'return=minimal', displayName: 'Return nothing' },
      ]);
      assert.doesNotMatch(text(prefer['description']), /return=|204|200|header/);
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

  it('offers the answer headers as action outputs: Member-Outcome and ETag on Add a team member', () => {
    const responses = actionFor('AddMember').responses;
    for (const status of ['200', '204']) {
      const headers = (responses[status]?.['headers'] ?? {}) as Record<string, Json>;
      assert.equal(headers['Member-Outcome']?.['x-ms-summary'], 'Member Outcome', status);
      assert.equal(headers['ETag']?.['x-ms-summary'], 'ETag', status);
    }
    assert.equal(actionFor('CloseWon').responses['204']?.['headers'] !== undefined, true);
    assert.equal(
      ((actionFor('CloseWon').responses['204']?.['headers'] ?? {}) as Json)['Member-Outcome'],
      undefined,
    );
  });

  it('authenticates with the function key header, entered once per connection', () => {
    assert.deepEqual(apiDefinition['securityDefinitions'], {
      api_key: { type: 'apiKey', in: 'header', name: 'x-functions-key' },
    });
    const connection = (apiProperties['properties'] as Json)['connectionParameters'] as Record<string, Json>;
    assert.equal(connection['api_key']?.['type'], 'securestring');
  });
});
