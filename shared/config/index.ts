/**
 * The facade's configuration, read from the environment and validated with zod. Read lazily, on the first call
 * that needs it: since Functions host 4.25 an exception while the entry point is imported disables every
 * function, so a bad setting must surface as a clear problem on the calls, not as a dead app.
 */
import { z } from 'zod';

const keyVaultReferencePrefix = '@Microsoft.KeyVault(';

/** Empty strings count as unset, so an app setting left blank falls back to its default. */
const optionalSetting = <S extends z.ZodType>(schema: S) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .transform((url) => url.replace(/\/+$/, ''));

const configSchema = z.object({
  PARTNER_CENTER_BASE_URL: optionalSetting(httpUrl).transform(
    (url) => url ?? 'https://api.partner.microsoft.com',
  ),
  PARTNER_CENTER_ACCESS_TOKEN: optionalSetting(z.string()),
  PARTNER_CENTER_TIMEOUT_MS: optionalSetting(
    z.coerce.number().int().min(1_000, 'must be at least 1000').max(230_000, 'must be at most 230000'),
  ).transform((ms) => ms ?? 30_000),
});

export interface FacadeConfig {
  /** Partner Center's origin; the facade appends `/v1.0/engagements/referrals/{id}`. */
  readonly partnerCenterBaseUrl: string;
  readonly staticAccessToken: string;
  /** Longest the facade waits for one upstream answer. */
  readonly upstreamTimeoutMs: number;
  /** Webhook intake settings (see the block below); absent means no mappings. */
  readonly webhooks?: WebhookSettings;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

type Environment = Readonly<Record<string, string | undefined>>;

/** App Service passes an unresolved Key Vault reference through as the literal text: report it, never use it. */
function unresolvedKeyVaultReferences(env: Environment): string[] {
  return Object.keys(configSchema.shape)
    .filter((name) => env[name]?.startsWith(keyVaultReferencePrefix))
    .map(
      (name) =>
        `${name} is an unresolved Key Vault reference: check that the app's identity can read the secret (Key Vault Secrets User)`,
    );
}

/** Validates the environment. Messages name settings, never their values. */
export function loadConfig(env: Environment): FacadeConfig {
  const problems = unresolvedKeyVaultReferences(env);
  if (problems.length > 0) throw new ConfigError(problems);
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`));
  }
  const settings = parsed.data;
  if (settings.PARTNER_CENTER_ACCESS_TOKEN === undefined) {
    throw new ConfigError([
      'PARTNER_CENTER_ACCESS_TOKEN is required: a Partner Center access token (App+User) for the facade to send',
    ]);
  }
  return {
    partnerCenterBaseUrl: settings.PARTNER_CENTER_BASE_URL,
    staticAccessToken: settings.PARTNER_CENTER_ACCESS_TOKEN,
    upstreamTimeoutMs: settings.PARTNER_CENTER_TIMEOUT_MS,
    webhooks: loadWebhookSettings(env),
  };
}

const portSchema = optionalSetting(z.coerce.number().int().min(0).max(65_535)).transform(
  (port) => port ?? 7071,
);

/** The local host's port (`PORT`, default 7071, the Functions host's own default). */
export function loadLocalPort(env: Environment): number {
  const parsed = portSchema.safeParse(env['PORT']);
  if (!parsed.success) throw new ConfigError(['PORT must be a whole number from 0 to 65535']);
  return parsed.data;
}

// ---- Webhook intake: where the mappings are, and the settings that hold signing secrets. ----
// Kept apart from the facade's settings on purpose: a broken mapping must disable the webhooks, not every call,
// so the mappings themselves are validated by shared/webhooks when the first delivery arrives.

/** Settings with this prefix hold webhook signing secrets (in Azure, usually Key Vault references). */
export const WEBHOOK_SECRET_SETTING_PREFIX = 'WEBHOOK_SECRET_';

export interface WebhookSettings {
  /** `WEBHOOK_MAPPINGS`: the mapping configuration as inline JSON. */
  readonly mappingsJson?: string;
  /** `WEBHOOK_MAPPINGS_FILE`: path of a JSON file with the mapping configuration. */
  readonly mappingsFile?: string;
  /** Every `WEBHOOK_SECRET_*` setting, by name. */
  readonly secrets: ReadonlyMap<string, string>;
}

export function loadWebhookSettings(env: Environment): WebhookSettings {
  const text = (name: string) => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const mappingsJson = text('WEBHOOK_MAPPINGS');
  const mappingsFile = text('WEBHOOK_MAPPINGS_FILE');
  const secrets = new Map<string, string>();
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith(WEBHOOK_SECRET_SETTING_PREFIX) && value !== undefined) secrets.set(name, value);
  }
  return {
    ...(mappingsJson === undefined ? {} : { mappingsJson }),
    ...(mappingsFile === undefined ? {} : { mappingsFile }),
    secrets,
  };
}
