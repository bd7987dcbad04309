import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ConfigError,
  configSettingNames,
  loadConfig,
  type KeyVaultCredentialsConfig,
} from '../../shared/config';

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  assert.fail('expected a configuration error');
}

function keyVaultOf(env: Record<string, string>): KeyVaultCredentialsConfig {
  const { credentials } = loadConfig(env);
  assert.equal(credentials.mode, 'key-vault');
  return credentials.keyVault;
}

describe('credential settings', () => {
  it('PARTNER_CENTER_ACCESS_TOKEN alone selects the static-token mode, as before', () => {
    assert.deepEqual(loadConfig({ PARTNER_CENTER_ACCESS_TOKEN: 't' }).credentials, {
      mode: 'static-token',
      accessToken: 't',
    });
  });

  it('a static token must be usable as a header value; a pasted line break around it is dropped', () => {
    for (const token of ['abc\ndef', 'two words', 'tab\there', ' ']) {
      assert.match(
        problemsOf({ PARTNER_CENTER_ACCESS_TOKEN: token }).join('\n'),
        /PARTNER_CENTER_ACCESS_TOKEN/,
      );
    }
    const { credentials } = loadConfig({ PARTNER_CENTER_ACCESS_TOKEN: 'eyJ0eXAi.abc-_=\n' });
    assert.deepEqual(credentials, { mode: 'static-token', accessToken: 'eyJ0eXAi.abc-_=' });
  });

  it('KEY_VAULT_URL alone selects the Key Vault mode with the documented defaults', () => {
    assert.deepEqual(keyVaultOf({ KEY_VAULT_URL: 'https://contoso-facade.vault.azure.net/' }), {
      vaultUrl: 'https://contoso-facade.vault.azure.net',
      secretNames: {
        clientId: 'partner-center-client-id',
        clientSecret: 'partner-center-client-secret',
        tenantId: 'partner-center-tenant-id',
        refreshToken: 'partner-center-refresh-token',
      },
      authorityHost: 'https://login.microsoftonline.com',
      tokenScope: 'https://api.partner.microsoft.com/.default',
      refreshTokenWriteIntervalMs: 24 * 3_600_000,
      secretCacheTtlMs: 300_000,
    });
  });

  it('every default can be overridden', () => {
    const config = keyVaultOf({
      KEY_VAULT_URL: 'https://v.vault.usgovcloudapi.net',
      KEY_VAULT_SECRET_CLIENT_ID: 'app-id',
      KEY_VAULT_SECRET_CLIENT_SECRET: 'app-secret',
      KEY_VAULT_SECRET_TENANT_ID: 'tenant',
      KEY_VAULT_SECRET_REFRESH_TOKEN: 'rt',
      KEY_VAULT_SECRET_CACHE_SECONDS: '60',
      AZURE_CLIENT_ID: '0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e',
      AZURE_AUTHORITY_HOST: 'https://login.microsoftonline.us/',
      PARTNER_CENTER_TOKEN_SCOPE: 'https://api.partner.microsoft.com/user_impersonation',
      REFRESH_TOKEN_WRITE_INTERVAL_MINUTES: '60',
    });
    assert.deepEqual(config.secretNames, {
      clientId: 'app-id',
      clientSecret: 'app-secret',
      tenantId: 'tenant',
      refreshToken: 'rt',
    });
    assert.equal(config.managedIdentityClientId, '0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e');
    assert.equal(config.authorityHost, 'https://login.microsoftonline.us');
    assert.equal(config.tokenScope, 'https://api.partner.microsoft.com/user_impersonation');
    assert.equal(config.refreshTokenWriteIntervalMs, 3_600_000);
    assert.equal(config.secretCacheTtlMs, 60_000);
  });

  it('both modes at once is an error naming both settings', () => {
    assert.deepEqual(
      problemsOf({ KEY_VAULT_URL: 'https://v.vault.azure.net', PARTNER_CENTER_ACCESS_TOKEN: 't' }),
      [
        'KEY_VAULT_URL and PARTNER_CENTER_ACCESS_TOKEN are both set: set only one (Key Vault for production, a static token for local use)',
      ],
    );
  });

  it('neither mode is an error naming both settings', () => {
    const [problem] = problemsOf({});
    assert.match(problem ?? '', /^KEY_VAULT_URL or PARTNER_CENTER_ACCESS_TOKEN is required/);
  });

  it('bad values are reported by setting name, never by value', () => {
    const env = {
      KEY_VAULT_URL: 'http://leaky-value-1.example',
      KEY_VAULT_SECRET_REFRESH_TOKEN: 'leaky_value_2!',
      AZURE_CLIENT_ID: 'leaky-value-3',
      AZURE_AUTHORITY_HOST: 'http://leaky-value-4.example',
      REFRESH_TOKEN_WRITE_INTERVAL_MINUTES: '999999',
    };
    const problems = problemsOf(env);
    assert.deepEqual(
      problems.map((problem) => problem.split(' ')[0]),
      [
        'KEY_VAULT_URL',
        'KEY_VAULT_SECRET_REFRESH_TOKEN',
        'AZURE_CLIENT_ID',
        'AZURE_AUTHORITY_HOST',
        'REFRESH_TOKEN_WRITE_INTERVAL_MINUTES',
      ],
    );
    assert.ok(problems.every((problem) => !problem.includes('leaky')));
  });

  it('configSettingNames lists every setting the facade reads', () => {
    assert.deepEqual([...configSettingNames].sort(), [
      'AZURE_AUTHORITY_HOST',
      'AZURE_CLIENT_ID',
      'KEY_VAULT_SECRET_CACHE_SECONDS',
      'KEY_VAULT_SECRET_CLIENT_ID',
      'KEY_VAULT_SECRET_CLIENT_SECRET',
      'KEY_VAULT_SECRET_REFRESH_TOKEN',
      'KEY_VAULT_SECRET_TENANT_ID',
      'KEY_VAULT_URL',
      'PARTNER_CENTER_ACCESS_TOKEN',
      'PARTNER_CENTER_BASE_URL',
      'PARTNER_CENTER_DEADLINE_MS',
      'PARTNER_CENTER_MAX_ATTEMPTS',
      'PARTNER_CENTER_TIMEOUT_MS',
      'PARTNER_CENTER_TOKEN_SCOPE',
      'REFRESH_TOKEN_WRITE_INTERVAL_MINUTES',
    ]);
  });
});
