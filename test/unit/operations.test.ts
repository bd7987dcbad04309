import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyPatch } from 'fast-json-patch';
import { operations } from '../../shared/operations/catalog';
import { buildPatch } from '../../shared/operations/build-patch';
import type { OperationDefinition } from '../../shared/operations/definition';
import { seedReferrals } from '../../dev/simulator/seed';

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

/** Applies a patch to a seeded referral the way Partner Center would, proving paths resolve. */
function applyToSample(patch: ReturnType<typeof patchOf>): Record<string, unknown> {
  const [referral] = seedReferrals();
  assert.ok(referral);
  return applyPatch(structuredClone(referral), structuredClone(patch) as never, true, false, true)
    .newDocument;
}

describe('the documented samples come out exactly as documented', () => {
  it('sample 1: update-details with a deal value and notes', () => {
    assert.deepEqual(
      patchOf(operations.updateDetails, { dealValue: '10000', notes: 'Lorem ipsum dolor sit amet.' }),
      [
        { op: 'replace', path: '/details/dealValue', value: '10000' },
        { op: 'replace', path: '/details/notes', value: 'Lorem ipsum dolor sit amet.' },
      ],
    );
  });

  it('sample 2: close-won with no fields', () => {
    assert.deepEqual(patchOf(operations.closeWon, {}), [
      { op: 'replace', path: '/status', value: 'Closed' },
      { op: 'replace', path: '/substatus', value: 'Won' },
    ]);
  });

  it('sample 3: add-member with the member object in the documented key order', () => {
    const patch = patchOf(operations.addMember, {
      email: 'jane.doe@contoso.com',
      firstName: 'Jane',
      lastName: 'Doe',
      phoneNumber: '0000000001',
    });
    assert.equal(
      JSON.stringify(patch),
      JSON.stringify([
        {
          op: 'add',
          path: '/team/-',
          value: {
            email: 'jane.doe@contoso.com',
            firstName: 'Jane',
            lastName: 'Doe',
            phoneNumber: '0000000001',
          },
        },
      ]),
    );
  });
});

