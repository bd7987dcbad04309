import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProblemError } from '../../shared/http/problem';

describe('ProblemError', () => {
  const init = { status: 409, kind: 'conflict', title: 'Conflict', detail: 'It changed.' };

  it('is an Error that carries its problem and says what it is', () => {
    const error = new ProblemError(init);
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'ProblemError');
    assert.equal(error.message, '409 Conflict: It changed.');
    assert.deepEqual(error.problem, init);
  });

  it('leaves the stack trace limit of every other error as it was', () => {
    const before = Error.stackTraceLimit;
    new ProblemError(init);
    assert.equal(Error.stackTraceLimit, before);
    assert.ok((new Error('a fault').stack ?? '').includes('problem.test'));
  });
});
