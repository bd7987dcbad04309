/**
 * The Key Vault token source on its own, with an injected clock: when it renews, how it rotates the refresh
 * token, and how instances sharing one vault get along. Real SecretClient and msal-node against local fakes.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { defaultSecretNames, loadConfig } from '../../shared/config';
import { ProblemError } from '../../shared/failures/problem';
import { createKeyVaultTokenSource } from '../../shared/credentials/key-vault';
import type { RefreshTokenSource } from '../../shared/credentials/refresh-token-source';
import { startFakeEntra, type FakeEntra } from '../support/fake-entra';
import { startFakeKeyVault, type FakeKeyVault } from '../support/fake-key-vault';
import { seedVault } from '../support/key-vault-stack';
import { installLeakGuard } from '../support/leak-guard';
import { makeLoopbackCertificate, trustForFetch } from '../support/tls';

const guard = installLeakGuard();
const certificate = makeLoopbackCertificate();
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

let clock = Date.now();
const now = () => clock;
let entra: FakeEntra;
let vault: FakeKeyVault;
const vaults: FakeKeyVault[] = [];
let untrust: () => Promise<void>;
const secrets = new Set<string>();

before(async () => {
  untrust = trustForFetch(certificate);
  entra = await startFakeEntra({ certificate });
});

beforeEach(async () => {
  clock = Date.now();
  vault = await startFakeKeyVault({ certificate, tenantId: entra.tenantId, now });
  vaults.push(vault);
  secrets.add(vault.accessToken);
  entra.calls.length = 0;
  entra.down = false;
  vault.refuseWrites = false;
});

after(async () => {
  await Promise.all(vaults.map((started) => started.close()));
  await entra.close();
  await untrust();
  guard.restore();
});

/** One facade instance: its own caches, the shared vault and Entra ID. */
function instance(env: Record<string, string> = {}): RefreshTokenSource {
  const config = loadConfig({ KEY_VAULT_URL: vault.url, AZURE_AUTHORITY_HOST: entra.url, ...env });
  assert.equal(config.credentials.mode, 'key-vault');
  return createKeyVaultTokenSource(config.credentials.keyVault, {
    credential: vault.credential,
    secretClientOptions: {
      tlsOptions: { ca: certificate.cert },
      disableChallengeResourceVerification: true,
      retryOptions: { maxRetries: 0 },
    },
    log: guard.operatorLog,
    now,
  });
}

async function problemFrom(promise: Promise<unknown>): Promise<ProblemError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ProblemError) return error;
    throw error;
  }
  assert.fail('expected a problem');
}

describe('access tokens', () => {
  it('are cached until shortly before they expire, then renewed', async () => {
    seedVault(vault, entra);
    const source = instance();
    const first = await source.getAccessToken();
    clock += 54 * MINUTE;
    assert.equal(await source.getAccessToken(), first);
    assert.equal(entra.exchanges(), 1);
    clock += 2 * MINUTE; // 4 minutes left of the hour: inside the renewal window
    const renewed = await source.getAccessToken();
    assert.notEqual(renewed, first);
    assert.equal(entra.exchanges(), 2);
  });

  it('are renewed once for any number of concurrent callers (single flight)', async () => {
    seedVault(vault, entra);
    const source = instance();
    const tokens = await Promise.all(Array.from({ length: 50 }, () => source.getAccessToken()));
    assert.equal(new Set(tokens).size, 1);
    assert.equal(entra.exchanges(), 1);
    assert.equal(vault.reads(), 4, 'each of the four secrets is read once');
  });

  it('still serve the current token when an early renewal fails, and a 503 once it has expired', async () => {
    seedVault(vault, entra);
    const source = instance();
    const first = await source.getAccessToken();
    entra.down = true;
    clock += 57 * MINUTE;
    assert.equal(await source.getAccessToken(), first);
    clock += 4 * MINUTE;
    const problem = await problemFrom(source.getAccessToken());
    assert.equal(problem.problem.status, 503);
    assert.equal(problem.problem.kind, 'token-service-unavailable');
    assert.equal(problem.problem.retryAfterSeconds, 30);
  });

  it('are dropped on invalidate, so the next call exchanges again', async () => {
    seedVault(vault, entra);
    const source = instance();
    const first = await source.getAccessToken();
    source.invalidate('some-other-token');
    assert.equal(await source.getAccessToken(), first);
    source.invalidate(first);
    assert.notEqual(await source.getAccessToken(), first);
    assert.equal(entra.exchanges(), 2);
  });
});

