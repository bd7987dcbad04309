import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { toFieldErrors } from '../../shared/failures/field-errors';

const schema = z
  .object({ notes: z.string(), team: z.array(z.object({ email: z.email() }).strict()) })
  .strict();
const issuesOf = (value: unknown) => {
  const result = schema.safeParse(value);
  assert.ok(!result.success);
  return result.error.issues;
};

describe('toFieldErrors', () => {
  it('names each wrong field by JSON Pointer in the given part of the request', () => {
    assert.deepEqual(toFieldErrors(issuesOf({ notes: 1, team: [{ email: 'x' }] }), 'body'), [
      { in: 'body', pointer: '/notes', message: 'Invalid input: expected string, received number' },
      { in: 'body', pointer: '/team/0/email', message: 'Invalid email address' },
    ]);
  });

  it('names each unknown field, nested ones by their full pointer, escaping ~ and /', () => {
    const errors = toFieldErrors(
      issuesOf({ notes: 'n', team: [{ email: 'a@b.co', 'x/y': 1 }], '~': 1 }),
      'query',
    );
    assert.deepEqual(errors, [
      { in: 'query', pointer: '/team/0/x~1y', message: 'is not a parameter this endpoint accepts' },
      { in: 'query', pointer: '/~0', message: 'is not a parameter this endpoint accepts' },
    ]);
  });

  it('says what the endpoint prefers about unknown fields', () => {
    const [error] = toFieldErrors(
      issuesOf({ notes: 'n', team: [], colour: 'red' }),
      'query',
      'is not a search parameter',
    );
    assert.deepEqual(error, { in: 'query', pointer: '/colour', message: 'is not a search parameter' });
  });
});
