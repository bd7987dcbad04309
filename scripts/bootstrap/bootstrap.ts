/**
 * The first-run bootstrap of the Key Vault mode (Secure Application Model): the integration user signs in once,
 * the resulting refresh token is proven by one exchange made by the facade's own code, and only then is it stored
 * in Key Vault, tagged with how it was issued, next to the app's tenant id, client id and credential.
 *
 * Two sign-in flows, because Entra ID binds a refresh token to the kind of client it was issued to:
 * - `authorization-code` (default): the browser sign-in Microsoft's "Enable the secure application model
 *   framework" page describes. A confidential client (the app's client secret or certificate), PKCE, and a
 *   loopback redirect registered under the app's Web platform. The facade redeems the token with the same
 *   credential.
 * - `device-code`: for a machine without a browser. A public client with no credential (the app must allow public
 *   client flows); the facade redeems the token the same way, with no credential.
 */
import { randomBytes } from 'node:crypto';
import type { TokenCredential } from '@azure/identity';
import type { SecretClientOptions } from '@azure/keyvault-secrets';
import { ConfidentialClientApplication, CryptoProvider, PublicClientApplication } from '@azure/msal-node';
import type { KeyVaultCredentialsConfig } from '../../shared/config';
import {
  boundedNetworkClient,
  createKeyVaultSecretStore,
  createMsalExchange,
  exchangeError,
  msalAuth,
  msalCredential,
  quietMsal,
  refreshTokenIn,
} from '../../shared/credentials/azure';
import {
  CertificateFormatError,
  PEM_CONTENT_TYPE,
  parseCertificatePem,
} from '../../shared/credentials/certificate';
import {
  appCredentialOf,
  appCredentialTag,
  issuedToTag,
} from '../../shared/credentials/refresh-token-source';
import { SecretStoreError, type SecretStore } from '../../shared/credentials/secret-store';
import {
  TokenExchangeError,
  type AppCredential,
  type IssuedTo,
} from '../../shared/credentials/token-exchange';
import { SignInError, startLoopbackListener } from './loopback';

export type SignInFlow = 'authorization-code' | 'device-code';

/** Where a certificate credential is stored unless the operator names another secret. */
export const defaultCertificateSecretName = 'partner-center-client-certificate';
/** The loopback port of the browser sign-in; `http://localhost:8400` is what the app registration lists. */
export const defaultRedirectPort = 8400;

export interface BootstrapOptions {
  readonly keyVault: KeyVaultCredentialsConfig;
  readonly flow?: SignInFlow;
  /** Stored in Key Vault when given; otherwise read from it. */
  readonly tenantId?: string;
  readonly clientId?: string;
  /** The app's client secret, stored in Key Vault when given. */
  readonly clientSecret?: string;
  /** The app's certificate, PEM with its private key, stored in Key Vault when given. */
  readonly clientCertificatePem?: string;
  /**
   * The secret holding the app credential. Defaults to the certificate's secret when a certificate is given,
   * else to the credential the stored refresh token names, else to the client secret's.
   */
  readonly credentialSecretName?: string;
  /** Recorded as the stored credential's expiry in Key Vault (a certificate's own validity is used otherwise). */
  readonly credentialExpiresOn?: Date;
  /** The loopback port of the browser sign-in (0: any free port, for tests). */
  readonly port?: number;
  /** Longest wait for the user to sign in. */
  readonly signInTimeoutMs?: number;
  /** Opens the sign-in URL in a browser, when the machine can. */
  readonly openBrowser?: (url: string) => void;
  /** Where the operator's instructions go (the sign-in URL or device-code prompt, progress). Never given a secret. */
  readonly say: (line: string) => void;
  /** Replaces DefaultAzureCredential (the operator's `az login` session) for Key Vault. */
  readonly credential?: TokenCredential;
  readonly secretClientOptions?: SecretClientOptions;
}

export interface BootstrapResult {
  readonly signedInAs?: string;
  readonly refreshTokenSecret: string;
  readonly issuedTo: IssuedTo;
  /** The secret holding the app credential the token is redeemed with; absent for a device-code token. */
  readonly appCredentialSecret?: string;
}

/** A failure the operator can act on; the message carries no secret. */
export class BootstrapError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BootstrapError';
  }
}

async function setting(
  store: SecretStore,
  name: string,
  given: string | undefined,
  flag: string,
): Promise<string> {
  if (given !== undefined) {
    await store.set(name, given);
    return given;
  }
  try {
    return (await store.get(name)).value;
  } catch (error) {
    if (error instanceof SecretStoreError && error.reason === 'not-found') {
      throw new BootstrapError(`Key Vault has no secret ${name} yet: pass ${flag} the first time.`, {
        cause: error,
      });
    }
    throw error;
  }
}

/** The tags of the refresh token stored now, if any: a second bootstrap keeps using the same credential. */
async function previousTags(store: SecretStore, name: string): Promise<Readonly<Record<string, string>>> {
  try {
    return (await store.get(name)).tags ?? {};
  } catch (error) {
    if (error instanceof SecretStoreError && error.reason === 'not-found') return {};
    throw error;
  }
}

