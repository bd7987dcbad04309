import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import { routes } from '../../functions/routes';
import { problemTypes, type ProblemKind, type ProblemType } from '../../shared/failures/problem-types';
import { openApiDocument } from '../../shared/openapi';
import { localHostOnlyKinds, problemKindsByEndpoint } from '../../shared/openapi/api-model';
import { buildPatch } from '../../shared/operations/build-patch';
import { operations } from '../../shared/operations/catalog';
import { startStack, type Stack } from '../support/stack';

type Json = Record<string, unknown>;
interface Operation extends Json {
  operationId: string;
  summary: string;
  description: string;
  requestBody?: { content: Record<string, { examples?: Record<string, { value: unknown }> }> };
  responses: Record<string, { content?: Record<string, { schema: { $ref: string } }> }>;
  security: unknown[];
}

const document = openApiDocument(routes, 'https://contoso-referrals.azurewebsites.net/api') as {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Json> };
};
const operationAt = (path: string, method: string) => {
  const found = document.paths[path]?.[method];
  assert.ok(found, `${method} ${path}`);
  return found;
};

describe('the OpenAPI document is generated from the route table', () => {
  it('is valid OpenAPI 3.0 (swagger-parser)', async () => {
    await SwaggerParser.validate(structuredClone(document) as never);
  });

  it('describes every route of the table but the fallback, with each of its methods (HEAD goes with GET)', () => {
    for (const route of routes.filter((candidate) => candidate.target.kind !== 'fallback')) {
      for (const method of route.methods.filter((candidate) => candidate !== 'HEAD'))
        operationAt(`/${route.route}`, method.toLowerCase());
    }
  });

  it('offers both ways of asking for the updated referral on every update: the Prefer header and ?return=', () => {
    for (const route of routes.filter((candidate) => candidate.target.kind === 'update')) {
      const parameters = operationAt(`/${route.route}`, route.methods[0]?.toLowerCase() ?? '')[
        'parameters'
      ] as {
        name: string;
        in: string;
      }[];
      assert.ok(parameters.some((parameter) => parameter.name === 'Prefer' && parameter.in === 'header'));
      assert.ok(parameters.some((parameter) => parameter.name === 'return' && parameter.in === 'query'));
    }
  });

  it('takes summaries and descriptions from the operation catalog', () => {
    const closeWon = operationAt('/referrals/{id}/close-won', 'post');
    assert.equal(closeWon.summary, operations.closeWon.summary);
    assert.equal(closeWon.description, operations.closeWon.description);
  });

  it('shows the documented samples as examples, and each example is a body the operation accepts', () => {
    const examples = operationAt('/referrals/{id}/update-details', 'post').requestBody?.content[
      'application/json'
    ]?.examples;
    assert.deepEqual(examples?.['example1']?.value, {
      dealValue: '10000',
      notes: 'Lorem ipsum dolor sit amet.',
    });
    for (const route of routes) {
      if (route.target.kind !== 'update') continue;
      const operation = route.target.operation;
      const bodies = operationAt(`/${route.route}`, route.methods[0]?.toLowerCase() ?? '').requestBody
        ?.content['application/json']?.examples;
      for (const [name, example] of Object.entries(bodies ?? {})) {
        assert.ok(buildPatch(operation, example.value).ok, `${operation.name} ${name} is accepted`);
      }
    }
  });

  it('documents errors as problem+json and the 200 referral schema', () => {
    const read = operationAt('/referrals/{id}', 'get');
    assert.equal(
      read.responses['200']?.content?.['application/json']?.schema.$ref,
      '#/components/schemas/Referral',
    );
    assert.equal(
      read.responses['404']?.content?.['application/problem+json']?.schema.$ref,
      '#/components/schemas/Problem',
    );
    assert.ok(document.components.schemas['Referral']);
  });

  it('requires the function key exactly where the route table does', () => {
    for (const route of routes.filter((candidate) => candidate.target.kind !== 'fallback')) {
      const operation = operationAt(`/${route.route}`, route.methods[0]?.toLowerCase() ?? '');
      assert.deepEqual(
        operation.security,
        route.authLevel === 'function' ? [{ functionKey: [] }] : [],
        route.name,
      );
    }
  });
});

