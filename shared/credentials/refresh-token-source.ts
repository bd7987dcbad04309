/**
 * Partner Center App+User tokens for unattended use (Secure Application Model): the app's credentials and the
 * integration user's refresh token live in Key Vault; access tokens are minted from them, cached, renewed before
 * they expire, and every caller waiting for a renewal shares the one exchange. Entra ID hands back a new refresh
 * token on each exchange; it is written back to Key Vault at most once per interval so the stored chain never
 * reaches its 90-day inactivity limit while the facade is in use.
 *
 * The refresh-token secret's tags say how the token was issued and which secret holds the app credential (the
 * bootstrap sets them; see issuedToTag): Entra ID binds a refresh token to the kind of client it was issued to.
 */
import { keyVaultFailure, tokenExchangeFailure } from '../failures/failure-map';
import { ProblemError } from '../failures/problem';
import type { CachedSecrets } from './cached-secrets';
import { PEM_CONTENT_TYPE, parseCertificatePem } from './certificate';
import type { Check, CredentialChecks } from './health';
import type { CredentialSource } from './index';
import { RENEWAL_GRACE_MS } from './limits';
import type { LogFields, OperatorLog } from './operator-log';
import { SecretStoreError, type SecretAttributes, type StoredSecret } from './secret-store';
import {
  TokenExchangeError,
  type AppCredential,
  type AppCredentials,
  type IssuedTo,
  type RefreshTokenExchange,
} from './token-exchange';

/** Renew this long before expiry, so a token is never sent in its last minutes (clock skew, slow requests). */
const RENEW_BEFORE_MS = 5 * 60_000;
/** When a renewal fails, a token still valid this long is sent rather than failing the call. */
const STILL_USABLE_MS = 30_000;
/** Entra ID's fixed inactivity lifetime of a refresh token. */
const REFRESH_TOKEN_LIFETIME_DAYS = 90;
const WARN_DAYS_TO_EXPIRY = 14;
const DAY_MS = 86_400_000;
/** An expiry or MFA event is logged at most this often per instance, so an alert sees it without a flood. */
const EVENT_REPEAT_MS = 60 * 60_000;
/** A 900421 from Partner Center keeps the readiness MFA check failed this long. */
const MFA_REFUSAL_MEMORY_MS = 15 * 60_000;

/** Tag on the refresh-token secret: `confidential-client` (authorization code) or `public-client` (device code). */
export const issuedToTag = 'issued-to';
/** Tag on the refresh-token secret: the name of the secret holding the app credential it is redeemed with. */
export const appCredentialTag = 'app-credential';

/**
 * Operator events an alert rule may key on, with their levels. Their names are a contract: docs/credentials.md
 * lists them, and infra/app/alerts.bicep watches them (a test checks that it watches every error-level one).
 */
export const operatorEvents = {
  refreshTokenExpiring: { event: 'refresh-token-expiring', level: 'warn' },
  refreshTokenExpired: { event: 'refresh-token-expired', level: 'error' },
  appCredentialExpiring: { event: 'app-credential-expiring', level: 'warn' },
  appCredentialExpired: { event: 'app-credential-expired', level: 'error' },
  mfaRequired: { event: 'credentials-mfa-required', level: 'error' },
} as const;

export interface SecretNames {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly tenantId: string;
  readonly refreshToken: string;
}

export interface RefreshTokenSourceOptions {
  readonly secrets: CachedSecrets;
  readonly exchange: RefreshTokenExchange;
  readonly secretNames: SecretNames;
  readonly writeIntervalMs: number;
  readonly now: () => number;
  readonly log: OperatorLog;
}

interface CachedAccessToken {
  readonly token: string;
  readonly expiresAt: number;
}

/** What the last read of the app credential showed: its kind and when it expires, never its value. */
interface AppCredentialSeen {
  readonly secret: string;
  readonly kind: AppCredential['kind'];
  readonly expiresAt?: number;
}

/** How a stored refresh token is to be redeemed, from its tags; untagged tokens are the documented default. */
export function issuedToOf(secret: SecretAttributes): IssuedTo {
  return secret.tags?.[issuedToTag] === 'public-client' ? 'public-client' : 'confidential-client';
}

/** A certificate is recognised by Key Vault's PEM content type or by its PEM text. */
export function appCredentialOf(secret: StoredSecret): AppCredential {
  return secret.contentType === PEM_CONTENT_TYPE || secret.value.includes('-----BEGIN CERTIFICATE-----')
    ? { kind: 'certificate', pem: secret.value }
    : { kind: 'client-secret', secret: secret.value };
}

