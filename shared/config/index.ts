/**
 * The facade's configuration, read from the environment and validated with zod. Read lazily, on the first call
 * that needs it: since Functions host 4.25 an exception while the entry point is imported disables every
 * function, so a bad setting must surface as a clear problem on the calls, not as a dead app.
 */
import { z } from 'zod';

const keyVaultReferencePrefix = '@Microsoft.KeyVault(';

/**
 * An app setting the platform did not replace with its secret: `@Microsoft.KeyVault(...)` left as it is, because
 * the app's identity could not read the secret.
 */
export const isUnresolvedKeyVaultReference = (value: string | undefined): boolean =>
  value?.startsWith(keyVaultReferencePrefix) ?? false;

/** Empty strings count as unset, so an app setting left blank falls back to its default. */
const optionalSetting = <S extends z.ZodType>(schema: S) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .transform((url) => url.replace(/\/+$/, ''));

/** Key Vault secret names: 1-127 letters, digits and dashes. */
const secretName = z.string().regex(/^[0-9A-Za-z-]{1,127}$/, 'must be 1-127 letters, digits or dashes');

/** The Key Vault secret names the facade reads when no override is set. */
export const defaultSecretNames = {
  clientId: 'partner-center-client-id',
  clientSecret: 'partner-center-client-secret',
  tenantId: 'partner-center-tenant-id',
  refreshToken: 'partner-center-refresh-token',
} as const;

/** The v2-endpoint form of the Referrals API resource `https://api.partner.microsoft.com`. */
export const defaultTokenScope = 'https://api.partner.microsoft.com/.default';
export const defaultAuthorityHost = 'https://login.microsoftonline.com';

const configSchema = z.object({
  PARTNER_CENTER_BASE_URL: optionalSetting(httpUrl).transform(
    (url) => url ?? 'https://api.partner.microsoft.com',
  ),
  // Sent as a header value: one token of visible ASCII. Surrounding white space (a pasted line break) is dropped.
  PARTNER_CENTER_ACCESS_TOKEN: optionalSetting(
    z
      .string()
      .trim()
      .regex(/^[\x21-\x7e]+$/, 'must be a bearer token: visible ASCII characters, no spaces or line breaks'),
  ),
  PARTNER_CENTER_TIMEOUT_MS: optionalSetting(
    z.coerce.number().int().min(1_000, 'must be at least 1000').max(230_000, 'must be at most 230000'),
  ).transform((ms) => ms ?? 30_000),
  // Power Automate abandons an HTTP action after 120 s; the facade must answer well before that.
  PARTNER_CENTER_DEADLINE_MS: optionalSetting(
    z.coerce.number().int().min(1_000, 'must be at least 1000').max(110_000, 'must be at most 110000'),
  ).transform((ms) => ms ?? 60_000),
  PARTNER_CENTER_MAX_ATTEMPTS: optionalSetting(
    z.coerce.number().int().min(1, 'must be at least 1').max(10, 'must be at most 10'),
  ).transform((attempts) => attempts ?? 4),
  KEY_VAULT_URL: optionalSetting(
    z.url({ protocol: /^https$/, error: 'must be an https URL such as https://<vault>.vault.azure.net' }),
  ),
  KEY_VAULT_SECRET_CLIENT_ID: optionalSetting(secretName).transform(
    (name) => name ?? defaultSecretNames.clientId,
  ),
  KEY_VAULT_SECRET_CLIENT_SECRET: optionalSetting(secretName).transform(
    (name) => name ?? defaultSecretNames.clientSecret,
  ),
  KEY_VAULT_SECRET_TENANT_ID: optionalSetting(secretName).transform(
    (name) => name ?? defaultSecretNames.tenantId,
  ),
  KEY_VAULT_SECRET_REFRESH_TOKEN: optionalSetting(secretName).transform(
    (name) => name ?? defaultSecretNames.refreshToken,
  ),
  KEY_VAULT_SECRET_CACHE_SECONDS: optionalSetting(
    z.coerce.number().int().min(0, 'must be at least 0').max(86_400, 'must be at most 86400'),
  ).transform((seconds) => seconds ?? 300),
  /** The client id of a user-assigned managed identity; unset selects the system-assigned one. */
  AZURE_CLIENT_ID: optionalSetting(z.guid("must be a GUID (the managed identity's client id)")),
  AZURE_AUTHORITY_HOST: optionalSetting(
    z.url({ protocol: /^https$/, error: 'must be an https URL such as https://login.microsoftonline.com' }),
  ).transform((url) => (url ?? defaultAuthorityHost).replace(/\/+$/, '')),
  PARTNER_CENTER_TOKEN_SCOPE: optionalSetting(z.string().trim().min(1)).transform(
    (scope) => scope ?? defaultTokenScope,
  ),
  REFRESH_TOKEN_WRITE_INTERVAL_MINUTES: optionalSetting(
    // Well under the refresh token's 90-day inactivity limit, or the stored token could expire between writes.
    z.coerce.number().int().min(1, 'must be at least 1').max(43_200, 'must be at most 43200 (30 days)'),
  ).transform((minutes) => minutes ?? 1_440),
});

