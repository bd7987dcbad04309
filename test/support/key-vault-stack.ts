/**
 * The facade in Key Vault mode, wired as in Azure but on loopback: the real SecretClient against a local Key
 * Vault, real msal-node against a local Entra ID token endpoint, the Partner Center simulator upstream, and the
 * local host in front. Only Key Vault's own authentication is faked (see FakeKeyVault.credential).
 */
import { startLocalHost, type LocalHost } from '../../dev/host/server';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../dev/simulator/server';
import { defaultSecretNames, loadConfig, type KeyVaultCredentialsConfig } from '../../shared/config';
import { createServices, type FacadeServices } from '../../shared/app/services';
import { startFakeEntra, type FakeEntra } from './fake-entra';
import { startFakeKeyVault, type FakeKeyVault } from './fake-key-vault';
import type { LeakGuard } from './leak-guard';
import { trustForFetch, type TestCertificate } from './tls';

export interface KeyVaultStack {
  readonly entra: FakeEntra;
  readonly vault: FakeKeyVault;
  readonly simulator: Simulator;
  readonly services: FacadeServices;
  readonly host: LocalHost;
  readonly api: string;
  /** The facade's Key Vault settings, for a bootstrap against the same vault. */
  readonly keyVault: KeyVaultCredentialsConfig;
  /** Sends a request to the facade and records the body in the leak guard. */
  call(path: string, init?: RequestInit): Promise<{ status: number; headers: Headers; body: string }>;
  close(): Promise<void>;
}

export interface KeyVaultStackOptions {
  readonly certificate: TestCertificate;
  readonly guard: LeakGuard;
  readonly env?: Record<string, string>;
  readonly now?: () => number;
  /** When Key Vault's refresh token was stored, epoch ms. */
  readonly refreshTokenStoredAt?: number;
  readonly simulator?: Omit<SimulatorOptions, 'accessToken'>;
  /** False leaves the vault empty, for a bootstrap to fill before the first call. */
  readonly seed?: boolean;
  /** Points the facade at another Key Vault URL (a black hole, say) instead of the fake vault. */
  readonly vaultUrl?: string;
}

/** Puts the four secrets where a bootstrap would have left them. */
export function seedVault(vault: FakeKeyVault, entra: FakeEntra, storedAt?: number): void {
  vault.seed(defaultSecretNames.tenantId, entra.tenantId);
  vault.seed(defaultSecretNames.clientId, entra.clientId);
  vault.seed(defaultSecretNames.clientSecret, entra.clientSecret);
  vault.seed(defaultSecretNames.refreshToken, entra.mintRefreshToken(), storedAt);
}

export async function startKeyVaultStack(options: KeyVaultStackOptions): Promise<KeyVaultStack> {
  const untrust = trustForFetch(options.certificate);
  const entra = await startFakeEntra({ certificate: options.certificate });
  const vault = await startFakeKeyVault({
    certificate: options.certificate,
    tenantId: entra.tenantId,
    ...(options.now ? { now: options.now } : {}),
  });
  if (options.seed !== false) seedVault(vault, entra, options.refreshTokenStoredAt);
  const upstreamToken = `pc-${entra.clientId}-token`;
  entra.defaultAccessToken = upstreamToken;
  const simulator = await startSimulator({ ...options.simulator, accessToken: upstreamToken });
  const config = loadConfig({
    PARTNER_CENTER_BASE_URL: simulator.url,
    KEY_VAULT_URL: options.vaultUrl ?? vault.url,
    AZURE_AUTHORITY_HOST: entra.url,
    ...options.env,
  });
  if (config.credentials.mode !== 'key-vault') throw new Error('the stack runs in Key Vault mode');
  const keyVault = config.credentials.keyVault;
  const services = createServices(config, {
    keyVault: {
      credential: vault.credential,
      // The local vault's name is not *.vault.azure.net, and its certificate is the test's own.
      secretClientOptions: {
        tlsOptions: { ca: options.certificate.cert },
        disableChallengeResourceVerification: true,
        retryOptions: { maxRetries: 0 },
      },
      log: options.guard.operatorLog,
      ...(options.now ? { now: options.now } : {}),
    },
  });
  const host = await startLocalHost({
    services: () => services,
    log: (_level, message) => {
      options.guard.record(message);
    },
  });
  const api = `${host.url}/api`;
  return {
    entra,
    vault,
    simulator,
    services,
    host,
    api,
    keyVault,
    call: async (path, init) => {
      const response = await fetch(api + path, init);
      const body = await response.text();
      options.guard.record(body);
      return { status: response.status, headers: response.headers, body };
    },
    close: async () => {
      await host.close();
      await services.close();
      await Promise.all([simulator.close(), vault.close(), entra.close()]);
      await untrust();
    },
  };
}