describe('each operation builds its patch', () => {
  it('close-won adds a replace for each optional field, after the status pair', () => {
    const patch = patchOf(operations.closeWon, {
      statusReason: 'Signed',
      notes: 'n',
      closingDateTime: '2026-12-31',
      currency: 'eur',
      dealValue: 2500.5,
    });
    assert.deepEqual(patch, [
      { op: 'replace', path: '/status', value: 'Closed' },
      { op: 'replace', path: '/substatus', value: 'Won' },
      { op: 'replace', path: '/details/dealValue', value: '2500.5' },
      { op: 'replace', path: '/details/currency', value: 'EUR' },
      { op: 'replace', path: '/details/closingDateTime', value: '2026-12-31T00:00:00.000Z' },
      { op: 'replace', path: '/details/notes', value: 'n' },
      { op: 'replace', path: '/statusReason', value: 'Signed' },
    ]);
    const after = applyToSample(patch);
    assert.equal(after.status, 'Closed');
    assert.equal((after.details as { currency: string }).currency, 'EUR');
  });

  it('close-lost sets Closed/Lost with reason and notes', () => {
    const patch = patchOf(operations.closeLost, { statusReason: 'Budget cut', notes: 'Next year' });
    assert.deepEqual(patch, [
      { op: 'replace', path: '/status', value: 'Closed' },
      { op: 'replace', path: '/substatus', value: 'Lost' },
      { op: 'replace', path: '/details/notes', value: 'Next year' },
      { op: 'replace', path: '/statusReason', value: 'Budget cut' },
    ]);
    assert.equal(applyToSample(patch).substatus, 'Lost');
  });

  it('accept sets Active/Accepted and takes no fields', () => {
    assert.deepEqual(patchOf(operations.accept, {}), [
      { op: 'replace', path: '/status', value: 'Active' },
      { op: 'replace', path: '/substatus', value: 'Accepted' },
    ]);
    assert.deepEqual(issuesOf(operations.accept, { notes: 'x' }), [
      { path: '', message: 'Unrecognized key: "notes"' },
    ]);
  });

  it('decline sets Closed/Declined with an optional reason', () => {
    const patch = patchOf(operations.decline, { statusReason: 'Not our market' });
    assert.deepEqual(patch.at(-1), { op: 'replace', path: '/statusReason', value: 'Not our market' });
    assert.equal(applyToSample(patch).substatus, 'Declined');
  });

  it('add-member leaves out a phone number that was not given', () => {
    const patch = patchOf(operations.addMember, { email: 'a@contoso.com', firstName: 'A', lastName: 'B' });
    assert.deepEqual(patch, [
      { op: 'add', path: '/team/-', value: { email: 'a@contoso.com', firstName: 'A', lastName: 'B' } },
    ]);
    assert.equal((applyToSample(patch).team as unknown[]).length, 1);
  });

  it('update-details writes the external reference id at the top level', () => {
    const patch = patchOf(operations.updateDetails, { externalReferenceId: 'OPP-1', currency: 'USD' });
    assert.deepEqual(patch, [
      { op: 'replace', path: '/details/currency', value: 'USD' },
      { op: 'replace', path: '/externalReferenceId', value: 'OPP-1' },
    ]);
    assert.equal(applyToSample(patch).externalReferenceId, 'OPP-1');
  });

  it('set-status sends any allowed pair, with the reason last', () => {
    const patch = patchOf(operations.setStatus, {
      status: 'New',
      substatus: 'Received',
      statusReason: 'Seen',
    });
    assert.deepEqual(patch, [
      { op: 'replace', path: '/status', value: 'New' },
      { op: 'replace', path: '/substatus', value: 'Received' },
      { op: 'replace', path: '/statusReason', value: 'Seen' },
    ]);
    assert.equal(applyToSample(patch).substatus, 'Received');
  });

  it('the raw patch passes a valid document through, values normalised per path', () => {
    const patch = patchOf(operations.rawPatch, [
      { op: 'replace', path: '/details/dealValue', value: 10000 },
      { op: 'add', path: '/team/-', value: { email: 'x@contoso.com', firstName: 'X', lastName: 'Y' } },
      { op: 'replace', path: '/salesStage', value: 'Propose' },
    ]);
    assert.deepEqual(patch[0], { op: 'replace', path: '/details/dealValue', value: '10000' });
    assert.equal(patch.length, 3);
    assert.equal(applyToSample(patch).salesStage, 'Propose');
  });
});

describe('field validation says what to fix', () => {
  it('a deal value must be a non-negative decimal', () => {
    for (const dealValue of ['10,000', '-5', '$100', 1e21, -1, 0.123456, 'abc', Number.NaN, true]) {
      const issues = issuesOf(operations.updateDetails, { dealValue });
      assert.equal(issues[0]?.path, 'dealValue', `for ${String(dealValue)}`);
    }
    // JSON.parse reads 1e400 as Infinity, and a boolean is neither branch of the union: both get the same rule.
    // (null is not here: it means "not given", see null-values.test.ts.)
    for (const dealValue of [Number.POSITIVE_INFINITY, true, {}]) {
      assert.match(
        issuesOf(operations.updateDetails, { dealValue })[0]?.message ?? '',
        /non-negative amount/,
      );
    }
    assert.deepEqual(patchOf(operations.updateDetails, { dealValue: ' 2500.50 ' })[0]?.value, '2500.50');
    assert.deepEqual(patchOf(operations.updateDetails, { dealValue: 0 })[0]?.value, '0');
  });

  it('a currency must be a three-letter code; lower case is accepted', () => {
    assert.equal(issuesOf(operations.updateDetails, { currency: 'US$' })[0]?.path, 'currency');
    assert.equal(patchOf(operations.updateDetails, { currency: 'gbp' })[0]?.value, 'GBP');
  });

  it('a closing date must be a real ISO date or a date-time with a zone, stored in UTC', () => {
    for (const closingDateTime of ['2026-02-30', '31/12/2026', '2026-12-31T10:00:00', 'soon']) {
      assert.equal(issuesOf(operations.updateDetails, { closingDateTime })[0]?.path, 'closingDateTime');
    }
    assert.equal(
      patchOf(operations.updateDetails, { closingDateTime: '2026-12-31T17:00:00+01:00' })[0]?.value,
      '2026-12-31T16:00:00.000Z',
    );
  });

  it('update-details needs at least one field', () => {
    assert.match(issuesOf(operations.updateDetails, {})[0]?.message ?? '', /at least one of dealValue/);
  });

  it('unknown fields are refused rather than silently dropped', () => {
    assert.deepEqual(issuesOf(operations.closeWon, { dealvalue: 5 }), [
      { path: '', message: 'Unrecognized key: "dealvalue"' },
    ]);
  });

  it('add-member requires email, first and last name, and a well-formed email', () => {
    const issues = issuesOf(operations.addMember, { email: 'not-an-email' });
    assert.deepEqual(
      issues.map((issue) => issue.path),
      ['email', 'firstName', 'lastName'],
    );
    assert.match(issues[0]?.message ?? '', /email address/);
    assert.equal(issues[1]?.message, 'is required');
  });

  it('set-status refuses pairs the API does not allow', () => {
    const issues = issuesOf(operations.setStatus, { status: 'Closed', substatus: 'Accepted' });
    assert.equal(issues[0]?.path, 'substatus');
    assert.match(
      issues.map((issue) => issue.message).join('\n'),
      /Accepted is not allowed with status Closed/,
    );
    assert.match(
      issuesOf(operations.setStatus, { status: 'Open', substatus: 'Won' })[0]?.message ?? '',
      /one of New/,
    );
  });

  it('a body that is not an object is refused', () => {
    for (const body of [[], 'text', 42, null]) {
      assert.ok(issuesOf(operations.closeWon, body).length > 0);
    }
  });
});

