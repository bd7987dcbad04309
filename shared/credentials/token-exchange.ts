/**
 * The refresh-token grant, as the token source needs it. The msal-node adapter implements it.
 */

/**
 * How the app proves who it is to Entra ID. A certificate is what Microsoft's Secure Application Model page
 * recommends; a client secret is simpler to set up. `pem` holds the private key and the certificate, the form
 * Key Vault gives a PEM certificate's secret.
 */
export type AppCredential =
  | { readonly kind: 'client-secret'; readonly secret: string }
  | { readonly kind: 'certificate'; readonly pem: string };

export interface AppCredentials {
  readonly tenantId: string;
  readonly clientId: string;
  /** Absent for a public-client redemption, which must present none. */
  readonly credential?: AppCredential;
}

/**
 * The kind of client a refresh token was issued to. Entra ID binds a refresh token to it: a public-client token
 * (device code) must be redeemed with no credential, a confidential-client token (authorization code with the app
 * credential) with one.
 */
export type IssuedTo = 'confidential-client' | 'public-client';

export interface ExchangeResult {
  readonly accessToken: string;
  /** Epoch milliseconds. */
  readonly expiresAt: number;
  /** The refresh token Entra ID returned with this access token, when it returned one. */
  readonly refreshToken?: string;
}

export interface RefreshTokenExchange {
  redeem(app: AppCredentials, refreshToken: string, issuedTo: IssuedTo): Promise<ExchangeResult>;
}

/**
 * `grant-rejected`: the refresh token is expired or revoked (invalid_grant, interaction_required);
 * `client-rejected`: the app's id or credential is wrong or expired, or the token was issued to the other kind of
 * client (invalid_client, unauthorized_client);
 * `unavailable`: the token endpoint could not be reached, failed, or did not answer in time.
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