describe('refresh token rotation', () => {
  it('writes the new refresh token back to Key Vault, at most once per interval', async () => {
    seedVault(vault, entra, clock - 2 * DAY);
    const source = instance(); // default interval: one day
    await source.getAccessToken();
    assert.equal(vault.writes(defaultSecretNames.refreshToken), 1);
    const stored = vault.value(defaultSecretNames.refreshToken) ?? '';
    assert.ok(entra.isValidRefreshToken(stored), 'the stored token is the one Entra ID just issued');

    for (let hour = 0; hour < 5; hour += 1) {
      clock += HOUR;
      await source.getAccessToken();
    }
    assert.equal(entra.exchanges(), 6);
    assert.equal(vault.writes(), 1, 'hourly renewals do not write again within the day');

    clock += 20 * HOUR;
    await source.getAccessToken();
    assert.equal(vault.writes(), 2);
    assert.equal(entra.calls.at(-1)?.refreshToken, stored, 'renewals redeem the token stored in Key Vault');
  });

  it('follows REFRESH_TOKEN_WRITE_INTERVAL_MINUTES', async () => {
    seedVault(vault, entra, clock - 2 * HOUR);
    const source = instance({ REFRESH_TOKEN_WRITE_INTERVAL_MINUTES: '60' });
    await source.getAccessToken();
    assert.equal(vault.writes(), 1);
  });

  it('does not write when the stored token is younger than the interval, even after a restart', async () => {
    seedVault(vault, entra, clock - 3 * HOUR);
    await instance().getAccessToken();
    await instance().getAccessToken();
    assert.equal(vault.writes(), 0);
  });

  it('logs a refused write-back as an operator error, keeps serving, and tries again next renewal', async () => {
    seedVault(vault, entra, clock - 2 * DAY);
    vault.refuseWrites = true;
    const source = instance();
    assert.ok(await source.getAccessToken());
    const logged = guard.events.find((entry) => entry.event === 'refresh-token-store-failed');
    assert.equal(logged?.level, 'error');
    assert.equal(logged.fields['reason'], 'forbidden');
    assert.equal(vault.writes(), 1);

    vault.refuseWrites = false;
    clock += HOUR;
    await source.getAccessToken();
    assert.equal(vault.writes(), 2);
    assert.equal(vault.versions(defaultSecretNames.refreshToken).length, 2, 'the second write landed');
  });

  it('is harmless when two instances race: both writes are valid tokens and any instance carries on', async () => {
    seedVault(vault, entra, clock - 2 * DAY);
    const [a, b] = [instance(), instance()];
    await Promise.all([a.getAccessToken(), b.getAccessToken()]);
    assert.equal(vault.writes(), 2);
    const written = vault.versions(defaultSecretNames.refreshToken).slice(-2);
    assert.ok(written.every((token) => entra.isValidRefreshToken(token)));

    const late = instance();
    await late.getAccessToken();
    clock += 2 * HOUR;
    await Promise.all([a.getAccessToken(), b.getAccessToken()]);
    assert.equal(entra.exchanges(), 5);
  });
});

describe('Key Vault failures', () => {
  it('with nothing cached: a 503 problem with Retry-After', async () => {
    seedVault(vault, entra);
    vault.down = true;
    const problem = await problemFrom(instance().getAccessToken());
    assert.equal(problem.problem.status, 503);
    assert.equal(problem.problem.kind, 'credentials-unavailable');
    assert.equal(problem.problem.retryAfterSeconds, 30);
  });

  it('a missing refresh token secret: a 503 naming the secret and the bootstrap', async () => {
    vault.seed(defaultSecretNames.tenantId, entra.tenantId);
    vault.seed(defaultSecretNames.clientId, entra.clientId);
    vault.seed(defaultSecretNames.clientSecret, entra.clientSecret);
    const problem = await problemFrom(instance().getAccessToken());
    assert.equal(problem.problem.kind, 'credentials-missing');
    assert.match(problem.problem.detail, new RegExp(defaultSecretNames.refreshToken));
    assert.match(problem.problem.detail, /bootstrap/);
  });
});

describe('logs captured during this whole file', () => {
  it('contain no secret or token value', () => {
    for (const value of entra.issued) secrets.add(value);
    assert.ok(secrets.size > 20);
    assert.ok(guard.lines.length > 0);
    assert.deepEqual(guard.leaked(secrets), []);
  });
});
