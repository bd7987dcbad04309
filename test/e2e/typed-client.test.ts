/**
 * A TypeScript client generated from the served OpenAPI document (openapi-typescript, offline) compiles against
 * every operation: its parameters, its request body (the webhook's open payload included) and the answers the
 * facade really gave, which must fit the generated response types.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { seededIds } from '../../dev/simulator/seed';
import { call } from '../support/http';
import { startStack, type Stack } from '../support/stack';

type Json = Record<string, unknown>;
interface Operation {
  parameters: { name: string; in: string; required: boolean }[];
  requestBody?: { content: Record<string, { examples?: Record<string, { value: unknown }> }> };
  responses: Record<string, unknown>;
}

/** A request body each operation accepts; the documented examples where there are any. */
const bodies: Record<string, unknown> = {
  '/referrals/{id}/close-won post': {
    dealValue: 125000,
    currency: 'USD',
    closingDateTime: null,
    notes: null,
  },
  '/referrals/{id}/close-lost post': { statusReason: 'Customer chose a competitor', notes: '' },
  '/referrals/{id}/accept post': {},
  '/referrals/{id}/decline post': { statusReason: null },
  '/referrals/{id}/update-details post': { dealValue: '10000', externalReferenceId: 'OPP-1' },
  '/referrals/{id}/set-status post': { status: 'Closed', substatus: 'Lost', statusReason: null },
  '/referrals/{id}/add-member post': { email: 'jane.doe@contoso.com', firstName: 'Jane', lastName: 'Doe' },
  '/referrals/raw post': {
    type: 'Independent',
    name: 'Typed client referral',
    customerProfile: { name: 'Contoso' },
    consent: { consentToShareReferralWithMicrosoftSellers: false },
    details: { dealValue: '1000', currency: 'USD' },
  },
  // Any sender's payload, whatever its shape: the mapping, not the schema, reads it.
  '/hooks/{name} post': { event: 'deal.won', data: { id: 'OPP-1', amount: 125000, tags: ['a'], done: true } },
};

function compile(directory: string, source: string): string[] {
  const file = join(directory, 'client.ts');
  writeFileSync(file, source);
  const program = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    skipLibCheck: true,
    types: [],
  });
  return ts
    .getPreEmitDiagnostics(program)
    .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
}

describe('a TypeScript client generated from the served OpenAPI document', () => {
  let stack: Stack;
  let directory: string;
  let document: { paths: Record<string, Record<string, Operation>> };
  let client = '';

  before(async () => {
    stack = await startStack();
    directory = mkdtempSync(join(tmpdir(), 'typed-client-'));
    document = (await call(`${stack.api}/openapi.json`)).json as typeof document;
    const types = astToString(await openapiTS(document as unknown as Parameters<typeof openapiTS>[0]));
    writeFileSync(join(directory, 'schema.ts'), types);
  });
  after(async () => {
    await stack.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('compiles against every operation: parameters, request bodies and real answers', async () => {
    // Real referral answers, typed through a variable (so fields nobody declared are allowed, as the schema
    // allows them): the generated types must hold for what the facade sends.
    const answers: Record<string, unknown> = {
      '/referrals/{id} get': (await call(`${stack.api}/referrals/${seededIds.active}`)).json,
      '/referrals get': (await call(`${stack.api}/referrals?top=5`)).json,
      '/referrals/{id}/update-details post': (
        await call(`${stack.api}/referrals/${seededIds.active}/update-details`, {
          body: { dealValue: 2500.5 },
          headers: { prefer: 'return=representation' },
        })
      ).json,
    };
    const lines = ["import type { paths } from './schema';", ''];
    let index = 0;
    let operations = 0;
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const key = `${path} ${method}`;
        const op = `Op${String(index++)}`;
        operations++;
        lines.push(`type ${op} = paths[${JSON.stringify(path)}][${JSON.stringify(method)}];`);
        const groups: Record<string, Json> = {};
        for (const parameter of operation.parameters) {
          if (parameter.in === 'path') (groups['path'] ??= {})[parameter.name] = seededIds.active;
        }
        lines.push(`export const ${op}Parameters: ${op}['parameters'] = ${JSON.stringify(groups)};`);
        if (operation.requestBody) {
          const example = Object.values(operation.requestBody.content['application/json']?.examples ?? {})[0];
          const body = bodies[key] ?? example?.value;
          assert.ok(body !== undefined, `a body for ${key}`);
          lines.push(
            `export const ${op}Body: NonNullable<${op}['requestBody']>['content']['application/json'] = ${JSON.stringify(body)};`,
          );
        }
        const answer = answers[key];
        if (answer !== undefined) {
          lines.push(
            `const ${op}Raw = ${JSON.stringify(answer)};`,
            `export const ${op}Answer: ${op}['responses'][200]['content']['application/json'] = ${op}Raw;`,
          );
        }
      }
    }
    // The headers makers and clients read are typed too.
    lines.push(
      "type AddMember = paths['/referrals/{id}/add-member']['post'];",
      "export const memberOutcome: AddMember['responses'][200]['headers']['Member-Outcome'] = 'added';",
      "export const etag: AddMember['responses'][204]['headers']['ETag'] = '\"abc\"';",
      "type Referral = paths['/referrals/{id}']['get']['responses'][200]['content']['application/json'];",
      "export const dealValue: NonNullable<NonNullable<Referral['details']>['dealValue']> = '2500.5';",
    );
    client = lines.join('\n');
    assert.ok(operations >= 14, `${String(operations)} operations`);
    assert.deepEqual(compile(directory, client), []);
  });

  it('would not compile a deal value typed as a number: the check has teeth', () => {
    const diagnostics = compile(
      directory,
      `${client}\nexport const wrong: NonNullable<NonNullable<Referral['details']>['dealValue']> = 125000;\n`,
    );
    assert.equal(diagnostics.length, 1, diagnostics.join('\n'));
  });
});
