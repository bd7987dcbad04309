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

/** Every app setting the facade reads in Azure; the infrastructure must set exactly these (tested from both sides). */
export const configSettingNames: readonly string[] = Object.keys(configSchema.shape);

export interface FacadeConfig {
  /** How hard the facade retries Partner Center for one caller's call. */
  readonly retry: RetrySettings;
  /** Partner Center's origin; the facade appends `/v1.0/engagements/referrals/{id}`. */
  readonly partnerCenterBaseUrl: string;
  readonly staticAccessToken: string;
  /** Longest the facade waits for one upstream answer. */
  readonly upstreamTimeoutMs: number;
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
  return configSettingNames
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
  const retry = loadRetrySettings(env);
  if (settings.PARTNER_CENTER_ACCESS_TOKEN === undefined) {
    throw new ConfigError([
      'PARTNER_CENTER_ACCESS_TOKEN is required: a Partner Center access token (App+User) for the facade to send',
    ]);
  }
  return {
    partnerCenterBaseUrl: settings.PARTNER_CENTER_BASE_URL,
    staticAccessToken: settings.PARTNER_CENTER_ACCESS_TOKEN,
    upstreamTimeoutMs: settings.PARTNER_CENTER_TIMEOUT_MS,
    retry,
  };
}

// --- Upstream retry budget -------------------------------------------------------------------------------------

/** Power Automate abandons an HTTP action after 120 s; the facade must answer well before that. */
const retrySettingsSchema = z.object({
  PARTNER_CENTER_DEADLINE_MS: optionalSetting(
    z.coerce.number().int().min(1_000, 'must be at least 1000').max(110_000, 'must be at most 110000'),
  ).transform((ms) => ms ?? 60_000),
  PARTNER_CENTER_MAX_ATTEMPTS: optionalSetting(
    z.coerce.number().int().min(1, 'must be at least 1').max(10, 'must be at most 10'),
  ).transform((attempts) => attempts ?? 4),
});

export interface RetrySettings {
  /** One caller's call, every upstream attempt and wait included, ends by then. */
  readonly deadlineMs: number;
  /** Attempts per upstream request, the first included. */
  readonly maxAttempts: number;
}

function loadRetrySettings(env: Environment): RetrySettings {
  const parsed = retrySettingsSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`));
  }
  return {
    deadlineMs: parsed.data.PARTNER_CENTER_DEADLINE_MS,
    maxAttempts: parsed.data.PARTNER_CENTER_MAX_ATTEMPTS,
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
