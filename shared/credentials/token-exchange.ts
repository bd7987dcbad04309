/**
 * The refresh-token grant, as the token source needs it. The msal-node adapter implements it.
 */
export interface AppCredentials {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface ExchangeResult {
  readonly accessToken: string;
  /** Epoch milliseconds. */
  readonly expiresAt: number;
  /** The refresh token Entra ID returned with this access token, when it returned one. */
  readonly refreshToken?: string;
}

export interface RefreshTokenExchange {
  redeem(app: AppCredentials, refreshToken: string): Promise<ExchangeResult>;
}

/**
 * `grant-rejected`: the refresh token is expired or revoked (invalid_grant, interaction_required);
 * `client-rejected`: the app's id or secret is wrong or expired (invalid_client, unauthorized_client);
 * `unavailable`: the token endpoint could not be reached or failed.
 */
export type ExchangeFailure = 'grant-rejected' | 'client-rejected' | 'unavailable';

/** Carries Entra ID's error codes (e.g. `invalid_grant`, `AADSTS700082`), never a token or a description. */
export class TokenExchangeError extends Error {
  constructor(
    readonly reason: ExchangeFailure,
    readonly codes: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(`The token exchange failed (${reason}${codes.length > 0 ? `: ${codes.join(', ')}` : ''})`, options);
    this.name = 'TokenExchangeError';
  }
}
