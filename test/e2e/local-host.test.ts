/** The local host's own robustness: what it does before any function runs. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startLocalHost } from '../../dev/host/server';
import { rawRequest } from '../support/http';
import { startStack, type Stack } from '../support/stack';

describe('the local host', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack.close());

  it('a malformed Host header does not break routing', async () => {
    const answer = await rawRequest(stack.host.url, '/api/health', { headers: { host: 'a b' } });
    assert.equal(answer.status, 200);
  });

  it('a port already in use is reported as an error, not an unhandled exception', async () => {
    const port = Number(new URL(stack.host.url).port);
    const exitListeners = process.listenerCount('exit');
    await assert.rejects(
      // The default stdout sink: the one with an exit hook to leave behind.
      startLocalHost({ services: () => stack.services, port }),
      /EADDRINUSE/,
    );
    assert.equal(process.listenerCount('exit'), exitListeners, 'a failed start leaves nothing listening');
  });

  it('a closed host leaves no exit listener behind', async () => {
    const exitListeners = process.listenerCount('exit');
    const host = await startLocalHost({ services: () => stack.services });
    await host.close();
    assert.equal(process.listenerCount('exit'), exitListeners);
  });
});
