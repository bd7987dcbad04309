/** The caller's time covers getting credentials: a token source that hangs cannot hold a call past its limit. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AccessTokenSource } from '../../shared/credentials';
import { NoTokenError, PartnerCenterClient } from '../../shared/upstream/client';

describe('the relay and a slow token source', () => {
  it('fails the attempt with a 503 problem when no token comes within the attempt limit, and sends nothing upstream', async () => {
    const hanging: AccessTokenSource = {
      renewable: true,
      getAccessToken: () => new Promise<string>(() => undefined),
      readyAccessToken: () => undefined,
      invalidate: () => undefined,
    };
    // Port 9 (discard) on loopback: nothing must be sent, so nothing needs to listen.
    const client = new PartnerCenterClient({
      baseUrl: 'http://127.0.0.1:9',
      tokens: hanging,
      timeoutMs: 5_000,
    });
    const started = Date.now();
    try {
      await assert.rejects(
        client.send(
          { method: 'GET', referralId: 'r1', correlationId: 'c', requestId: 'q' },
          { timeoutMs: 100 },
        ),
        (error: unknown) =>
          error instanceof NoTokenError &&
          error.requestsSent === 0 &&
          error.problem.problem.status === 503 &&
          error.problem.problem.kind === 'token-service-unavailable',
      );
      assert.ok(Date.now() - started < 4_000, 'bounded by the attempt limit, not the client default');
    } finally {
      await client.close();
    }
  });
});