/** Every setting the facade reads, for the infrastructure template's tests. */
export const configSettingNames = Object.keys(
  configSchema.shape,
) as readonly (keyof typeof configSchema.shape)[];

export interface KeyVaultCredentialsConfig {
  readonly vaultUrl: string;
  readonly secretNames: Readonly<Record<keyof typeof defaultSecretNames, string>>;
  /** Selects a user-assigned managed identity; otherwise DefaultAzureCredential picks the identity. */
  readonly managedIdentityClientId?: string;
  /** Entra ID's origin, e.g. https://login.microsoftonline.us for US Government. */
  readonly authorityHost: string;
  readonly tokenScope: string;
  /** Least time between two write-backs of a rotated refresh token to Key Vault. */
  readonly refreshTokenWriteIntervalMs: number;
  /** How long a secret read from Key Vault is used before it is read again. */
  readonly secretCacheTtlMs: number;
}

/** Where the facade's Partner Center tokens come from. */
export type CredentialsConfig =
  | { readonly mode: 'static-token'; readonly accessToken: string }
  | { readonly mode: 'key-vault'; readonly keyVault: KeyVaultCredentialsConfig };

export interface FacadeConfig {
  /** How hard the facade retries Partner Center for one caller's call. */
  readonly retry: RetrySettings;
  /** Partner Center's origin; the facade appends `/v1.0/engagements/referrals/{id}`. */
  readonly partnerCenterBaseUrl: string;
  readonly credentials: CredentialsConfig;
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
  return configSettingNames
    .filter((name) => isUnresolvedKeyVaultReference(env[name]))
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
  return {
    partnerCenterBaseUrl: settings.PARTNER_CENTER_BASE_URL,
    credentials: credentialsOf(settings),
    upstreamTimeoutMs: settings.PARTNER_CENTER_TIMEOUT_MS,
    retry: {
      deadlineMs: settings.PARTNER_CENTER_DEADLINE_MS,
      maxAttempts: settings.PARTNER_CENTER_MAX_ATTEMPTS,
    },
    webhooks: loadWebhookSettings(env),
  };
}

export interface RetrySettings {
  /** One caller's call, every upstream attempt and wait included, ends by then. */
  readonly deadlineMs: number;
  /** Attempts per upstream request, the first included. */
  readonly maxAttempts: number;
}

