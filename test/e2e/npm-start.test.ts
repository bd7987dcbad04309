/**
 * `npm start`'s entry point, run as a separate process: with no Partner Center configured it brings up the
 * simulator, prints the seeded referrals and a curl line, and serves them.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { seededIds } from '../../dev/simulator/seed';

describe('npm start', () => {
  it('serves the facade over the embedded simulator with no configuration', { timeout: 60_000 }, async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0' };
    delete env['PARTNER_CENTER_BASE_URL'];
    delete env['PARTNER_CENTER_ACCESS_TOKEN'];
    delete env['KEY_VAULT_URL'];
    const child = spawn(process.execPath, ['--import', 'tsx', 'dev/host/main.ts'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    try {
      child.stdout.setEncoding('utf8');
      const banner = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: string) => {
          output += chunk;
          if (output.includes('Try:') && output.trimEnd().endsWith("'")) resolve(output);
        });
        child.once('exit', (code) => {
          reject(new Error(`exited with ${String(code)}: ${output}`));
        });
      });
      const api = /listening on (http:\/\/\S+\/api)/.exec(banner)?.[1];
      assert.ok(api, banner);
      for (const id of Object.values(seededIds)) assert.match(banner, new RegExp(id));
      assert.match(banner, /curl -i -X POST http:\/\/localhost:\d+\/api\/referrals\/.+\/close-won/);

      const response = await fetch(`${api}/referrals/${seededIds.active}/close-won`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', prefer: 'return=representation' },
        body: '{"dealValue":10000}',
      });
      assert.equal(response.status, 200);
      const referral = (await response.json()) as { substatus: string };
      assert.equal(referral.substatus, 'Won');
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    const calls = output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { event: string; route: string; status: number });
    assert.deepEqual(
      calls.map(({ event, route, status }) => ({ event, route, status })),
      [{ event: 'call', route: 'referral-close-won', status: 200 }],
      'the call is logged to stdout, one JSON line',
    );
  });
});
