/**
 * Where the facade's Partner Center access tokens come from. The relay asks only `AccessTokenSource`, so the
 * Key Vault + refresh-token source plugs in without touching it.
 */
import type { CredentialChecks, CredentialMode } from './health';

export interface AccessTokenSource {
  /** A bearer token valid for `https://api.partner.microsoft.com`. */
  getAccessToken(): Promise<string>;
  /**
   * The token `getAccessToken` would give at once, without any I/O, or undefined when it would have to fetch one.
   * Lets the relay skip the fetch deadline (a timer and a race) on nearly every call.
   */
  readyAccessToken(): string | undefined;
  /**
   * Called when the upstream refused `token` (401), so a renewable source fetches a new one next time.
   * `mfa-required`: Partner Center said the token lacks an MFA claim (error code 900421).
   */
  invalidate(token: string, reason?: 'mfa-required'): void;
  /** Whether retrying after `invalidate` can help; false for a fixed token. */
  readonly renewable: boolean;
}

/** A token source that can also report its state to the readiness view. */
export interface CredentialSource extends AccessTokenSource {
  readonly mode: CredentialMode;
  /** Answers within `budgetMs`: a check still running then is reported as failed. */
  checkHealth(budgetMs: number): Promise<CredentialChecks>;
}

/** A fixed token from configuration, for local use and the simulator. */
export class StaticTokenSource implements CredentialSource {
  readonly renewable = false;
  readonly mode = 'static-token';
  constructor(
    private readonly token: string,
    /** What readiness says about the token: where it came from matters to whoever reads the report. */
    private readonly description = 'A fixed access token is configured (PARTNER_CENTER_ACCESS_TOKEN); it is not renewed.',
  ) {}

  getAccessToken(): Promise<string> {
    return Promise.resolve(this.token);
  }

  readyAccessToken(): string {
    return this.token;
  }

  invalidate(): void {
    // A configured token cannot be renewed; the operator replaces it.
  }

  checkHealth(): Promise<CredentialChecks> {
    const skipped = {
      status: 'skipped',
      detail: 'Not used: the facade sends a fixed access token.',
    } as const;
    return Promise.resolve({
      keyVault: skipped,
      token: {
        status: 'pass',
        detail: this.description,
      },
      refreshToken: skipped,
      appCredential: skipped,
      mfa: skipped,
    });
  }
}
