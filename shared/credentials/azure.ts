/**
 * The Azure SDK side of Key Vault mode: `SecretClient` (@azure/keyvault-secrets, authenticated by
 * @azure/identity) behind `SecretStore`, and msal-node's refresh-token grant behind `RefreshTokenExchange`. Every
 * request to Key Vault and Entra ID carries a time limit (limits.ts).
 * These SDKs are heavy to load, so only `key-vault.ts` imports this module, dynamically, on first use.
 */
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import { SecretClient, type SecretClientOptions } from '@azure/keyvault-secrets';
import {
  AuthError,
  ConfidentialClientApplication,
  LogLevel,
  PublicClientApplication,
  type Configuration,
  type INetworkModule,
  type NetworkRequestOptions,
  type NetworkResponse,
  type NodeAuthOptions,
} from '@azure/msal-node';
import { z } from 'zod';
import { SecretStoreError, type SecretStore, type StoredSecret } from './secret-store';
import { CertificateFormatError, parseCertificatePem } from './certificate';
import { ENTRA_TIMEOUT_MS, KEY_VAULT_TIMEOUT_MS } from './limits';
import {
  TokenExchangeError,
  type AppCredential,
  type AppCredentials,
  type ExchangeFailure,
  type IssuedTo,
  type RefreshTokenExchange,
} from './token-exchange';

export interface KeyVaultStoreOptions {
  readonly vaultUrl: string;
  /** Defaults to DefaultAzureCredential: the managed identity in Azure, the developer's sign-in locally. */
  readonly credential?: TokenCredential;
  readonly managedIdentityClientId?: string;
  readonly clientOptions?: SecretClientOptions;
  /** Longest one operation may take, retries included; defaults to KEY_VAULT_TIMEOUT_MS. */
  readonly timeoutMs?: number;
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

function storeError(error: unknown, name: string): SecretStoreError {
  if (error instanceof SecretStoreError) return error;
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')) {
    return new SecretStoreError('timeout', name, { cause: error });
  }
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
  const timeoutMs = options.timeoutMs ?? KEY_VAULT_TIMEOUT_MS;
  const toStored = (
    name: string,
    secret: {
      value?: string;
      properties: {
        updatedOn?: Date;
        expiresOn?: Date;
        contentType?: string;
        tags?: Record<string, string>;
      };
    },
  ): StoredSecret => {
    if (secret.value === undefined || secret.value === '') throw new SecretStoreError('not-found', name);
    const { updatedOn, expiresOn, contentType, tags } = secret.properties;
    return {
      value: secret.value,
      ...(updatedOn ? { updatedOn } : {}),
      ...(expiresOn ? { expiresOn } : {}),
      ...(contentType ? { contentType } : {}),
      ...(tags && Object.keys(tags).length > 0 ? { tags } : {}),
    };
  };
  return {
    async get(name) {
      try {
        // The signal bounds the whole operation: the bearer challenge, each retry, and a vault that accepted the
        // connection and never answers.
        return toStored(name, await client.getSecret(name, { abortSignal: AbortSignal.timeout(timeoutMs) }));
      } catch (error) {
        throw storeError(error, name);
      }
    },
    async set(name, value, attributes = {}) {
      try {
        return toStored(
          name,
          await client.setSecret(name, value, {
            ...(attributes.contentType === undefined ? {} : { contentType: attributes.contentType }),
            ...(attributes.tags === undefined ? {} : { tags: { ...attributes.tags } }),
            ...(attributes.expiresOn === undefined ? {} : { expiresOn: attributes.expiresOn }),
            abortSignal: AbortSignal.timeout(timeoutMs),
          }),
        );
      } catch (error) {
        throw storeError(error, name);
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

/**
 * msal-node's HTTP client with a time limit on every request: its own client bounds GET requests only, and the
 * token POST is the one that matters. Uses the global fetch, as msal-node's own client does.
 */
export function boundedNetworkClient(timeoutMs: number = ENTRA_TIMEOUT_MS): INetworkModule {
  const send = async <T>(
    url: string,
    method: 'GET' | 'POST',
    options: NetworkRequestOptions | undefined,
  ): Promise<NetworkResponse<T>> => {
    const response = await fetch(url, {
      method,
      ...(options?.headers ? { headers: options.headers } : {}),
      ...(method === 'POST' ? { body: options?.body ?? '' } : {}),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let body: unknown = {};
    try {
      body = text === '' ? {} : JSON.parse(text);
    } catch {
      // msal reads a non-JSON answer (a proxy's error page) as a failed request from its status.
    }
    return {
      headers: Object.fromEntries(response.headers.entries()),
      // msal's own client hands the parsed JSON back untyped in the same way.
      body: body as T,
      status: response.status,
    };
  };
  return {
    sendGetRequestAsync: (url, options) => send(url, 'GET', options),
    sendPostRequestAsync: (url, options) => send(url, 'POST', options),
  };
}

/** msal's settings for the app credential: a client secret, or the certificate's key and thumbprint. */
export function msalCredential(
  credential: AppCredential,
): Pick<NodeAuthOptions, 'clientSecret' | 'clientCertificate'> {
  if (credential.kind === 'client-secret') return { clientSecret: credential.secret };
  const parsed = parseCertificatePem(credential.pem);
  return {
    clientCertificate: {
      thumbprintSha256: parsed.thumbprintSha256,
      privateKey: parsed.privateKey,
      x5c: parsed.certificatePem,
    },
  };
}

export interface MsalExchangeOptions extends EntraOptions {
  readonly scope: string;
  /** Longest one request to Entra ID may take; defaults to ENTRA_TIMEOUT_MS. */
  readonly timeoutMs?: number;
}

/**
 * The refresh-token grant, made the way the token was issued: a public-client token (device code) as a public
 * client with no credential, since Entra ID refuses a credential for it (AADSTS700025); a confidential-client
 * token with the app credential, since Entra ID refuses it without one (AADSTS7000218).
 */
export function createMsalExchange(entra: MsalExchangeOptions): RefreshTokenExchange {
  const networkClient = boundedNetworkClient(entra.timeoutMs);
  return {
    async redeem(app: AppCredentials, refreshToken: string, issuedTo: IssuedTo) {
      const auth = msalAuth(entra, app.tenantId, app.clientId);
      const system = { ...quietMsal, networkClient };
      let client: PublicClientApplication | ConfidentialClientApplication;
      const credential = app.credential;
      if (issuedTo === 'confidential-client' && credential === undefined) {
        throw new TokenExchangeError('client-rejected', ['no_app_credential']);
      }
      try {
        // A fresh client per exchange: its cache then holds exactly the refresh token this exchange returned.
        client =
          credential === undefined || issuedTo === 'public-client'
            ? new PublicClientApplication({ auth, system })
            : new ConfidentialClientApplication({ auth: { ...auth, ...msalCredential(credential) }, system });
      } catch (error) {
        if (error instanceof CertificateFormatError) {
          throw new TokenExchangeError('client-rejected', ['certificate_unreadable'], { cause: error });
        }
        throw exchangeError(error);
      }
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