function settleWithin<T>(work: Promise<T>, ms: number, late: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => {
      resolve(late());
    }, ms);
  });
  return Promise.race([work, timeout]).finally(() => {
    clearTimeout(timer);
  });
}

const round = (days: number) => Math.round(days * 10) / 10;

export class RefreshTokenSource implements CredentialSource {
  readonly renewable = true;
  readonly mode = 'key-vault';
  private current: CachedAccessToken | undefined;
  private renewal: Promise<CachedAccessToken> | undefined;
  /** Real time (not the injected clock) the renewal in flight started: callers wait out the grace once. */
  private renewalStartedAt = 0;
  /** When Key Vault last received a refresh token, from this instance or any other (the secret's updatedOn). */
  private refreshTokenStoredAt: number | undefined;
  private refreshTokenIssuedTo: IssuedTo | undefined;
  private appCredentialSeen: AppCredentialSeen | undefined;
  private mfaRefusedAt: number | undefined;
  private readonly lastLogged = new Map<string, number>();

  constructor(private readonly options: RefreshTokenSourceOptions) {}

  readyAccessToken(): string | undefined {
    const current = this.current;
    return current && current.expiresAt - this.options.now() > RENEW_BEFORE_MS ? current.token : undefined;
  }

  async getAccessToken(): Promise<string> {
    const ready = this.readyAccessToken();
    if (ready !== undefined) return ready;
    const renewal = this.renew();
    const usable = this.usableToken();
    if (usable === undefined) return (await renewal).token;
    // The current token still serves: wait for its renewal only briefly, so a hung Entra ID or Key Vault costs
    // the first caller at most the grace and the others nothing.
    const wait = Math.max(0, this.renewalStartedAt + RENEWAL_GRACE_MS - Date.now());
    try {
      const renewed = await settleWithin<CachedAccessToken | undefined>(renewal, wait, () => undefined);
      return renewed?.token ?? usable;
    } catch {
      return this.usableToken() ?? usable;
    }
  }

  invalidate(token: string, reason?: 'mfa-required'): void {
    if (this.current?.token === token) this.current = undefined;
    if (reason === 'mfa-required') {
      this.mfaRefusedAt = this.options.now();
      this.logAtMostHourly(operatorEvents.mfaRequired, {
        code: '900421',
        action:
          'run the bootstrap again and sign in as the integration user with MFA: npm run bootstrap -- --vault <vault URL> (docs/credentials.md)',
      });
    }
  }

  async checkHealth(budgetMs: number): Promise<CredentialChecks> {
    const late = (what: string) => (): Check => ({
      status: 'fail',
      detail: `${what} did not answer within ${String(budgetMs / 1_000)} s.`,
    });
    const [keyVault, token] = await Promise.all([
      settleWithin(this.checkKeyVault(), budgetMs, late('Key Vault')),
      settleWithin(this.checkToken(), budgetMs, late('Getting a token (Key Vault, then Entra ID)')),
    ]);
    this.reportExpiry();
    return {
      keyVault,
      token,
      refreshToken: this.checkRefreshTokenAge(),
      appCredential: this.checkAppCredential(),
      mfa: this.checkMfa(),
    };
  }

  private usableToken(): string | undefined {
    const current = this.current;
    return current && current.expiresAt - this.options.now() > STILL_USABLE_MS ? current.token : undefined;
  }

  /**
   * One renewal at a time. Every Key Vault and Entra ID request in it has a time limit (limits.ts), so a stalled
   * service ends it within those limits and the next caller starts a fresh one.
   */
  private renew(): Promise<CachedAccessToken> {
    if (this.renewal === undefined) {
      this.renewalStartedAt = Date.now();
      const renewal = this.exchangeFromVault().finally(() => {
        this.renewal = undefined;
      });
      // A caller served the current token during the grace does not await this; its failure is already logged.
      renewal.catch(() => undefined);
      this.renewal = renewal;
    }
    return this.renewal;
  }