/** Stores a given credential, or reads the one already in Key Vault. */
async function appCredential(
  options: BootstrapOptions,
  store: SecretStore,
): Promise<{ readonly name: string; readonly credential: AppCredential }> {
  const names = options.keyVault.secretNames;
  if (options.clientCertificatePem !== undefined) {
    let notAfter: Date;
    try {
      notAfter = parseCertificatePem(options.clientCertificatePem).notAfter;
    } catch (error) {
      if (error instanceof CertificateFormatError)
        throw new BootstrapError(`--certificate: ${error.message}.`);
      throw error;
    }
    const name = options.credentialSecretName ?? defaultCertificateSecretName;
    await store.set(name, options.clientCertificatePem, {
      contentType: PEM_CONTENT_TYPE,
      expiresOn: options.credentialExpiresOn ?? notAfter,
    });
    return { name, credential: { kind: 'certificate', pem: options.clientCertificatePem } };
  }
  if (options.clientSecret !== undefined) {
    const name = options.credentialSecretName ?? names.clientSecret;
    await store.set(name, options.clientSecret, {
      ...(options.credentialExpiresOn ? { expiresOn: options.credentialExpiresOn } : {}),
    });
    return { name, credential: { kind: 'client-secret', secret: options.clientSecret } };
  }
  const name =
    options.credentialSecretName ??
    (await previousTags(store, names.refreshToken))[appCredentialTag] ??
    names.clientSecret;
  try {
    return { name, credential: appCredentialOf(await store.get(name)) };
  } catch (error) {
    if (error instanceof SecretStoreError && error.reason === 'not-found') {
      throw new BootstrapError(
        `Key Vault has no secret ${name} yet: pass the client secret (PARTNER_CENTER_CLIENT_SECRET) or --certificate the first time, or use --device-code.`,
        { cause: error },
      );
    }
    throw error;
  }
}

interface SignedIn {
  readonly refreshToken: string;
  readonly signedInAs?: string;
}

async function signInWithBrowser(
  options: BootstrapOptions,
  tenantId: string,
  clientId: string,
  credential: AppCredential,
): Promise<SignedIn> {
  const { keyVault, say } = options;
  let client: ConfidentialClientApplication;
  try {
    client = new ConfidentialClientApplication({
      auth: { ...msalAuth(keyVault, tenantId, clientId), ...msalCredential(credential) },
      system: { ...quietMsal, networkClient: boundedNetworkClient() },
    });
  } catch (error) {
    if (error instanceof CertificateFormatError)
      throw new BootstrapError(`The certificate: ${error.message}.`);
    throw error;
  }
  const pkce = await new CryptoProvider().generatePkceCodes();
  const state = randomBytes(24).toString('base64url');
  const listener = await startLoopbackListener({
    port: options.port ?? defaultRedirectPort,
    state,
    timeoutMs: options.signInTimeoutMs ?? 5 * 60_000,
    onRefused: (reason) => {
      say(`Ignored a request to the sign-in listener: ${reason}.`);
    },
  }).catch((error: unknown) => {
    throw new BootstrapError(
      `Cannot listen on port ${String(options.port ?? defaultRedirectPort)} for the sign-in (${error instanceof Error && 'code' in error ? String(error.code) : 'error'}): free it or pass --port with a redirect URI registered for it.`,
      { cause: error },
    );
  });
  try {
    const url = await client.getAuthCodeUrl({
      scopes: [keyVault.tokenScope],
      redirectUri: listener.redirectUri,
      codeChallenge: pkce.challenge,
      codeChallengeMethod: 'S256',
      state,
      // A fresh sign-in, not an SSO session of whoever runs the bootstrap: it must be the integration user, with MFA.
      prompt: 'login',
    });
    say('Sign in as the integration user (Referrals Admin or Referrals User), with MFA, at:');
    say(url);
    say(`Waiting for the sign-in on ${listener.redirectUri} (registered under the app's Web platform)...`);
    options.openBrowser?.(url);
    const { code } = await listener.answer;
    const result = await client.acquireTokenByCode({
      code,
      scopes: [keyVault.tokenScope],
      redirectUri: listener.redirectUri,
      codeVerifier: pkce.verifier,
    });
    const refreshToken = refreshTokenIn(client.getTokenCache().serialize());
    if (refreshToken === undefined) throw noRefreshToken();
    return { refreshToken, ...(result.account?.username ? { signedInAs: result.account.username } : {}) };
  } catch (error) {
    if (error instanceof BootstrapError) throw error;
    if (error instanceof SignInError) throw new BootstrapError(error.message, { cause: error });
    const failure = exchangeError(error);
    throw new BootstrapError(`The sign-in did not complete (${failure.codes.join(', ') || 'no code'}).`, {
      cause: error,
    });
  } finally {
    await listener.close();
  }
}

