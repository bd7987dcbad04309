/**
 * The first-run bootstrap of the Key Vault mode (Secure Application Model): the integration user signs in once
 * with the device-code flow (works on a headless machine, supports MFA), the resulting refresh token is proven
 * by one exchange exactly as the facade will make it, and only then is it stored in Key Vault, next to the
 * app's tenant id, client id and client secret.
 */
import type { TokenCredential } from '@azure/identity';
import type { SecretClientOptions } from '@azure/keyvault-secrets';
import { PublicClientApplication } from '@azure/msal-node';
import type { KeyVaultCredentialsConfig } from '../../shared/config';
import {
  createKeyVaultSecretStore,
  createMsalExchange,
  exchangeError,
  msalAuth,
  quietMsal,
  refreshTokenIn,
} from '../../shared/credentials/azure';
import { SecretStoreError, type SecretStore } from '../../shared/credentials/secret-store';
import { TokenExchangeError } from '../../shared/credentials/token-exchange';

export interface BootstrapOptions {
  readonly keyVault: KeyVaultCredentialsConfig;
  /** Stored in Key Vault when given; otherwise read from it. */
  readonly tenantId?: string;
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** Where the operator's instructions go (the device-code prompt, progress). Never given a secret. */
  readonly say: (line: string) => void;
  /** Replaces DefaultAzureCredential (the operator's `az login` session) for Key Vault. */
  readonly credential?: TokenCredential;
  readonly secretClientOptions?: SecretClientOptions;
}

export interface BootstrapResult {
  readonly signedInAs?: string;
  readonly refreshTokenSecret: string;
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

export async function runBootstrap(options: BootstrapOptions): Promise<BootstrapResult> {
  const { keyVault, say } = options;
  const names = keyVault.secretNames;
  const store = createKeyVaultSecretStore({
    vaultUrl: keyVault.vaultUrl,
    ...(options.credential ? { credential: options.credential } : {}),
    ...(options.secretClientOptions ? { clientOptions: options.secretClientOptions } : {}),
  });
  const tenantId = await setting(store, names.tenantId, options.tenantId, '--tenant');
  const clientId = await setting(store, names.clientId, options.clientId, '--client-id');
  const clientSecret = await setting(
    store,
    names.clientSecret,
    options.clientSecret,
    'the client secret in PARTNER_CENTER_CLIENT_SECRET',
  );
  say(`Key Vault ${keyVault.vaultUrl}: app ${clientId} in tenant ${tenantId}.`);

  // The device-code flow is a public-client flow: the app registration must allow public client flows.
  const signIn = new PublicClientApplication({
    auth: msalAuth(keyVault, tenantId, clientId),
    system: quietMsal,
  });
  let signedInAs: string | undefined;
  try {
    const result = await signIn.acquireTokenByDeviceCode({
      scopes: [keyVault.tokenScope],
      deviceCodeCallback: (response) => {
        say(`Sign in as the integration user (it needs the Referrals Admin or Referrals User role):`);
        say(response.message);
      },
    });
    signedInAs = result?.account?.username;
  } catch (error) {
    const failure = exchangeError(error);
    throw new BootstrapError(`The sign-in did not complete (${failure.codes.join(', ') || 'no code'}).`, {
      cause: error,
    });
  }
  const firstRefreshToken = refreshTokenIn(signIn.getTokenCache().serialize());
  if (firstRefreshToken === undefined) {
    throw new BootstrapError(
      'Entra ID returned no refresh token: check that the scope allows offline access.',
    );
  }

  // Prove the facade's own exchange (confidential client, refresh-token grant) works before storing anything.
  say('Checking that the facade can redeem the refresh token with the app credentials...');
  let stored: string;
  try {
    const proof = await createMsalExchange({
      authorityHost: keyVault.authorityHost,
      scope: keyVault.tokenScope,
    }).redeem({ tenantId, clientId, clientSecret }, firstRefreshToken);
    stored = proof.refreshToken ?? firstRefreshToken;
  } catch (error) {
    const failure = error instanceof TokenExchangeError ? error : exchangeError(error);
    throw new BootstrapError(
      `The facade's token exchange failed (${failure.reason}: ${failure.codes.join(', ') || 'no code'}). ` +
        (failure.reason === 'client-rejected'
          ? 'Check the client secret stored in Key Vault and that it has not expired.'
          : 'Nothing was stored; see docs/credentials.md.'),
      { cause: error },
    );
  }
  await store.set(names.refreshToken, stored);
  say(
    `Stored the refresh token in Key Vault secret ${names.refreshToken}${signedInAs ? ` (signed in as ${signedInAs})` : ''}. ` +
      'The facade picks it up within its secret cache TTL; GET /api/health/ready shows its age.',
  );
  return { ...(signedInAs ? { signedInAs } : {}), refreshTokenSecret: names.refreshToken };
}