  private async exchangeFromVault(): Promise<CachedAccessToken> {
    const names = this.options.secretNames;
    const [tenantId, clientId, stored] = await Promise.all([
      this.read(names.tenantId),
      this.read(names.clientId),
      this.read(names.refreshToken),
    ]);
    let used = stored;
    let result;
    try {
      result = await this.redeem(tenantId.value, clientId.value, used);
    } catch (error) {
      if (!(error instanceof TokenExchangeError) || error.reason !== 'grant-rejected')
        throw this.failed(error);
      // Another instance, or a fresh bootstrap, may have stored a newer token since this one was cached.
      const fresh = await this.options.secrets.reload(names.refreshToken).catch(() => undefined);
      if (fresh === undefined || fresh.value === used.value) throw this.failed(error);
      used = fresh;
      try {
        result = await this.redeem(tenantId.value, clientId.value, used);
      } catch (retryError) {
        throw this.failed(retryError);
      }
    }
    this.current = { token: result.accessToken, expiresAt: result.expiresAt };
    if (result.refreshToken !== undefined && result.refreshToken !== used.value) {
      await this.writeBack(result.refreshToken, used);
    }
    this.reportExpiry();
    return this.current;
  }

  /** Redeems `stored` the way it was issued: a public-client token with no credential, so none is read. */
  private async redeem(tenantId: string, clientId: string, stored: StoredSecret) {
    this.noteStored(stored);
    const issuedTo = issuedToOf(stored);
    const app: AppCredentials =
      issuedTo === 'public-client'
        ? { tenantId, clientId }
        : { tenantId, clientId, credential: await this.readAppCredential(stored) };
    return this.options.exchange.redeem(app, stored.value, issuedTo);
  }

  private credentialSecretName(refreshToken: SecretAttributes): string {
    return refreshToken.tags?.[appCredentialTag] ?? this.options.secretNames.clientSecret;
  }

  private async readAppCredential(refreshToken: SecretAttributes): Promise<AppCredential> {
    const name = this.credentialSecretName(refreshToken);
    const secret = await this.read(name);
    const credential = appCredentialOf(secret);
    this.noteAppCredential(name, secret, credential);
    return credential;
  }

  private noteAppCredential(name: string, secret: StoredSecret, credential: AppCredential): void {
    const expiries = [secret.expiresOn?.getTime()];
    if (credential.kind === 'certificate') {
      try {
        expiries.push(parseCertificatePem(credential.pem).notAfter.getTime());
      } catch {
        // An unreadable certificate is reported by the exchange that tries to use it.
      }
    }
    const known = expiries.filter((at): at is number => at !== undefined);
    this.appCredentialSeen = {
      secret: name,
      kind: credential.kind,
      ...(known.length > 0 ? { expiresAt: Math.min(...known) } : {}),
    };
  }

  private async read(name: string): Promise<StoredSecret> {
    try {
      return await this.options.secrets.get(name);
    } catch (error) {
      throw this.failed(error);
    }
  }

  /**
   * Bounded rotation: a failed or skipped write is harmless, the token just used stays valid in Key Vault. The
   * new version keeps the tags of the one redeemed, so it is redeemed the same way.
   */
  private async writeBack(refreshToken: string, redeemed: StoredSecret): Promise<void> {
    const name = this.options.secretNames.refreshToken;
    const now = this.options.now();
    const storedAt = this.refreshTokenStoredAt;
    if (storedAt !== undefined && now - storedAt < this.options.writeIntervalMs) return;
    try {
      const written = await this.options.secrets.write(name, refreshToken, {
        ...(redeemed.contentType === undefined ? {} : { contentType: redeemed.contentType }),
        ...(redeemed.tags === undefined ? {} : { tags: redeemed.tags }),
      });
      this.refreshTokenStoredAt = Math.max(storedAt ?? 0, written.updatedOn?.getTime() ?? now);
      this.options.log.info('refresh-token-stored', { secret: name });
    } catch (error) {
      this.options.log.error('refresh-token-store-failed', {
        secret: name,
        reason: error instanceof SecretStoreError ? error.reason : 'unknown',
        action:
          'with infra/: set REFRESH_TOKEN_SECRET_EXISTS=true and provision again (it grants the refresh-token writer role on that secret); otherwise grant the facade identity write access to the refresh-token secret alone. Until then the stored refresh token ages towards its 90-day limit',
      });
    }
  }

  private noteStored(secret: StoredSecret): void {
    this.refreshTokenIssuedTo = issuedToOf(secret);
    const updatedOn = secret.updatedOn?.getTime();
    if (updatedOn === undefined) return;
    this.refreshTokenStoredAt = Math.max(this.refreshTokenStoredAt ?? 0, updatedOn);
  }

