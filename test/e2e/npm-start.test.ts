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
          // The banner ends with the events line, once the simulator is registered with the local receiver.
          if (output.includes('Try:') && /\nEvents: [^\n]*\n/.test(output)) resolve(output);
        });
        child.once('exit', (code) => {
          reject(new Error(`exited with ${String(code)}: ${output}`));
        });
      });
      const api = /listening on (http:\/\/\S+\/api)/.exec(banner)?.[1];
      assert.ok(api, banner);
      for (const id of Object.values(seededIds)) assert.match(banner, new RegExp(id));
      // The banner's line is run as printed; it must leave the referral open for the README's examples.
      const tryLine =
        /curl -i -X POST (\S+) -H 'Content-Type: application\/json' -H 'Prefer: return=representation' -d '(.+)'/.exec(
          banner,
        );
      assert.ok(tryLine?.[1] && tryLine[2], banner);
      assert.match(tryLine[1], new RegExp(`/api/referrals/${seededIds.active}/update-details$`));
      const response = await fetch(tryLine[1], {
        method: 'POST',
        headers: { 'content-type': 'application/json', prefer: 'return=representation' },
        body: tryLine[2],
      });
      assert.equal(response.status, 200);
      const referral = (await response.json()) as { status: string; substatus: string };
      assert.deepEqual([referral.status, referral.substatus], ['Active', 'Accepted']);

      // Nobody set a token: readiness says it is the simulator's, not a configured one.
      const readiness = (await (await fetch(`${api}/health/ready`)).json()) as {
        checks: { token: { detail: string } };
      };
      assert.match(readiness.checks.token.detail, /simulator/);
      assert.doesNotMatch(readiness.checks.token.detail, /is configured/);

      // The whole events loop runs locally: the simulator signs its notification of that write and the
      // receiver stores it.
      assert.match(
        banner,
        /Events: the simulator is registered with http:\/\/\S+\/api\/events\/partner-center/,
      );
      const deadline = Date.now() + 15_000;
      while (!output.includes('"route":"events-partner-center"') && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    const calls = output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { event: string; route: string; method: string; status: number })
      // The events worker's lines (method QUEUE) come whenever the queue is polled.
      .filter((line) => line.method !== 'QUEUE');
    const httpCalls = calls.map(({ event, route, status }) => ({ event, route, status }));
    assert.deepEqual(
      httpCalls.filter((line) => line.route !== 'events-partner-center'),
      [
        { event: 'call', route: 'referral-update-details', status: 200 },
        { event: 'call', route: 'health-ready', status: 200 },
      ],
      'each call is logged to stdout, one JSON line',
    );
    assert.deepEqual(
      httpCalls.filter((line) => line.route === 'events-partner-center'),
      [{ event: 'call', route: 'events-partner-center', status: 200 }],
      "the simulator's signed notification of the write was received once",
    );
  });
});
