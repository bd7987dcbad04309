/**
 * Partner Center App+User tokens for unattended use (Secure Application Model): the app's credentials and the
 * integration user's refresh token live in Key Vault; access tokens are minted from them, cached, renewed before
 * they expire, and every caller waiting for a renewal shares the one exchange. Entra ID hands back a new refresh
 * token on each exchange; it is written back to Key Vault at most once per interval so the stored chain never
 * reaches its 90-day inactivity limit while the facade is in use.
 */
import { keyVaultFailure, tokenExchangeFailure } from '../failures/failure-map';
import { ProblemError } from '../failures/problem';
import type { CachedSecrets } from './cached-secrets';
import type { CredentialChecks } from './health';
import type { CredentialSource } from './index';
import type { OperatorLog } from './operator-log';
import { SecretStoreError, type StoredSecret } from './secret-store';
import { TokenExchangeError, type AppCredentials, type RefreshTokenExchange } from './token-exchange';

/** Renew this long before expiry, so a token is never sent in its last minutes (clock skew, slow requests). */
const RENEW_BEFORE_MS = 5 * 60_000;
/** When a renewal fails, a token still valid this long is sent rather than failing the call. */
const STILL_USABLE_MS = 30_000;
/** Entra ID's fixed inactivity lifetime of a refresh token. */
const REFRESH_TOKEN_LIFETIME_DAYS = 90;
const WARN_DAYS_TO_EXPIRY = 14;
const DAY_MS = 86_400_000;

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

export class RefreshTokenSource implements CredentialSource {
  readonly renewable = true;
  readonly mode = 'key-vault';
  private current: CachedAccessToken | undefined;
  private renewal: Promise<CachedAccessToken> | undefined;
  /** When Key Vault last received a refresh token, from this instance or any other (the secret's updatedOn). */
  private refreshTokenStoredAt: number | undefined;

  constructor(private readonly options: RefreshTokenSourceOptions) {}

  readyAccessToken(): string | undefined {
    const current = this.current;
    return current && current.expiresAt - this.options.now() > RENEW_BEFORE_MS ? current.token : undefined;
  }

  async getAccessToken(): Promise<string> {
    const ready = this.readyAccessToken();
    if (ready !== undefined) return ready;
    try {
      return (await this.renew()).token;
    } catch (error) {
      const still = this.current;
      if (still && still.expiresAt - this.options.now() > STILL_USABLE_MS) return still.token;
      throw error;
    }
  }

  invalidate(token: string): void {
    if (this.current?.token === token) this.current = undefined;
  }

  async checkHealth(): Promise<CredentialChecks> {
    const keyVault = await this.checkKeyVault();
    const token = await this.checkToken();
    return { keyVault, token, refreshToken: this.checkRefreshTokenAge() };
  }

  private renew(): Promise<CachedAccessToken> {
    this.renewal ??= this.exchangeFromVault().finally(() => {
      this.renewal = undefined;
    });
    return this.renewal;
  }

  private async exchangeFromVault(): Promise<CachedAccessToken> {
    const names = this.options.secretNames;
    const [app, stored] = await Promise.all([this.readApp(), this.read(names.refreshToken)]);
    this.noteStored(stored);
    let used = stored.value;
    let result;
    try {
      result = await this.options.exchange.redeem(app, used);
    } catch (error) {
      if (!(error instanceof TokenExchangeError) || error.reason !== 'grant-rejected')
        throw this.failed(error);
      // Another instance, or a fresh bootstrap, may have stored a newer token since this one was cached.
      const fresh = await this.options.secrets.reload(names.refreshToken).catch(() => undefined);
      if (fresh === undefined || fresh.value === used) throw this.failed(error);
      this.noteStored(fresh);
      used = fresh.value;
      try {
        result = await this.options.exchange.redeem(app, used);
      } catch (retryError) {
        throw this.failed(retryError);
      }
    }
    this.current = { token: result.accessToken, expiresAt: result.expiresAt };
    if (result.refreshToken !== undefined && result.refreshToken !== used) {
      await this.writeBack(result.refreshToken);
    }
    return this.current;
  }

