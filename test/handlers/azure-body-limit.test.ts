/**
 * In Azure, with HTTP streaming on, a body arrives as a stream however it was sent, with or without
 * Content-Length: the Functions binding reads it only up to the facade's limit. Run through the library's own
 * HttpRequest and InvocationContext, as the host would call the function.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { functionsHandler } from '../../functions/azure-binding';
import { routes } from '../../functions/routes';
import { lazyServices } from '../../shared/app/services';
import { MAX_BODY_BYTES } from '../../shared/http/body-limit';

const route = routes.find((candidate) => candidate.name === 'referral-update-details');
assert.ok(route);
// No settings: whatever passes the body checks ends as 503 misconfigured, so nothing is sent anywhere.
const handler = functionsHandler(route, lazyServices({}));

async function send(body: Buffer) {
  const lines: string[] = [];
  const request = new HttpRequest({
    method: 'POST',
    url: 'http://localhost/api/referrals/abc/update-details',
    headers: { 'content-type': 'application/json' },
    params: { id: 'abc' },
    body: { bytes: body },
  });
  const context = new InvocationContext({
    invocationId: 'i',
    functionName: route?.name ?? '',
    logHandler: (_level, ...args) => lines.push(args.map(String).join(' ')),
  });
  const response = await handler(request, context);
  return { status: response.status, lines };
}

describe('the Functions binding and the body limit', () => {
  it('a body over the limit without Content-Length is refused 413, read no further than the limit', async () => {
    const answer = await send(Buffer.alloc(MAX_BODY_BYTES + 1, 0x20));
    assert.equal(answer.status, 413);
    assert.match(answer.lines.join('\n'), /"status":413/);
  });

  it('a body at the limit is read in full and goes on to the next check', async () => {
    const json = Buffer.from(`{"notes":"${'x'.repeat(MAX_BODY_BYTES - 12)}"}`);
    assert.ok(json.length <= MAX_BODY_BYTES);
    const answer = await send(json);
    assert.equal(answer.status, 503, 'past the body checks: the facade is simply not configured here');
  });
});
