/**
 * The facade in Key Vault mode, end to end over HTTP: the real SecretClient against a local Key Vault, the real
 * msal-node against a local Entra ID, the Partner Center simulator upstream.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { seededIds } from '../../dev/simulator/seed';
import { defaultSecretNames } from '../../shared/config';
import { readinessReportSchema } from '../../shared/health/readiness';
import { installLeakGuard } from '../support/leak-guard';
import {
  startKeyVaultStack,
  type KeyVaultStack,
  type KeyVaultStackOptions,
} from '../support/key-vault-stack';
import { startStack } from '../support/stack';
import { makeLoopbackCertificate } from '../support/tls';

const guard = installLeakGuard();
const certificate = makeLoopbackCertificate();
const HOUR = 3_600_000;
/** Every secret and token any stack of this file handed out, to check the logs against at the end. */
const secrets = new Set<string>();

const stacks: KeyVaultStack[] = [];
async function stack(options: Partial<KeyVaultStackOptions> = {}): Promise<KeyVaultStack> {
  const started = await startKeyVaultStack({ certificate, guard, ...options });
  stacks.push(started);
  return started;
}

const referralPath = `/referrals/${seededIds.active}`;

function problemOf(body: string): { type: string; detail: string; status: number } {
  return JSON.parse(body) as { type: string; detail: string; status: number };
}

after(async () => {
  for (const started of stacks) {
    for (const value of [...started.entra.issued, started.vault.accessToken]) secrets.add(value);
    await started.close();
  }
  guard.restore();
});

describe('Key Vault mode serves calls from cached credentials', () => {
  let kv: KeyVaultStack;
  before(async () => {
    kv = await stack();
  });

  it('one Key Vault read per secret and one token exchange serve many requests', async () => {
    for (let round = 0; round < 4; round += 1) {
      const replies = await Promise.all(Array.from({ length: 5 }, () => kv.call(referralPath)));
      assert.deepEqual(
        replies.map((reply) => reply.status),
        [200, 200, 200, 200, 200],
      );
    }
    assert.equal(kv.entra.exchanges(), 1);
    for (const name of Object.values(defaultSecretNames)) assert.equal(kv.vault.reads(name), 1, name);
    assert.equal(kv.vault.writes(), 0, 'a refresh token stored moments ago is not written back again');
    assert.equal(kv.simulator.calls.length, 20);
  });

  it('sends the access token from Entra ID, requested for the Partner Center scope', () => {
    assert.equal(kv.entra.calls[0]?.scope, 'https://api.partner.microsoft.com/.default');
    assert.equal(
      kv.simulator.calls[0]?.headers['authorization'],
      `Bearer ${kv.entra.defaultAccessToken ?? ''}`,
    );
  });

  it('concurrent first requests share one token exchange (single flight)', async () => {
    const cold = await stack();
    const replies = await Promise.all(Array.from({ length: 25 }, () => cold.call(referralPath)));
    assert.ok(replies.every((reply) => reply.status === 200));
    assert.equal(cold.entra.exchanges(), 1);
    for (const name of Object.values(defaultSecretNames)) assert.equal(cold.vault.reads(name), 1, name);
  });
});

describe('an upstream 401', () => {
  it('invalidates the token, renews it once and retries the call once', async () => {
    const kv = await stack();
    kv.entra.nextAccessTokens.push('revoked-access-token');
    const reply = await kv.call(referralPath);
    assert.equal(reply.status, 200);
    assert.deepEqual(
      kv.simulator.calls.map((call) => call.headers['authorization']),
      ['Bearer revoked-access-token', `Bearer ${kv.entra.defaultAccessToken ?? ''}`],
    );
    assert.equal(kv.entra.exchanges(), 2);
  });

  it('ends as the facade’s own credentials problem (503) after the one retry when the renewed token is refused too', async () => {
    const kv = await stack();
    kv.entra.defaultAccessToken = 'token-partner-center-refuses';
    const reply = await kv.call(referralPath);
    assert.equal(reply.status, 503);
    assert.equal(problemOf(reply.body).type, 'urn:referrals-facade:problem:upstream-unauthorized');
    assert.equal(kv.simulator.calls.length, 2);
    assert.equal(kv.entra.exchanges(), 2);
  });
});

