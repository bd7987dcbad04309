/**
 * `npm run bootstrap -- --vault https://<vault>.vault.azure.net [--tenant <id>] [--client-id <id>]`
 *
 * Signs the integration user in (device code) and stores the refresh token in Key Vault. The client secret is
 * read from the environment (PARTNER_CENTER_CLIENT_SECRET) when it is to be stored, never from the command line,
 * which shells keep in their history. Secret names, authority host and scope follow the facade's own settings.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../../shared/config';
import { SecretStoreError } from '../../shared/credentials/secret-store';
import { BootstrapError, runBootstrap } from './bootstrap';

const usage = `Usage: npm run bootstrap -- --vault <https://name.vault.azure.net> [--tenant <tenant id>] [--client-id <app id>]

  --vault       The Key Vault the facade reads (its KEY_VAULT_URL).
  --tenant      Your Entra tenant id; stored in Key Vault. Needed the first time only.
  --client-id   The Entra app's client id; stored in Key Vault. Needed the first time only.
  PARTNER_CENTER_CLIENT_SECRET (environment): the app's client secret, stored in Key Vault when set.
  The same KEY_VAULT_SECRET_*, AZURE_AUTHORITY_HOST and PARTNER_CENTER_TOKEN_SCOPE settings as the facade apply.
  Key Vault access uses your Azure sign-in (az login); you need the Key Vault Secrets Officer role.`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      vault: { type: 'string' },
      tenant: { type: 'string' },
      'client-id': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const vault = values.vault ?? process.env['KEY_VAULT_URL'];
  if (!vault) throw new BootstrapError(`--vault is required.\n${usage}`);
  const config = loadConfig({ ...process.env, PARTNER_CENTER_ACCESS_TOKEN: undefined, KEY_VAULT_URL: vault });
  if (config.credentials.mode !== 'key-vault') throw new BootstrapError('--vault must name a Key Vault.');
  const clientSecret = process.env['PARTNER_CENTER_CLIENT_SECRET'] || undefined;
  await runBootstrap({
    keyVault: config.credentials.keyVault,
    ...(values.tenant ? { tenantId: values.tenant } : {}),
    ...(values['client-id'] ? { clientId: values['client-id'] } : {}),
    ...(clientSecret ? { clientSecret } : {}),
    say: (line) => process.stderr.write(`${line}\n`),
  });
}

main().catch((error: unknown) => {
  const known =
    error instanceof BootstrapError || error instanceof ConfigError || error instanceof SecretStoreError;
  process.stderr.write(
    `bootstrap failed: ${known ? error.message : error instanceof Error ? error.name : 'unknown error'}\n`,
  );
  process.exit(1);
});
