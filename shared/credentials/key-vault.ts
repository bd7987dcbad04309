/**
 * Builds the Key Vault credential source. The Azure SDKs load on the first token request, not when the app
 * starts: the static-token mode never loads them, and a cold start does not pay for them before it must.
 */
import type { TokenCredential } from '@azure/identity';
import type { SecretClientOptions } from '@azure/keyvault-secrets';
import type { KeyVaultCredentialsConfig } from '../config';
import type * as AzureAdapterModule from './azure';
import { CachedSecrets } from './cached-secrets';
import { consoleOperatorLog, type OperatorLog } from './operator-log';
import { RefreshTokenSource } from './refresh-token-source';
import type { SecretStore } from './secret-store';
import type { RefreshTokenExchange } from './token-exchange';

export interface KeyVaultSourceOptions {
  readonly now?: () => number;
  readonly log?: OperatorLog;
  /** Replaces DefaultAzureCredential for Key Vault's own authentication. */
  readonly credential?: TokenCredential;
  /** Extra SecretClient options, such as TLS settings for a local vault. */
  readonly secretClientOptions?: SecretClientOptions;
}

type AzureAdapters = typeof AzureAdapterModule;

function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => {
    loaded ??= load().catch((error: unknown) => {
      loaded = undefined;
      throw error;
    });
    return loaded;
  };
}

export function createKeyVaultTokenSource(
  config: KeyVaultCredentialsConfig,
  options: KeyVaultSourceOptions = {},
): RefreshTokenSource {
  const adapters = once<AzureAdapters>(() => import('./azure.js'));
  const store = once(async (): Promise<SecretStore> =>
    (await adapters()).createKeyVaultSecretStore({
      vaultUrl: config.vaultUrl,
      ...(options.credential ? { credential: options.credential } : {}),
      ...(config.managedIdentityClientId === undefined
        ? {}
        : { managedIdentityClientId: config.managedIdentityClientId }),
      ...(options.secretClientOptions ? { clientOptions: options.secretClientOptions } : {}),
    }),
  );
  const exchange = once(async (): Promise<RefreshTokenExchange> =>
    (await adapters()).createMsalExchange({ authorityHost: config.authorityHost, scope: config.tokenScope }),
  );
  const now = options.now ?? Date.now;
  const log = options.log ?? consoleOperatorLog;
  return new RefreshTokenSource({
    secrets: new CachedSecrets({
      store: {
        get: async (name) => (await store()).get(name),
        set: async (name, value, attributes) => (await store()).set(name, value, attributes),
      },
      ttlMs: config.secretCacheTtlMs,
      now,
      log,
    }),
    exchange: {
      redeem: async (app, refreshToken, issuedTo) => (await exchange()).redeem(app, refreshToken, issuedTo),
    },
    secretNames: config.secretNames,
    writeIntervalMs: config.refreshTokenWriteIntervalMs,
    now,
    log,
  });
}