describe('the raw patch is held to what Partner Center accepts', () => {
  const member = { email: 'x@contoso.com', firstName: 'X', lastName: 'Y' };

  it('only add and replace', () => {
    for (const op of ['remove', 'move', 'copy', 'test', 'REPLACE']) {
      const issues = issuesOf(operations.rawPatch, [{ op, path: '/details/notes', value: 'x' }]);
      assert.deepEqual(issues[0]?.path, '0.op');
    }
  });

  it('only writable paths, which rules out prototype paths and traversal', () => {
    for (const path of [
      '/id',
      '/eTag',
      '/__proto__/polluted',
      '/constructor/prototype/x',
      '/details',
      '/team/0',
      '',
    ]) {
      const issues = issuesOf(operations.rawPatch, [{ op: 'replace', path, value: 'x' }]);
      assert.equal(issues[0]?.path, '0.path', `path ${path}`);
    }
  });

  it('appending to a list takes only add', () => {
    assert.match(
      issuesOf(operations.rawPatch, [{ op: 'replace', path: '/team/-', value: member }])[0]?.message ?? '',
      /takes only "add"/,
    );
  });

  it('each value is checked against its path', () => {
    const issues = issuesOf(operations.rawPatch, [
      { op: 'replace', path: '/details/currency', value: 'dollars' },
      { op: 'add', path: '/team/-', value: { ...member, email: 'nope', __proto__x: 1 } },
      { op: 'replace', path: '/details/notes' },
    ]);
    assert.deepEqual(
      issues.map((issue) => issue.path),
      ['0.value', '1.value.email', '1.value', '2.value'],
    );
    assert.equal(issues[3]?.message, 'is required');
  });

  it('a status change names both halves of an allowed pair', () => {
    assert.match(
      issuesOf(operations.rawPatch, [{ op: 'replace', path: '/status', value: 'Closed' }])[0]?.message ?? '',
      /must set both \/status and \/substatus/,
    );
    assert.match(
      issuesOf(operations.rawPatch, [
        { op: 'replace', path: '/status', value: 'Active' },
        { op: 'replace', path: '/substatus', value: 'Won' },
      ])[0]?.message ?? '',
      /Active\/Won is not an allowed/,
    );
  });

  it('an empty document, extra members and non-arrays are refused', () => {
    assert.ok(issuesOf(operations.rawPatch, []).length > 0);
    assert.ok(issuesOf(operations.rawPatch, { op: 'replace' }).length > 0);
    assert.equal(
      issuesOf(operations.rawPatch, [{ op: 'replace', path: '/details/notes', value: 'x', from: '/a' }])[0]
        ?.path,
      '0',
    );
  });
});
