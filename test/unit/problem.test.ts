import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProblemError, renderProblem } from '../../shared/failures/problem';
import { problemTypes } from '../../shared/failures/problem-types';

describe('ProblemError', () => {
  it('is an Error that carries its problem, with status and title from the problem types table', () => {
    const error = new ProblemError('upstream-conflict', { detail: 'It changed.' });
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'ProblemError');
    assert.equal(error.message, '409 Partner Center reported a conflict: It changed.');
    assert.deepEqual(error.problem, {
      kind: 'upstream-conflict',
      status: 409,
      title: problemTypes['upstream-conflict'].title,
      detail: 'It changed.',
    });
  });

  it('takes the default Retry-After of its kind unless the failure knows better', () => {
    assert.equal(new ProblemError('misconfigured', { detail: 'x' }).problem.retryAfterSeconds, 300);
    assert.equal(
      new ProblemError('misconfigured', { detail: 'x', retryAfterSeconds: 7 }).problem.retryAfterSeconds,
      7,
    );
    assert.equal(new ProblemError('invalid-request', { detail: 'x' }).problem.retryAfterSeconds, undefined);
  });

  it('answers only a status its kind allows: its own or a listed alternative', () => {
    assert.equal(new ProblemError('outcome-unknown', { detail: 'x', status: 504 }).problem.status, 504);
    assert.equal(new ProblemError('upstream-rejected', { detail: 'x', status: 422 }).problem.status, 422);
    assert.throws(() => new ProblemError('invalid-request', { detail: 'x', status: 422 }), RangeError);
    assert.throws(() => new ProblemError('upstream-rejected', { detail: 'x', status: 410 }), RangeError);
  });

  it('renders as RFC 9457 problem+json with the kind as a URN and Retry-After as a header', () => {
    const rendered = renderProblem(
      new ProblemError('upstream-unavailable', { detail: 'Down.', retryAfterSeconds: 12 }).problem,
      'c-1',
    );
    assert.equal(rendered.status, 503);
    assert.equal(rendered.headers['Content-Type'], 'application/problem+json');
    assert.equal(rendered.headers['Retry-After'], '12');
    assert.deepEqual(JSON.parse(rendered.body ?? ''), {
      type: 'urn:referrals-facade:problem:upstream-unavailable',
      title: 'Partner Center is unavailable',
      status: 503,
      detail: 'Down.',
      correlationId: 'c-1',
    });
  });

  it('leaves the stack trace limit of every other error as it was', () => {
    const before = Error.stackTraceLimit;
    new ProblemError('upstream-conflict', { detail: 'x' });
    assert.equal(Error.stackTraceLimit, before);
    assert.ok((new Error('a fault').stack ?? '').includes('problem.test'));
  });
});