  private async readApp(): Promise<AppCredentials> {
    const names = this.options.secretNames;
    const [tenantId, clientId, clientSecret] = await Promise.all([
      this.read(names.tenantId),
      this.read(names.clientId),
      this.read(names.clientSecret),
    ]);
    return { tenantId: tenantId.value, clientId: clientId.value, clientSecret: clientSecret.value };
  }

  private async read(name: string): Promise<StoredSecret> {
    try {
      return await this.options.secrets.get(name);
    } catch (error) {
      throw this.failed(error);
    }
  }

  /** Bounded rotation: a failed or skipped write is harmless, the token just used stays valid in Key Vault. */
  private async writeBack(refreshToken: string): Promise<void> {
    const name = this.options.secretNames.refreshToken;
    const now = this.options.now();
    const storedAt = this.refreshTokenStoredAt;
    if (storedAt !== undefined && now - storedAt < this.options.writeIntervalMs) return;
    try {
      const written = await this.options.secrets.write(name, refreshToken);
      this.refreshTokenStoredAt = Math.max(storedAt ?? 0, written.updatedOn?.getTime() ?? now);
      this.options.log.info('refresh-token-stored', { secret: name });
    } catch (error) {
      this.options.log.error('refresh-token-store-failed', {
        secret: name,
        reason: error instanceof SecretStoreError ? error.reason : 'unknown',
        action:
          'grant the facade identity Key Vault Secrets Officer on the refresh-token secret (infra/: REFRESH_TOKEN_SECRET_EXISTS=true, then provision again); until then the stored refresh token ages towards its 90-day limit',
      });
    }
  }

  private noteStored(secret: StoredSecret): void {
    const updatedOn = secret.updatedOn?.getTime();
    if (updatedOn === undefined) return;
    this.refreshTokenStoredAt = Math.max(this.refreshTokenStoredAt ?? 0, updatedOn);
  }

  /** Turns a failure into the caller's problem, and tells the operator when only they can fix it. */
  private failed(error: unknown): ProblemError {
    if (error instanceof ProblemError) return error;
    if (error instanceof SecretStoreError) {
      const problem = keyVaultFailure(error.reason, error.secretName);
      if (error.reason !== 'unavailable') {
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
          action: 'store a valid client id and client secret in Key Vault (docs/credentials.md)',
        });
      } else {
        this.options.log.warn('token-service-unavailable', fields);
      }
      return problem;
    }
    throw error;
  }

  private async checkKeyVault(): Promise<CredentialChecks['keyVault']> {
    const names = this.options.secretNames;
    try {
      const [refreshToken] = await Promise.all(
        [names.refreshToken, names.tenantId, names.clientId, names.clientSecret].map((name) =>
          this.options.secrets.get(name),
        ),
      );
      if (refreshToken) this.noteStored(refreshToken);
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
    return { status: 'pass', detail: 'The four credential secrets are readable.' };
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

  private checkRefreshTokenAge(): CredentialChecks['refreshToken'] {
    const storedAt = this.refreshTokenStoredAt;
    if (storedAt === undefined) {
      return { status: 'warn', detail: 'Key Vault did not say when the refresh token was stored.' };
    }
    const ageDays = (this.options.now() - storedAt) / DAY_MS;
    const daysToExpiry = REFRESH_TOKEN_LIFETIME_DAYS - ageDays;
    const round = (days: number) => Math.round(days * 10) / 10;
    const facts = {
      storedAt: new Date(storedAt).toISOString(),
      ageDays: round(ageDays),
      daysToExpiry: round(daysToExpiry),
    };
    if (daysToExpiry <= 0) {
      return { status: 'fail', detail: 'The stored refresh token is past its 90-day limit.', ...facts };
    }
    if (daysToExpiry < WARN_DAYS_TO_EXPIRY) {
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
}