function credentialsOf(settings: z.output<typeof configSchema>): CredentialsConfig {
  const vaultUrl = settings.KEY_VAULT_URL;
  const accessToken = settings.PARTNER_CENTER_ACCESS_TOKEN;
  if (vaultUrl !== undefined && accessToken !== undefined) {
    throw new ConfigError([
      'KEY_VAULT_URL and PARTNER_CENTER_ACCESS_TOKEN are both set: set only one (Key Vault for production, a static token for local use)',
    ]);
  }
  if (vaultUrl !== undefined) {
    return {
      mode: 'key-vault',
      keyVault: {
        vaultUrl: vaultUrl.replace(/\/+$/, ''),
        secretNames: {
          clientId: settings.KEY_VAULT_SECRET_CLIENT_ID,
          clientSecret: settings.KEY_VAULT_SECRET_CLIENT_SECRET,
          tenantId: settings.KEY_VAULT_SECRET_TENANT_ID,
          refreshToken: settings.KEY_VAULT_SECRET_REFRESH_TOKEN,
        },
        ...(settings.AZURE_CLIENT_ID === undefined
          ? {}
          : { managedIdentityClientId: settings.AZURE_CLIENT_ID }),
        authorityHost: settings.AZURE_AUTHORITY_HOST,
        tokenScope: settings.PARTNER_CENTER_TOKEN_SCOPE,
        refreshTokenWriteIntervalMs: settings.REFRESH_TOKEN_WRITE_INTERVAL_MINUTES * 60_000,
        secretCacheTtlMs: settings.KEY_VAULT_SECRET_CACHE_SECONDS * 1_000,
      },
    };
  }
  if (accessToken !== undefined) return { mode: 'static-token', accessToken };
  throw new ConfigError([
    'KEY_VAULT_URL or PARTNER_CENTER_ACCESS_TOKEN is required: KEY_VAULT_URL names the vault holding the Partner Center credentials (see docs/credentials.md); PARTNER_CENTER_ACCESS_TOKEN is a fixed App+User token for local use',
  ]);
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

/**
 * Whether `name` is one of the webhook intake's optional settings. They are not in `configSettingNames` (no
 * deployment needs them), but an operator may add them to the app settings.
 */
export function isWebhookSettingName(name: string): boolean {
  return (
    name === 'WEBHOOK_MAPPINGS' ||
    name === 'WEBHOOK_MAPPINGS_FILE' ||
    name.startsWith(WEBHOOK_SECRET_SETTING_PREFIX)
  );
}

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

// ---- Durable operations: the storage connection and the retry schedule of the queue worker. ----
// Kept apart from the facade's settings like the webhook block: a broken storage setting must disable the
// asynchronous mode, not the synchronous calls.

/**
 * The connection name the queue trigger and the code share. Locally it holds a connection string (Azurite's);
 * in Azure the identity-based form: `DURABLE_STORAGE__queueServiceUri`, `__tableServiceUri`, `__credential`,
 * `__clientId` (the Functions host reads the same settings for the trigger).
 */
export const DURABLE_CONNECTION = 'DURABLE_STORAGE';

const serviceUri = z
  .url({
    protocol: /^https$/,
    error: 'must be an https URL such as https://<account>.queue.core.windows.net',
  })
  .transform((url) => url.replace(/\/+$/, ''));

const durableSchema = z.object({
  DURABLE_STORAGE: optionalSetting(z.string().trim().min(1)),
  DURABLE_STORAGE__queueServiceUri: optionalSetting(serviceUri),
  DURABLE_STORAGE__tableServiceUri: optionalSetting(serviceUri),
  DURABLE_STORAGE__credential: optionalSetting(z.literal('managedidentity', 'must be managedidentity')),
  DURABLE_STORAGE__clientId: optionalSetting(z.guid("must be a GUID (the managed identity's client id)")),
  // Attempts of one accepted operation, each a full synchronous call with its own retries.
  OPERATION_MAX_ATTEMPTS: optionalSetting(
    z.coerce.number().int().min(1, 'must be at least 1').max(50, 'must be at most 50'),
  ).transform((attempts) => attempts ?? 12),
  OPERATION_RETRY_BASE_SECONDS: optionalSetting(
    z.coerce.number().int().min(1, 'must be at least 1').max(3_600, 'must be at most 3600'),
  ).transform((seconds) => seconds ?? 30),
  // A queue message can stay invisible for at most 7 days.
  OPERATION_RETRY_MAX_SECONDS: optionalSetting(
    z.coerce.number().int().min(1, 'must be at least 1').max(518_400, 'must be at most 518400 (6 days)'),
  ).transform((seconds) => seconds ?? 3_600),
});

/** The durable operations' settings, for the infrastructure template's tests. */
export const durableSettingNames = Object.keys(
  durableSchema.shape,
) as readonly (keyof typeof durableSchema.shape)[];

export type DurableStorageConnection =
  | { readonly kind: 'connection-string'; readonly connectionString: string }
  | {
      readonly kind: 'identity';
      readonly queueServiceUri: string;
      readonly tableServiceUri: string;
      /** A user-assigned identity; unset selects DefaultAzureCredential's choice. */
      readonly clientId?: string;
    };

export interface OperationRetrySettings {
  readonly maxAttempts: number;
  readonly baseMs: number;
  readonly maxMs: number;
}

export interface DurableSettings {
  /** Undefined when no storage is configured: the asynchronous mode then answers a 503 problem. */
  readonly connection?: DurableStorageConnection;
  readonly retry: OperationRetrySettings;
}

function durableConnectionOf(settings: z.output<typeof durableSchema>): DurableStorageConnection | undefined {
  const queueServiceUri = settings.DURABLE_STORAGE__queueServiceUri;
  const tableServiceUri = settings.DURABLE_STORAGE__tableServiceUri;
  const identityForm = queueServiceUri !== undefined || tableServiceUri !== undefined;
  if (settings.DURABLE_STORAGE !== undefined && identityForm) {
    throw new ConfigError([
      `${DURABLE_CONNECTION} and ${DURABLE_CONNECTION}__queueServiceUri/__tableServiceUri are both set: set one form`,
    ]);
  }
  if (settings.DURABLE_STORAGE !== undefined) {
    return { kind: 'connection-string', connectionString: settings.DURABLE_STORAGE };
  }
  if (!identityForm) return undefined;
  if (queueServiceUri === undefined || tableServiceUri === undefined) {
    throw new ConfigError([
      `${DURABLE_CONNECTION}__queueServiceUri and ${DURABLE_CONNECTION}__tableServiceUri must be set together`,
    ]);
  }
  return {
    kind: 'identity',
    queueServiceUri,
    tableServiceUri,
    ...(settings.DURABLE_STORAGE__clientId === undefined
      ? {}
      : { clientId: settings.DURABLE_STORAGE__clientId }),
  };
}

/** Validates the durable settings. Messages name settings, never their values. */
export function loadDurableSettings(env: Environment): DurableSettings {
  const unresolved = durableSettingNames.filter((name) => isUnresolvedKeyVaultReference(env[name]));
  if (unresolved.length > 0) {
    throw new ConfigError(unresolved.map((name) => `${name} is an unresolved Key Vault reference`));
  }
  const parsed = durableSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`));
  }
  const settings = parsed.data;
  const connection = durableConnectionOf(settings);
  return {
    ...(connection === undefined ? {} : { connection }),
    retry: {
      maxAttempts: settings.OPERATION_MAX_ATTEMPTS,
      baseMs: settings.OPERATION_RETRY_BASE_SECONDS * 1_000,
      maxMs: settings.OPERATION_RETRY_MAX_SECONDS * 1_000,
    },
  };
}

// ---- Events: the reconciliation sweep. Its schedule is fixed (EVENTS_SWEEP_SCHEDULE in functions/); these say
// what a run looks at.

const eventSweepSchema = z.object({
  // Partner Center's notification usually arrives within seconds; the sweep leaves younger changes to it.
  EVENTS_SWEEP_GRACE_SECONDS: optionalSetting(
    z.coerce.number().int().min(0, 'must be at least 0').max(3_600, 'must be at most 3600'),
  ).transform((seconds) => seconds ?? 120),
  EVENTS_SWEEP_FIRST_LOOKBACK_HOURS: optionalSetting(
    z.coerce.number().int().min(1, 'must be at least 1').max(720, 'must be at most 720 (30 days)'),
  ).transform((hours) => hours ?? 24),
});

export const eventSweepSettingNames = Object.keys(
  eventSweepSchema.shape,
) as readonly (keyof typeof eventSweepSchema.shape)[];

export interface EventSweepSettings {
  readonly graceMs: number;
  readonly firstLookbackMs: number;
}

export function loadEventSweepSettings(env: Environment): EventSweepSettings {
  const parsed = eventSweepSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`));
  }
  return {
    graceMs: parsed.data.EVENTS_SWEEP_GRACE_SECONDS * 1_000,
    firstLookbackMs: parsed.data.EVENTS_SWEEP_FIRST_LOOKBACK_HOURS * 3_600_000,
  };
}