  /** Turns a failure into the caller's problem, and tells the operator when only they can fix it. */
  private failed(error: unknown): ProblemError {
    if (error instanceof ProblemError) return error;
    if (error instanceof SecretStoreError) {
      const problem = keyVaultFailure(error.reason, error.secretName);
      if (error.reason === 'not-found' || error.reason === 'forbidden') {
        this.options.log.error('credentials-unreadable', {
          secret: error.secretName,
          reason: error.reason,
          problem: problem.problem.kind,
        });
      }
      return problem;
    }
    if (error instanceof TokenExchangeError) {
      const problem = tokenExchangeFailure(error.reason, error.codes);
      const fields = { codes: error.codes.join(' '), problem: problem.problem.kind };
      if (error.reason === 'grant-rejected') {
        this.options.log.error('refresh-token-rejected', {
          ...fields,
          action: 'run the bootstrap again: npm run bootstrap -- --vault <vault URL> (docs/credentials.md)',
        });
      } else if (error.reason === 'client-rejected') {
        this.options.log.error('app-credentials-rejected', {
          ...fields,
          action:
            'store a valid client secret or certificate in Key Vault, or run the bootstrap again if the codes say the refresh token was issued to the other kind of client (docs/credentials.md)',
        });
      } else {
        this.options.log.warn('token-service-unavailable', fields);
      }
      return problem;
    }
    throw error;
  }

  private logAtMostHourly(
    { event, level }: (typeof operatorEvents)[keyof typeof operatorEvents],
    fields: LogFields,
  ): void {
    const now = this.options.now();
    const last = this.lastLogged.get(event);
    if (last !== undefined && now - last < EVENT_REPEAT_MS) return;
    this.lastLogged.set(event, now);
    this.options.log[level](event, fields);
  }

  /** The expiry events an alert rule keys on: from 14 days before (warn), and once past (error). */
  private reportExpiry(): void {
    const refreshToken = this.refreshTokenDays();
    if (refreshToken !== undefined && refreshToken.daysToExpiry < WARN_DAYS_TO_EXPIRY) {
      const expired = refreshToken.daysToExpiry <= 0;
      this.logAtMostHourly(
        expired ? operatorEvents.refreshTokenExpired : operatorEvents.refreshTokenExpiring,
        {
          secret: this.options.secretNames.refreshToken,
          ageDays: round(refreshToken.ageDays),
          daysToExpiry: round(refreshToken.daysToExpiry),
          action: expired
            ? 'run the bootstrap again (docs/credentials.md)'
            : 'check that the facade can write the rotated refresh token to Key Vault (refresh-token-store-failed events), or run the bootstrap again',
        },
      );
    }
    const app = this.appCredentialSeen;
    if (app?.expiresAt === undefined) return;
    const daysToExpiry = (app.expiresAt - this.options.now()) / DAY_MS;
    if (daysToExpiry >= WARN_DAYS_TO_EXPIRY) return;
    const expired = daysToExpiry <= 0;
    this.logAtMostHourly(
      expired ? operatorEvents.appCredentialExpired : operatorEvents.appCredentialExpiring,
      {
        secret: app.secret,
        kind: app.kind,
        expiresOn: new Date(app.expiresAt).toISOString(),
        daysToExpiry: round(daysToExpiry),
        action: `create a new ${app.kind === 'certificate' ? 'certificate' : 'client secret'} on the app registration and store it in Key Vault secret ${app.secret} (docs/credentials.md)`,
      },
    );
  }

  private async checkKeyVault(): Promise<CredentialChecks['keyVault']> {
    const names = this.options.secretNames;
    try {
      const [refreshToken] = await Promise.all(
        [names.refreshToken, names.tenantId, names.clientId].map((name) => this.options.secrets.get(name)),
      );
      if (refreshToken) {
        this.noteStored(refreshToken);
        if (issuedToOf(refreshToken) === 'confidential-client') {
          const name = this.credentialSecretName(refreshToken);
          const secret = await this.options.secrets.get(name);
          this.noteAppCredential(name, secret, appCredentialOf(secret));
        }
      }
    } catch (error) {
      const problem = this.failed(error);
      return { status: 'fail', detail: problem.problem.detail };
    }
    const { lastFailure, lastSuccessAt } = this.options.secrets.keyVaultContact;
    if (lastFailure !== undefined && lastFailure.at >= (lastSuccessAt ?? 0)) {
      return {
        status: 'warn',
        detail: `Key Vault could not be reached (${lastFailure.reason}); cached secrets are in use.`,
      };
    }
    return { status: 'pass', detail: 'The credential secrets are readable.' };
  }