describe('Key Vault outages', () => {
  it('with a warm cache: secrets are served from cache and the token is still renewed', async () => {
    let clock = Date.now();
    const kv = await stack({ now: () => clock });
    assert.equal((await kv.call(referralPath)).status, 200);
    kv.vault.down = true;
    clock += 2 * HOUR; // past the access token's expiry and the secrets' TTL
    const reply = await kv.call(referralPath);
    assert.equal(reply.status, 200);
    assert.equal(kv.entra.exchanges(), 2);
    assert.ok(guard.events.some((entry) => entry.event === 'key-vault-read-failed-serving-cached'));
  });

  it('with nothing cached: 503 problem+json with Retry-After, and recovery once Key Vault is back', async () => {
    const kv = await stack();
    kv.vault.down = true;
    const reply = await kv.call(referralPath);
    assert.equal(reply.status, 503);
    assert.equal(reply.headers.get('content-type'), 'application/problem+json');
    assert.equal(reply.headers.get('retry-after'), '30');
    assert.equal(problemOf(reply.body).type, 'urn:referrals-facade:problem:credentials-unavailable');
    assert.equal(kv.simulator.calls.length, 0, 'nothing reaches Partner Center without a token');

    kv.vault.down = false;
    assert.equal((await kv.call(referralPath)).status, 200);
  });
});

describe('a secret rotated in Key Vault', () => {
  it('is picked up once the cache TTL has passed, without a restart', async () => {
    let clock = Date.now();
    const kv = await stack({ now: () => clock, env: { KEY_VAULT_SECRET_CACHE_SECONDS: '60' } });
    assert.equal((await kv.call(referralPath)).status, 200);
    const rotated = kv.entra.mintRefreshToken();
    kv.vault.seed(defaultSecretNames.refreshToken, rotated);
    clock += 2 * HOUR;
    assert.equal((await kv.call(referralPath)).status, 200);
    assert.equal(kv.entra.calls.at(-1)?.refreshToken, rotated);
  });
});

describe('a revoked or expired refresh token (invalid_grant)', () => {
  let kv: KeyVaultStack;
  let reply: { status: number; headers: Headers; body: string };
  before(async () => {
    kv = await stack();
    kv.entra.revokeAll();
    reply = await kv.call(referralPath);
  });

  it('answers 503 problem+json telling the operator to run the bootstrap again', () => {
    assert.equal(reply.status, 503);
    assert.equal(reply.headers.get('content-type'), 'application/problem+json');
    assert.equal(reply.headers.get('retry-after'), '300');
    const problem = problemOf(reply.body);
    assert.equal(problem.type, 'urn:referrals-facade:problem:credentials-expired');
    assert.match(problem.detail, /invalid_grant/);
    assert.match(problem.detail, /npm run bootstrap/);
    assert.equal(kv.simulator.calls.length, 0);
  });

  it('logs the call with 0 upstream attempts and no upstream status: nothing was sent to Partner Center', () => {
    const line = guard.lines
      .filter((entry) => entry.startsWith('{"event":"call"'))
      .map((entry) => JSON.parse(entry) as Record<string, unknown>)
      .at(-1);
    assert.ok(line);
    assert.equal(line['status'], 503);
    assert.equal(line['attempts'], 0);
    assert.equal(line['upstreamStatus'], undefined);
  });

  it('is logged as an operator-facing error with the codes, not the token', () => {
    const logged = guard.events.find((entry) => entry.event === 'refresh-token-rejected');
    assert.ok(logged);
    assert.equal(logged.level, 'error');
    assert.equal(logged.fields['codes'], 'invalid_grant AADSTS700082');
    assert.match(String(logged.fields['action']), /bootstrap/);
  });

  it('clears as soon as a new bootstrap stores a new refresh token, without a restart', async () => {
    kv.vault.seed(defaultSecretNames.refreshToken, kv.entra.mintRefreshToken());
    assert.equal((await kv.call(referralPath)).status, 200);
  });
});