// ---- Event delivery: how the facade calls subscribers (Power Automate triggers and signed webhooks). ----
// Kept apart like the durable block: a broken delivery setting must stop deliveries, not the synchronous calls.

const eventDeliverySchema = z.object({
  // Local runs and tests deliver to http://127.0.0.1; in Azure a subscriber on a private, loopback or metadata
  // address would let anyone with a function key make the app call into its own network.
  EVENTS_ALLOW_PRIVATE_DESTINATIONS: optionalSetting(
    z.enum(['true', 'false'], 'must be true or false'),
  ).transform((value) => value === 'true'),
  // Standard Webhooks asks for retries over days; 10 attempts from 60 s doubling to 6 h span about 1.5 days.
  EVENTS_DELIVERY_MAX_ATTEMPTS: optionalSetting(
    z.coerce.number().int().min(1, 'must be at least 1').max(50, 'must be at most 50'),
  ).transform((attempts) => attempts ?? 10),
  EVENTS_RETRY_BASE_SECONDS: optionalSetting(
    z.coerce.number().int().min(1, 'must be at least 1').max(3_600, 'must be at most 3600'),
  ).transform((seconds) => seconds ?? 60),
  // A queue message can stay invisible for at most 7 days.
  EVENTS_RETRY_MAX_SECONDS: optionalSetting(
    z.coerce.number().int().min(1, 'must be at least 1').max(518_400, 'must be at most 518400 (6 days)'),
  ).transform((seconds) => seconds ?? 21_600),
  // Subscribers are asked to acknowledge fast and work later (Standard Webhooks); GitHub waits 10 s.
  EVENTS_DELIVERY_TIMEOUT_SECONDS: optionalSetting(
    z.coerce.number().int().min(1, 'must be at least 1').max(120, 'must be at most 120'),
  ).transform((seconds) => seconds ?? 10),
});

