/**
 * `npm run bootstrap -- --vault https://<vault>.vault.azure.net [options]`
 *
 * Signs the integration user in and stores the refresh token in Key Vault (see bootstrap.ts and
 * docs/credentials.md). The client secret is read from the environment (PARTNER_CENTER_CLIENT_SECRET), never from
 * the command line, which shells keep in their history; a certificate is read from the PEM file named. Secret
 * names, authority host and scope follow the facade's own settings.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../../shared/config';
import { SecretStoreError } from '../../shared/credentials/secret-store';
import { BootstrapError, defaultCertificateSecretName, defaultRedirectPort, runBootstrap } from './bootstrap';

const usage = `Usage: npm run bootstrap -- --vault <https://name.vault.azure.net> [options]

  --vault               The Key Vault the facade reads (its KEY_VAULT_URL).
  --tenant              Your Entra tenant id; stored in Key Vault. Needed the first time only.
  --client-id           The Entra app's client id; stored in Key Vault. Needed the first time only.

  Default: browser sign-in (authorization code with PKCE), redeemed with the app credential.
  --certificate <file>  The app's certificate: one PEM file with the private key and the certificate; stored in
                        Key Vault secret ${defaultCertificateSecretName} (or --credential-secret). Preferred.
  PARTNER_CENTER_CLIENT_SECRET (environment): the app's client secret, stored in Key Vault when set.
  --credential-secret   The Key Vault secret holding the app credential, when not the default.
  --credential-expires  YYYY-MM-DD: the client secret's expiry, recorded in Key Vault so readiness can warn.
  --port                The loopback port for the sign-in (default ${String(defaultRedirectPort)}); register
                        http://localhost:<port> under the app's Web platform.
  --no-browser          Print the sign-in URL without opening a browser.
  --timeout             Seconds to wait for the sign-in (default 300).

  --device-code         For a machine without a browser: device-code sign-in as a public client. The app must
                        allow public client flows; no app credential is used or stored.

  The same KEY_VAULT_SECRET_*, AZURE_AUTHORITY_HOST and PARTNER_CENTER_TOKEN_SCOPE settings as the facade apply.
  Key Vault access uses your Azure sign-in (az login); you need the Key Vault Secrets Officer role.`;

/** Opens the URL without a shell, so its & and ? are never interpreted. Best effort: the URL is printed anyway. */
function openBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['rundll32', ['url.dll,FileProtocolHandler', url]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // No opener on this machine: the operator copies the printed URL.
  }
}

function positiveInteger(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65_535)
    throw new BootstrapError(`${flag} must be a whole number.`);
  return parsed;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      vault: { type: 'string' },
      tenant: { type: 'string' },
      'client-id': { type: 'string' },
      'device-code': { type: 'boolean' },
      certificate: { type: 'string' },
      'credential-secret': { type: 'string' },
      'credential-expires': { type: 'string' },
      port: { type: 'string' },
      'no-browser': { type: 'boolean' },
      timeout: { type: 'string' },
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
  const deviceCode = values['device-code'] === true;
  const clientSecret = process.env['PARTNER_CENTER_CLIENT_SECRET'] || undefined;
  if (deviceCode && (clientSecret !== undefined || values.certificate !== undefined)) {
    throw new BootstrapError(
      '--device-code uses no app credential: unset PARTNER_CENTER_CLIENT_SECRET and drop --certificate.',
    );
  }
  let certificatePem: string | undefined;
  if (values.certificate !== undefined) {
    try {
      certificatePem = readFileSync(values.certificate, 'utf8');
    } catch {
      throw new BootstrapError(`--certificate: cannot read ${values.certificate}.`);
    }
  }
  let expires: Date | undefined;
  if (values['credential-expires'] !== undefined) {
    expires = new Date(`${values['credential-expires']}T00:00:00Z`);
    if (Number.isNaN(expires.getTime()))
      throw new BootstrapError('--credential-expires must be a date: YYYY-MM-DD.');
  }
  const port = positiveInteger(values.port, '--port');
  const timeoutSeconds = positiveInteger(values.timeout, '--timeout');
  await runBootstrap({
    keyVault: config.credentials.keyVault,
    flow: deviceCode ? 'device-code' : 'authorization-code',
    ...(values.tenant ? { tenantId: values.tenant } : {}),
    ...(values['client-id'] ? { clientId: values['client-id'] } : {}),
    ...(clientSecret ? { clientSecret } : {}),
    ...(certificatePem ? { clientCertificatePem: certificatePem } : {}),
    ...(values['credential-secret'] ? { credentialSecretName: values['credential-secret'] } : {}),
    ...(expires ? { credentialExpiresOn: expires } : {}),
    ...(port === undefined ? {} : { port }),
    ...(timeoutSeconds === undefined ? {} : { signInTimeoutMs: timeoutSeconds * 1_000 }),
    ...(values['no-browser'] ? {} : { openBrowser }),
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
