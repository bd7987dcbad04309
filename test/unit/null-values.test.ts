/**
 * What a Power Automate maker sends: null for empty dynamic content. In the simplified operations null means "not
 * given"; an empty string is how a text field is cleared. Raw JSON Patch keeps RFC 6902's meaning, where null is a
 * value like any other and is checked against the path.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { routes } from '../../functions/routes';
import { connectorFiles, openApiDocument } from '../../shared/openapi';
import { buildPatch } from '../../shared/operations/build-patch';
import { operations, simplifiedOperations } from '../../shared/operations/catalog';
import type { OperationDefinition } from '../../shared/operations/definition';
import { jsonSchemaOf } from '../../shared/openapi/json-schema';

type Json = Record<string, unknown>;

function patchOf(operation: OperationDefinition, body: unknown) {
  const result = buildPatch(operation, body);
  if (!result.ok) assert.fail(`expected a patch, got issues: ${JSON.stringify(result.issues)}`);
  return result.patch;
}

function issuesOf(operation: OperationDefinition, body: unknown) {
  const result = buildPatch(operation, body);
  if (result.ok) assert.fail(`expected issues, got patch ${JSON.stringify(result.patch)}`);
  return result.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

/** The optional fields of an operation's body, read from the schema the descriptions are generated from. */
function optionalFields(operation: OperationDefinition): string[] {
  const schema = jsonSchemaOf(operation.body, 'input') as { properties?: Json; required?: string[] };
  const required = new Set(schema.required ?? []);
  return Object.keys(schema.properties ?? {}).filter((name) => !required.has(name));
}

describe('null means "not given" in the simplified operations', () => {
  it('close-won with every optional field null is a plain close, as if the fields were left out', () => {
    const allNull = Object.fromEntries(optionalFields(operations.closeWon).map((name) => [name, null]));
    assert.deepEqual(Object.keys(allNull).sort(), [
      'closingDateTime',
      'currency',
      'dealValue',
      'notes',
      'registerDeal',
      'statusReason',
    ]);
    assert.deepEqual(patchOf(operations.closeWon, allNull), patchOf(operations.closeWon, {}));
  });

  it('the fields that are given are written, the null ones are not', () => {
    assert.deepEqual(
      patchOf(operations.closeWon, {
        dealValue: 125000,
        closingDateTime: null,
        notes: null,
        currency: 'usd',
      }),
      [
        { op: 'replace', path: '/status', value: 'Closed' },
        { op: 'replace', path: '/substatus', value: 'Won' },
        { op: 'replace', path: '/details/dealValue', value: '125000' },
        { op: 'replace', path: '/details/currency', value: 'USD' },
      ],
    );
  });

  it('every optional field of every simplified operation accepts null and then writes nothing for it', () => {
    const minimal: Record<string, Json> = {
      'add-member': { email: 'jane.doe@contoso.com', firstName: 'Jane', lastName: 'Doe' },
      'set-status': { status: 'Closed', substatus: 'Lost' },
      'update-details': { notes: 'kept' },
      'register-deal': { solutions: [{ id: 'SOL-34104-EBB' }] },
      'update-registration': { contractTerm: '36 months' },
    };
    let checked = 0;
    for (const operation of simplifiedOperations) {
      const base = minimal[operation.name] ?? {};
      for (const field of optionalFields(operation).filter((name) => !(name in base))) {
        assert.deepEqual(
          patchOf(operation, { ...base, [field]: null }),
          patchOf(operation, base),
          `${operation.name}.${field}`,
        );
        checked++;
      }
    }
    assert.ok(checked >= 14, `checked ${String(checked)} fields`);
  });

  it('add-member with a null phone number adds the member without one', () => {
    const [operation] = patchOf(operations.addMember, {
      email: 'jane.doe@contoso.com',
      firstName: 'Jane',
      lastName: 'Doe',
      phoneNumber: null,
    });
    assert.deepEqual(operation?.value, { email: 'jane.doe@contoso.com', firstName: 'Jane', lastName: 'Doe' });
  });

  it('update-details with only nulls gives nothing to update, and says that null counts as not given', () => {
    assert.deepEqual(issuesOf(operations.updateDetails, { notes: null, dealValue: null }), [
      {
        path: '',
        message:
          'give at least one of dealValue, currency, closingDateTime, notes, externalReferenceId (null counts as not given)',
      },
    ]);
  });

  it('a required field sent as null is reported as required, not as a type mismatch', () => {
    assert.deepEqual(issuesOf(operations.addMember, { email: null, firstName: 'Jane', lastName: 'Doe' }), [
      { path: 'email', message: 'is required' },
    ]);
  });
});

describe('an empty string clears a text field', () => {
  it('notes and status reason: an empty string is written as the new, empty value', () => {
    assert.deepEqual(patchOf(operations.updateDetails, { notes: '' }), [
      { op: 'replace', path: '/details/notes', value: '' },
    ]);
    assert.deepEqual(patchOf(operations.closeLost, { statusReason: '' }).at(-1), {
      op: 'replace',
      path: '/statusReason',
      value: '',
    });
  });

  it('an empty string is not a deal value, currency or date: it is refused, never read as "clear"', () => {
    for (const field of ['dealValue', 'currency', 'closingDateTime']) {
      assert.equal(issuesOf(operations.updateDetails, { [field]: '' })[0]?.path, field);
    }
  });
});

describe('raw JSON Patch keeps RFC 6902: null is a value', () => {
  it('replace /details/notes with null is refused as a value of the wrong type, not dropped', () => {
    const issues = issuesOf(operations.rawPatch, [{ op: 'replace', path: '/details/notes', value: null }]);
    assert.deepEqual(
      issues.map((issue) => issue.path),
      ['0.value'],
    );
  });

  it('a team member appended with a null phone number is refused too', () => {
    const issues = issuesOf(operations.rawPatch, [
      {
        op: 'add',
        path: '/team/-',
        value: { email: 'jane.doe@contoso.com', firstName: 'Jane', lastName: 'Doe', phoneNumber: null },
      },
    ]);
    assert.equal(issues[0]?.path, '0.value.phoneNumber');
  });
});

describe('the generated descriptions say which fields accept null', () => {
  const openapi = openApiDocument(routes, 'https://example.invalid/api') as {
    components: { schemas: Record<string, { properties: Record<string, Json> }> };
  };
  const swagger = connectorFiles(routes).apiDefinition as {
    definitions: Record<string, { properties: Record<string, Json> }>;
  };

  it('OpenAPI 3 marks every optional field of a simplified body nullable, and no required one', () => {
    for (const operation of simplifiedOperations) {
      const name = `${operation.name.replace(/(^|-)(\w)/g, (_m, _d: string, c: string) => c.toUpperCase())}Request`;
      const properties = openapi.components.schemas[name]?.properties ?? {};
      const optional = new Set(optionalFields(operation));
      for (const [field, schema] of Object.entries(properties)) {
        assert.equal(schema['nullable'] === true, optional.has(field), `${name}.${field}`);
      }
    }
  });

  it('the connector (Swagger 2.0) says the same with x-nullable', () => {
    const closeWon = swagger.definitions['CloseWonRequest']?.properties ?? {};
    for (const field of ['dealValue', 'currency', 'closingDateTime', 'notes', 'statusReason']) {
      assert.equal(closeWon[field]?.['x-nullable'], true, field);
    }
    assert.equal(swagger.definitions['AddMemberRequest']?.properties['email']?.['x-nullable'], undefined);
  });
});