describe('missing or refused app credentials', () => {
  it('a secret missing from Key Vault: 503 credentials-missing naming the secret', async () => {
    const kv = await stack({ env: { KEY_VAULT_SECRET_CLIENT_SECRET: 'not-there' } });
    const reply = await kv.call(referralPath);
    assert.equal(reply.status, 503);
    const problem = problemOf(reply.body);
    assert.equal(problem.type, 'urn:referrals-facade:problem:credentials-missing');
    assert.match(problem.detail, /not-there/);
  });

  it('a wrong client secret (invalid_client): 503 credentials-rejected', async () => {
    const kv = await stack();
    kv.vault.seed(defaultSecretNames.clientSecret, 'a-wrong-client-secret');
    secrets.add('a-wrong-client-secret');
    const reply = await kv.call(referralPath);
    assert.equal(reply.status, 503);
    assert.equal(problemOf(reply.body).type, 'urn:referrals-facade:problem:credentials-rejected');
  });
});

const readinessOf = (body: string) => readinessReportSchema.parse(JSON.parse(body));

describe('GET /api/health/ready', () => {
  it('in Key Vault mode: ready, with the refresh token age and days to expiry', async () => {
    const tenDaysAgo = Date.now() - 10 * 24 * HOUR;
    const kv = await stack({
      refreshTokenStoredAt: tenDaysAgo,
      env: { REFRESH_TOKEN_WRITE_INTERVAL_MINUTES: '43200' },
    });
    const reply = await kv.call('/health/ready');
    assert.equal(reply.status, 200);
    assert.equal(reply.headers.get('cache-control'), 'no-store');
    const report = readinessOf(reply.body);
    assert.equal(report.status, 'ready');
    assert.equal(report.credentialMode, 'key-vault');
    assert.deepEqual(
      Object.fromEntries(Object.entries(report.checks).map(([name, check]) => [name, check.status])),
      {
        configuration: 'pass',
        keyVault: 'pass',
        token: 'pass',
        refreshToken: 'pass',
        appCredential: 'pass',
        mfa: 'skipped',
      },
    );
    assert.equal(report.checks.refreshToken.ageDays, 10);
    assert.equal(report.checks.refreshToken.daysToExpiry, 80);
  });

  it('in Key Vault mode with a revoked refresh token: 503 not-ready, the token check says why', async () => {
    const kv = await stack();
    kv.entra.revokeAll();
    const reply = await kv.call('/health/ready');
    assert.equal(reply.status, 503);
    assert.equal(reply.headers.get('retry-after'), '30');
    const report = readinessOf(reply.body);
    assert.equal(report.status, 'not-ready');
    assert.equal(report.checks.token.status, 'fail');
    assert.match(report.checks.token.detail, /bootstrap/);
  });

  it('with Key Vault down and warm caches: ready, with a warning on Key Vault', async () => {
    let clock = Date.now();
    const kv = await stack({ now: () => clock });
    assert.equal((await kv.call(referralPath)).status, 200);
    kv.vault.down = true;
    clock += 10 * 60_000; // secrets past their TTL, the token still fresh
    const report = readinessOf((await kv.call('/health/ready')).body);
    assert.equal(report.status, 'ready');
    assert.equal(report.checks.keyVault.status, 'warn');
  });

  it('in static-token mode: ready, Key Vault and refresh token skipped', async () => {
    const local = await startStack();
    try {
      const response = await fetch(`${local.api}/health/ready`);
      const report = readinessOf(await response.text());
      assert.equal(response.status, 200);
      assert.equal(report.credentialMode, 'static-token');
      assert.equal(report.checks.keyVault.status, 'skipped');
      assert.equal(report.checks.refreshToken.status, 'skipped');
    } finally {
      await local.close();
    }
  });

  it('GET /api/health stays a liveness probe that touches neither Key Vault nor Entra ID', async () => {
    const kv = await stack();
    const reply = await kv.call('/health');
    assert.equal(reply.status, 200);
    assert.equal(kv.vault.calls.length, 0);
    assert.equal(kv.entra.calls.length, 0);
  });
});

describe('logs captured during this whole file', () => {
  it('contain no secret or token value', () => {
    for (const started of stacks) {
      for (const value of [...started.entra.issued, started.vault.accessToken]) secrets.add(value);
    }
    assert.ok(secrets.size > 20, 'the check covers the tokens and secrets handed out');
    assert.ok(guard.lines.length > 50, 'the check covers the log lines and bodies written');
    assert.deepEqual(guard.leaked(secrets), []);
  });
});
