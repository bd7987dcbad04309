/**
 * Run as its own process by the lazy-loading test: loads the app as the Functions host would, serves a call in
 * each credential mode without needing a token from Key Vault, and reports which Azure SDK modules got loaded;
 * then asks the Key Vault source for a token once and reports again.
 */
import '../../functions/index';
import { loadConfig } from '../../shared/config';
import { createServices } from '../../shared/app/services';

const heavy = /[\\/]@azure[\\/](identity|keyvault-secrets|msal-node)[\\/]/;
const loaded = () => [
  ...new Set(
    Object.keys(require.cache)
      .filter((path) => heavy.test(path))
      .map((path) => heavy.exec(path)?.[1]),
  ),
];

async function main(): Promise<void> {
  const staticMode = createServices(loadConfig({ PARTNER_CENTER_ACCESS_TOKEN: 'local-token' }));
  await staticMode.credentials.getAccessToken();
  const keyVaultMode = createServices(loadConfig({ KEY_VAULT_URL: 'https://127.0.0.1:9' }), {
    keyVault: {
      credential: {
        getToken: () => Promise.resolve({ token: 'kv', expiresOnTimestamp: Date.now() + 60_000 }),
      },
      secretClientOptions: { retryOptions: { maxRetries: 0 } },
      log: { error: () => undefined, warn: () => undefined, info: () => undefined },
    },
  });
  const beforeFirstToken = loaded();
  await keyVaultMode.credentials.getAccessToken().catch(() => undefined);
  // On a line of its own and last: outside the host the library prints its own notes on stdout.
  process.stdout.write(`\n${JSON.stringify({ beforeFirstToken, afterFirstToken: loaded() })}\n`);
  await Promise.all([staticMode.close(), keyVaultMode.close()]);
}

void main();
