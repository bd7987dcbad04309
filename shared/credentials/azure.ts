/**
 * The Azure SDK side of Key Vault mode: `SecretClient` (@azure/keyvault-secrets, authenticated by
 * @azure/identity) behind `SecretStore`, and msal-node's refresh-token grant behind `RefreshTokenExchange`.
 * These SDKs are heavy to load, so only `key-vault.ts` imports this module, dynamically, on first use.
 */
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import { SecretClient, type SecretClientOptions } from '@azure/keyvault-secrets';
import {
  AuthError,
  ConfidentialClientApplication,
  LogLevel,
  type Configuration,
  type NodeAuthOptions,
} from '@azure/msal-node';
import { z } from 'zod';
import { SecretStoreError, type SecretStore, type StoredSecret } from './secret-store';
import {
  TokenExchangeError,
  type AppCredentials,
  type ExchangeFailure,
  type RefreshTokenExchange,
} from './token-exchange';

export interface KeyVaultStoreOptions {
  readonly vaultUrl: string;
  /** Defaults to DefaultAzureCredential: the managed identity in Azure, the developer's sign-in locally. */
  readonly credential?: TokenCredential;
  readonly managedIdentityClientId?: string;
  readonly clientOptions?: SecretClientOptions;
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

function storeError(error: unknown, name: string): SecretStoreError {
  const status = statusOf(error);
  const reason =
    status === 404 ? 'not-found' : status === 401 || status === 403 ? 'forbidden' : 'unavailable';
  return new SecretStoreError(reason, name, { cause: error });
}

export function createKeyVaultSecretStore(options: KeyVaultStoreOptions): SecretStore {
  const credential =
    options.credential ??
    new DefaultAzureCredential(
      options.managedIdentityClientId === undefined
        ? {}
        : { managedIdentityClientId: options.managedIdentityClientId },
    );
  const client = new SecretClient(options.vaultUrl, credential, {
    // An outage is served from cache, so a caller should not wait through the SDK's long default backoff.
    retryOptions: { maxRetries: 2, retryDelayInMs: 200, maxRetryDelayInMs: 2_000 },
    ...options.clientOptions,
  });
  const toStored = (
    name: string,
    secret: { value?: string; properties: { updatedOn?: Date } },
  ): StoredSecret => {
    if (secret.value === undefined || secret.value === '') throw new SecretStoreError('not-found', name);
    return {
      value: secret.value,
      ...(secret.properties.updatedOn ? { updatedOn: secret.properties.updatedOn } : {}),
    };
  };
  return {
    async get(name) {
      try {
        return toStored(name, await client.getSecret(name));
      } catch (error) {
        throw error instanceof SecretStoreError ? error : storeError(error, name);
      }
    },
    async set(name, value) {
      try {
        return toStored(name, await client.setSecret(name, value));
      } catch (error) {
        throw error instanceof SecretStoreError ? error : storeError(error, name);
      }
    },
  };
}

export interface EntraOptions {
  /** e.g. https://login.microsoftonline.com */
  readonly authorityHost: string;
}

/**
 * msal-node's settings for one tenant. The authority metadata is given rather than discovered: Entra ID's
 * endpoints follow one pattern on every cloud, and skipping discovery saves two round trips per exchange.
 */
export function msalAuth(entra: EntraOptions, tenantId: string, clientId: string): NodeAuthOptions {
  const host = new URL(entra.authorityHost).host;
  const authority = `${entra.authorityHost}/${tenantId}`;
  return {
    clientId,
    authority,
    knownAuthorities: [host],
    authorityMetadata: JSON.stringify({
      token_endpoint: `${authority}/oauth2/v2.0/token`,
      authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
      end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
      device_authorization_endpoint: `${authority}/oauth2/v2.0/devicecode`,
      issuer: `${authority}/v2.0`,
      jwks_uri: `${authority}/discovery/v2.0/keys`,
    }),
    cloudDiscoveryMetadata: JSON.stringify({
      tenant_discovery_endpoint: `${authority}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    }),
  };
}

/** msal's own logging stays off: its messages can carry request details. */
export const quietMsal: Configuration['system'] = {
  loggerOptions: { piiLoggingEnabled: false, logLevel: LogLevel.Error, loggerCallback: () => undefined },
};

const serializedCacheSchema = z.object({
  RefreshToken: z.record(z.string(), z.object({ secret: z.string() })).optional(),
});

/** msal returns the rotated refresh token only in its serialized cache. */
export function refreshTokenIn(serializedCache: string): string | undefined {
  const parsed = serializedCacheSchema.safeParse(JSON.parse(serializedCache));
  if (!parsed.success) return undefined;
  return Object.values(parsed.data.RefreshToken ?? {})[0]?.secret;
}

const grantRejected = new Set([
  'invalid_grant',
  'interaction_required',
  'consent_required',
  'login_required',
]);
const clientRejected = new Set(['invalid_client', 'unauthorized_client']);

/** Keeps Entra ID's codes and drops its descriptions, which are free text. */
export function exchangeError(error: unknown): TokenExchangeError {
  if (!(error instanceof AuthError)) return new TokenExchangeError('unavailable', [], { cause: error });
  const errorNo = (error as { errorNo?: unknown }).errorNo;
  const codes = [
    error.errorCode,
    error.subError,
    typeof errorNo === 'string' || typeof errorNo === 'number' ? `AADSTS${String(errorNo)}` : '',
  ].filter((code) => /^[\w.-]{1,64}$/.test(code));
  const reason: ExchangeFailure = grantRejected.has(error.errorCode)
    ? 'grant-rejected'
    : clientRejected.has(error.errorCode)
      ? 'client-rejected'
      : 'unavailable';
  return new TokenExchangeError(reason, codes, { cause: error });
}

export function createMsalExchange(entra: EntraOptions & { readonly scope: string }): RefreshTokenExchange {
  return {
    async redeem(app: AppCredentials, refreshToken: string) {
      // A fresh client per exchange: its cache then holds exactly the refresh token this exchange returned.
      const client = new ConfidentialClientApplication({
        auth: { ...msalAuth(entra, app.tenantId, app.clientId), clientSecret: app.clientSecret },
        system: quietMsal,
      });
      let result;
      try {
        result = await client.acquireTokenByRefreshToken({
          refreshToken,
          scopes: [entra.scope],
          forceCache: true,
        });
      } catch (error) {
        throw exchangeError(error);
      }
      if (!result?.accessToken) throw new TokenExchangeError('unavailable', ['empty_response']);
      const rotated = refreshTokenIn(client.getTokenCache().serialize());
      return {
        accessToken: result.accessToken,
        // Without an expiry, assume a short life so the token is renewed soon.
        expiresAt: result.expiresOn?.getTime() ?? Date.now() + 10 * 60_000,
        ...(rotated === undefined ? {} : { refreshToken: rotated }),
      };
    },
  };
}