/** The event delivery settings, for the infrastructure template's tests. */
export const eventDeliverySettingNames = Object.keys(
  eventDeliverySchema.shape,
) as readonly (keyof typeof eventDeliverySchema.shape)[];

export interface EventDeliverySettings {
  /** http and private, loopback and link-local destinations allowed (local runs and tests only). */
  readonly allowPrivateDestinations: boolean;
  readonly maxAttempts: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  readonly timeoutMs: number;
}

export const defaultEventDeliverySettings: EventDeliverySettings = {
  allowPrivateDestinations: false,
  maxAttempts: 10,
  retryBaseMs: 60_000,
  retryMaxMs: 21_600_000,
  timeoutMs: 10_000,
};

/** Validates the event delivery settings. Messages name settings, never their values. */
export function loadEventDeliverySettings(env: Environment): EventDeliverySettings {
  const parsed = eventDeliverySchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`));
  }
  const settings = parsed.data;
  return {
    allowPrivateDestinations: settings.EVENTS_ALLOW_PRIVATE_DESTINATIONS,
    maxAttempts: settings.EVENTS_DELIVERY_MAX_ATTEMPTS,
    retryBaseMs: settings.EVENTS_RETRY_BASE_SECONDS * 1_000,
    retryMaxMs: settings.EVENTS_RETRY_MAX_SECONDS * 1_000,
    timeoutMs: settings.EVENTS_DELIVERY_TIMEOUT_SECONDS * 1_000,
  };
}