  private async checkToken(): Promise<CredentialChecks['token']> {
    try {
      await this.getAccessToken();
    } catch (error) {
      if (error instanceof ProblemError) return { status: 'fail', detail: error.problem.detail };
      throw error;
    }
    const expiresAt = this.current?.expiresAt;
    return {
      status: 'pass',
      detail: 'A Partner Center access token is available.',
      ...(expiresAt === undefined
        ? {}
        : { expiresInSeconds: Math.max(0, Math.floor((expiresAt - this.options.now()) / 1_000)) }),
    };
  }

  private refreshTokenDays(): { storedAt: number; ageDays: number; daysToExpiry: number } | undefined {
    const storedAt = this.refreshTokenStoredAt;
    if (storedAt === undefined) return undefined;
    const ageDays = (this.options.now() - storedAt) / DAY_MS;
    return { storedAt, ageDays, daysToExpiry: REFRESH_TOKEN_LIFETIME_DAYS - ageDays };
  }

  private checkRefreshTokenAge(): CredentialChecks['refreshToken'] {
    const days = this.refreshTokenDays();
    const issuedTo = this.refreshTokenIssuedTo === undefined ? {} : { issuedTo: this.refreshTokenIssuedTo };
    if (days === undefined) {
      return {
        status: 'warn',
        detail: 'Key Vault did not say when the refresh token was stored.',
        ...issuedTo,
      };
    }
    const facts = {
      storedAt: new Date(days.storedAt).toISOString(),
      ageDays: round(days.ageDays),
      daysToExpiry: round(days.daysToExpiry),
      ...issuedTo,
    };
    if (days.daysToExpiry <= 0) {
      return { status: 'fail', detail: 'The stored refresh token is past its 90-day limit.', ...facts };
    }
    if (days.daysToExpiry < WARN_DAYS_TO_EXPIRY) {
      return {
        status: 'warn',
        detail:
          'The stored refresh token is close to its 90-day limit: check that write-back to Key Vault works.',
        ...facts,
      };
    }
    return {
      status: 'pass',
      detail: 'The stored refresh token is well within its 90-day limit.',
      ...facts,
    };
  }

  private checkAppCredential(): CredentialChecks['appCredential'] {
    if (this.refreshTokenIssuedTo === 'public-client') {
      return {
        status: 'skipped',
        detail: 'Not used: the stored refresh token was issued to a public client (device code).',
      };
    }
    const app = this.appCredentialSeen;
    if (app === undefined) return { status: 'skipped', detail: 'Not read yet: Key Vault did not answer.' };
    const what = app.kind === 'certificate' ? 'certificate' : 'client secret';
    if (app.expiresAt === undefined) {
      return {
        status: 'pass',
        kind: app.kind,
        detail: `The app's ${what} is in Key Vault secret ${app.secret}; Key Vault does not know when it expires (set the secret's expiry date to see it here).`,
      };
    }
    const daysToExpiry = (app.expiresAt - this.options.now()) / DAY_MS;
    const facts = {
      kind: app.kind,
      expiresOn: new Date(app.expiresAt).toISOString(),
      daysToExpiry: round(daysToExpiry),
    };
    if (daysToExpiry <= 0) {
      return {
        status: 'fail',
        detail: `The app's ${what} has expired: store a new one in Key Vault.`,
        ...facts,
      };
    }
    if (daysToExpiry < WARN_DAYS_TO_EXPIRY) {
      return {
        status: 'warn',
        detail: `The app's ${what} expires within ${String(WARN_DAYS_TO_EXPIRY)} days: create a new one and store it in Key Vault secret ${app.secret}.`,
        ...facts,
      };
    }
    return { status: 'pass', detail: `The app's ${what} is valid.`, ...facts };
  }

  private checkMfa(): CredentialChecks['mfa'] {
    const refusedAt = this.mfaRefusedAt;
    if (refusedAt !== undefined && this.options.now() - refusedAt < MFA_REFUSAL_MEMORY_MS) {
      return {
        status: 'fail',
        detail:
          'Partner Center refused the token for lacking MFA (900421): run the bootstrap again, signing in with MFA.',
        lastRefusedAt: new Date(refusedAt).toISOString(),
      };
    }
    return {
      status: 'skipped',
      detail:
        'Unknown: Partner Center has not refused a token for lacking MFA in the last 15 minutes; the facade does not probe for it.',
    };
  }
}