async function signInWithDeviceCode(
  options: BootstrapOptions,
  tenantId: string,
  clientId: string,
): Promise<SignedIn> {
  const { keyVault, say } = options;
  // A public client, no credential: the app registration must allow public client flows.
  const client = new PublicClientApplication({
    auth: msalAuth(keyVault, tenantId, clientId),
    system: { ...quietMsal, networkClient: boundedNetworkClient() },
  });
  try {
    const result = await client.acquireTokenByDeviceCode({
      scopes: [keyVault.tokenScope],
      timeout: Math.ceil((options.signInTimeoutMs ?? 15 * 60_000) / 1_000),
      deviceCodeCallback: (response) => {
        say('Sign in as the integration user (Referrals Admin or Referrals User), with MFA:');
        say(response.message);
      },
    });
    const refreshToken = refreshTokenIn(client.getTokenCache().serialize());
    if (refreshToken === undefined) throw noRefreshToken();
    return { refreshToken, ...(result?.account?.username ? { signedInAs: result.account.username } : {}) };
  } catch (error) {
    if (error instanceof BootstrapError) throw error;
    const failure = exchangeError(error);
    // msal-node reports a refused device-code poll as post_request_failed, with only `invalid_client` in its
    // message: the AADSTS code is lost, so the message is read (and not shown).
    const publicFlowsOff =
      failure.codes.includes('AADSTS7000218') ||
      (error instanceof Error && /\binvalid_client\b/.test(error.message));
    throw new BootstrapError(
      `The sign-in did not complete (${failure.codes.join(', ') || 'no code'}).` +
        (publicFlowsOff
          ? ' The device-code flow needs "Allow public client flows: Yes" on the app registration.'
          : ''),
      { cause: error },
    );
  }
}

const noRefreshToken = () =>
  new BootstrapError('Entra ID returned no refresh token: check that the scope allows offline access.');

export async function runBootstrap(options: BootstrapOptions): Promise<BootstrapResult> {
  const { keyVault, say } = options;
  const flow = options.flow ?? 'authorization-code';
  const names = keyVault.secretNames;
  const store = createKeyVaultSecretStore({
    vaultUrl: keyVault.vaultUrl,
    // An operator's network may be slower than the facade's; the bootstrap still never hangs.
    timeoutMs: 15_000,
    ...(options.credential ? { credential: options.credential } : {}),
    ...(options.secretClientOptions ? { clientOptions: options.secretClientOptions } : {}),
  });
  const tenantId = await setting(store, names.tenantId, options.tenantId, '--tenant');
  const clientId = await setting(store, names.clientId, options.clientId, '--client-id');
  const app = flow === 'authorization-code' ? await appCredential(options, store) : undefined;
  say(
    `Key Vault ${keyVault.vaultUrl}: app ${clientId} in tenant ${tenantId}; ` +
      (app
        ? `browser sign-in, app credential: ${app.credential.kind} in secret ${app.name}.`
        : 'device-code sign-in (public client, no app credential).'),
  );

  const signedIn = app
    ? await signInWithBrowser(options, tenantId, clientId, app.credential)
    : await signInWithDeviceCode(options, tenantId, clientId);
  const issuedTo: IssuedTo = app ? 'confidential-client' : 'public-client';

  // Prove the facade's own exchange works, through the facade's own code, before storing anything.
  say('Checking that the facade can redeem the refresh token...');
  let stored: string;
  try {
    const proof = await createMsalExchange({
      authorityHost: keyVault.authorityHost,
      scope: keyVault.tokenScope,
    }).redeem(
      { tenantId, clientId, ...(app ? { credential: app.credential } : {}) },
      signedIn.refreshToken,
      issuedTo,
    );
    stored = proof.refreshToken ?? signedIn.refreshToken;
  } catch (error) {
    const failure = error instanceof TokenExchangeError ? error : exchangeError(error);
    throw new BootstrapError(
      `The facade's token exchange failed (${failure.reason}: ${failure.codes.join(', ') || 'no code'}). ` +
        (failure.reason === 'client-rejected'
          ? 'Check the app credential stored in Key Vault and that it has not expired.'
          : 'Nothing was stored; see docs/credentials.md.'),
      { cause: error },
    );
  }
  await store.set(names.refreshToken, stored, {
    tags: { [issuedToTag]: issuedTo, ...(app ? { [appCredentialTag]: app.name } : {}) },
  });
  say(
    `Stored the refresh token (${issuedTo}) in Key Vault secret ${names.refreshToken}${signedIn.signedInAs ? ` (signed in as ${signedIn.signedInAs})` : ''}. ` +
      'The facade picks it up within its secret cache TTL; GET /api/health/ready shows its age.',
  );
  return {
    ...(signedIn.signedInAs ? { signedInAs: signedIn.signedInAs } : {}),
    refreshTokenSecret: names.refreshToken,
    issuedTo,
    ...(app ? { appCredentialSecret: app.name } : {}),
  };
}
