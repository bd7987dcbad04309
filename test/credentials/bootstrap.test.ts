/**
 * The first-run bootstrap against a local Entra ID (device-code endpoint and token endpoint) and a local Key
 * Vault: real msal-node, real SecretClient. The integration user's sign-in is the fake's, after one pending poll.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { defaultSecretNames, loadConfig, type KeyVaultCredentialsConfig } from '../../shared/config';
import { createKeyVaultTokenSource } from '../../shared/credentials/key-vault';
import { BootstrapError, runBootstrap, type BootstrapOptions } from '../../scripts/bootstrap/bootstrap';
import { startFakeEntra, type FakeEntra } from '../support/fake-entra';
import { startFakeKeyVault, type FakeKeyVault } from '../support/fake-key-vault';
import { installLeakGuard } from '../support/leak-guard';
import { makeLoopbackCertificate, trustForFetch } from '../support/tls';

const guard = installLeakGuard();
const certificate = makeLoopbackCertificate();
let entra: FakeEntra;
let vault: FakeKeyVault;
let untrust: () => Promise<void>;
const vaults: FakeKeyVault[] = [];
let said: string[];

const sdkOptions = {
  tlsOptions: { ca: certificate.cert },
  disableChallengeResourceVerification: true,
  retryOptions: { maxRetries: 0 },
};

function keyVaultConfig(): KeyVaultCredentialsConfig {
  const config = loadConfig({ KEY_VAULT_URL: vault.url, AZURE_AUTHORITY_HOST: entra.url });
  assert.equal(config.credentials.mode, 'key-vault');
  return config.credentials.keyVault;
}

function bootstrap(options: Partial<BootstrapOptions> = {}) {
  return runBootstrap({
    keyVault: keyVaultConfig(),
    credential: vault.credential,
    secretClientOptions: sdkOptions,
    say: (line) => {
      said.push(line);
      guard.record(line);
    },
    ...options,
  });
}

before(async () => {
  untrust = trustForFetch(certificate);
  entra = await startFakeEntra({ certificate });
});

beforeEach(async () => {
  vault = await startFakeKeyVault({ certificate, tenantId: entra.tenantId });
  vaults.push(vault);
  entra.calls.length = 0;
  entra.pendingPolls = 0;
  said = [];
});

after(async () => {
  await Promise.all(vaults.map((started) => started.close()));
  await entra.close();
  await untrust();
  guard.restore();
});

describe('the first bootstrap', () => {
  it('signs the user in with a device code, proves the exchange, and stores all four secrets', async () => {
    entra.pendingPolls = 1; // the user takes a moment to sign in
    const result = await bootstrap({
      tenantId: entra.tenantId,
      clientId: entra.clientId,
      clientSecret: entra.clientSecret,
    });
    assert.equal(result.signedInAs, 'referrals-integration@contoso.example');
    assert.deepEqual(
      entra.calls.map((call) => call.grantType),
      [
        'device_code', // pending
        'device_code', // signed in
        'refresh_token', // the facade's own exchange, proven before storing
      ],
    );
    assert.equal(vault.value(defaultSecretNames.tenantId), entra.tenantId);
    assert.equal(vault.value(defaultSecretNames.clientId), entra.clientId);
    assert.equal(vault.value(defaultSecretNames.clientSecret), entra.clientSecret);
    const stored = vault.value(defaultSecretNames.refreshToken) ?? '';
    assert.ok(entra.isValidRefreshToken(stored));
    assert.notEqual(
      stored,
      entra.calls[2]?.refreshToken,
      'it stores the rotated token, not the one it redeemed',
    );
  });

  it('leaves the facade able to get a Partner Center token from the vault', async () => {
    await bootstrap({ tenantId: entra.tenantId, clientId: entra.clientId, clientSecret: entra.clientSecret });
    const source = createKeyVaultTokenSource(keyVaultConfig(), {
      credential: vault.credential,
      secretClientOptions: sdkOptions,
      log: guard.operatorLog,
    });
    assert.ok(await source.getAccessToken());
  });
});

describe('running the bootstrap again', () => {
  it('needs no ids or secret: it reads them from the vault and replaces only the refresh token', async () => {
    await bootstrap({ tenantId: entra.tenantId, clientId: entra.clientId, clientSecret: entra.clientSecret });
    const first = vault.value(defaultSecretNames.refreshToken);
    await bootstrap();
    assert.notEqual(vault.value(defaultSecretNames.refreshToken), first);
    assert.equal(vault.versions(defaultSecretNames.clientSecret).length, 1);
  });

  it('without ids on an empty vault: a clear error naming the missing flag', async () => {
    await assert.rejects(bootstrap(), (error: unknown) => {
      assert.ok(error instanceof BootstrapError);
      assert.match(error.message, /--tenant/);
      return true;
    });
  });
});

describe('a wrong client secret', () => {
  it('fails the proof exchange, says what to check, and stores no refresh token', async () => {
    await assert.rejects(
      bootstrap({ tenantId: entra.tenantId, clientId: entra.clientId, clientSecret: 'not-the-secret' }),
      (error: unknown) => {
        assert.ok(error instanceof BootstrapError);
        assert.match(error.message, /client-rejected: invalid_client, AADSTS7000215/);
        return true;
      },
    );
    assert.equal(vault.value(defaultSecretNames.refreshToken), undefined);
  });
});

describe('output and logs of the bootstrap', () => {
  it('contain no secret or token value', () => {
    assert.ok(guard.lines.length > 5);
    assert.deepEqual(guard.leaked([...entra.issued, vault.accessToken, 'not-the-secret']), []);
  });
});
