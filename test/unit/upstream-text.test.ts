/**
 * Partner Center's error text goes back to callers, so it is cleaned first: credentials of any shape out, control
 * characters out, bounded; ordinary words that merely look like a scheme or a parameter stay.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  MAX_UPSTREAM_TEXT,
  parseUpstreamError,
  sanitizeUpstreamText,
} from '../../shared/failures/upstream-text';

describe('sanitizeUpstreamText', () => {
  for (const [given, expected] of [
    ['Authorization: Bearer abcdefghijklmnopqrstuvwxyz012345', 'Authorization: [redacted]'],
    ['Basic dXNlcjpwYXNzd29yZA== was refused', '[redacted] was refused'],
    ['token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl expired', 'token [redacted] expired'],
    ['GET /x?code=0.AXoA1b2c3d4e5f&state=1', 'GET /x?[redacted]&state=1'],
    [`opaque ${'Ab1'.repeat(20)} value`, 'opaque [redacted] value'],
  ] as const) {
    it(`takes the credential out of ${JSON.stringify(given.slice(0, 40))}`, () => {
      assert.equal(sanitizeUpstreamText(given), expected);
    });
  }

  for (const kept of [
    'Signature validation failed',
    'code=400 for basic information',
    'Referral /v1.0/engagements/referrals/2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e was not found',
    'Etag value did not Match',
  ]) {
    it(`keeps ordinary text: ${JSON.stringify(kept)}`, () => {
      assert.equal(sanitizeUpstreamText(kept), kept);
    });
  }

  it('removes control characters and direction overrides, folds the spaces they leave, and bounds the length', () => {
    assert.equal(sanitizeUpstreamText('a\r\nb\u0007c\u202ed'), 'a b c d');
    const long = sanitizeUpstreamText('word '.repeat(500));
    assert.equal(long.length, MAX_UPSTREAM_TEXT);
    assert.ok(long.endsWith('…'));
  });
});

describe('parseUpstreamError', () => {
  it('reads both documented shapes, the most specific innerError code winning, cleaned', () => {
    assert.deepEqual(
      parseUpstreamError(
        '{"error":{"code":"preconditionFailed","message":"outer","innerError":{"code":"99918","message":"Etag value did not Match"}}}',
      ),
      { code: '99918', message: 'Etag value did not Match' },
    );
    assert.deepEqual(
      parseUpstreamError('{"code":600,"description":"Bearer abcdefghijklmnopqrstuvwx leaked"}'),
      {
        code: '600',
        message: '[redacted] leaked',
      },
    );
    assert.deepEqual(parseUpstreamError('not json'), {});
  });
});