describe('GET /api/openapi.json', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack.close();
  });

  it('serves the generated document with a relative server, never reflecting the request’s Host', async () => {
    const response = await fetch(`${stack.api}/openapi.json`, { headers: { host: 'attacker.example' } });
    assert.equal(response.status, 200);
    const served = (await response.json()) as { servers: { url: string }[] };
    assert.deepEqual(served, openApiDocument(routes, '/api'));
    assert.deepEqual(served.servers, [{ url: '/api' }]);
  });
});

describe('everything the facade or the platform can answer is declared', () => {
  const all = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ where: `${method} ${path}`, operation })),
  );

  it('every problem kind of the failure map is declared on some endpoint, but the local host’s own 404/405', () => {
    const declared = new Set<string>([
      ...Object.values(problemKindsByEndpoint).flat(),
      ...localHostOnlyKinds,
    ]);
    assert.deepEqual(
      Object.keys(problemTypes).filter((kind) => !declared.has(kind)),
      [],
    );
  });

  it('each endpoint declares every status its kinds can answer, with the problem schema', () => {
    const cases: [string, readonly ProblemKind[]][] = [
      ['get /referrals/{id}', problemKindsByEndpoint.read],
      ['get /referrals', problemKindsByEndpoint.search],
      ['post /referrals/{id}/close-won', problemKindsByEndpoint.update],
      ['patch /referrals/{id}', problemKindsByEndpoint.update],
      ['post /hooks/{name}', problemKindsByEndpoint.hook],
    ];
    for (const [where, kinds] of cases) {
      const operation = all.find((candidate) => candidate.where === where)?.operation;
      assert.ok(operation, where);
      for (const kind of kinds) {
        const type: ProblemType = problemTypes[kind];
        for (const status of [type.status, ...(type.statuses ?? [])]) {
          assert.equal(
            operation.responses[String(status)]?.content?.['application/problem+json']?.schema.$ref,
            '#/components/schemas/Problem',
            `${where} ${String(status)} (${kind})`,
          );
        }
      }
    }
  });

  it('every function-key endpoint declares the platform’s bare 401', () => {
    for (const { where, operation } of all.filter((candidate) => candidate.operation.security.length > 0)) {
      const unauthorized = operation.responses['401'] as { description?: string } | undefined;
      assert.match(unauthorized?.description ?? '', /no body/, where);
    }
  });

  it('the answers’ headers: ETag and Member-Outcome on add-member, Retry-After on 503, MS-CorrelationId everywhere', () => {
    const addMember = operationAt('/referrals/{id}/add-member', 'post') as unknown as {
      responses: Record<string, { headers?: Record<string, unknown> }>;
    };
    for (const status of ['200', '204']) {
      assert.ok(addMember.responses[status]?.headers?.['Member-Outcome'], status);
      assert.ok(addMember.responses[status]?.headers?.['ETag'], status);
    }
    assert.ok(addMember.responses['200']?.headers?.['Preference-Applied']);
    assert.ok(addMember.responses['503']?.headers?.['Retry-After']);
    for (const [status, response] of Object.entries(addMember.responses)) {
      assert.ok(response.headers?.['MS-CorrelationId'], status);
    }
  });

  it('the webhook payload is an open object, and the document names its license and contact', () => {
    assert.equal(document.components.schemas['WebhookPayload']?.['additionalProperties'], true);
    const info = (
      document as unknown as { info: { license?: { name: string }; contact?: { email: string } } }
    ).info;
    assert.equal(info.license?.name, 'MIT');
    assert.match(info.contact?.email ?? '', /@/);
  });
});
