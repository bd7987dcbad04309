/**
 * Where the facade's Partner Center access tokens come from. The relay asks only this interface, so the Key
 * Vault + refresh-token source plugs in without touching it.
 */
export interface AccessTokenSource {
  /** A bearer token valid for `https://api.partner.microsoft.com`. */
  getAccessToken(signal?: AbortSignal): Promise<string>;
  /** Called when the upstream refused `token` (401), so a renewable source fetches a new one next time. */
  invalidate(token: string): void;
  /** Whether retrying after `invalidate` can help; false for a fixed token. */
  readonly renewable: boolean;
}

/** A fixed token from configuration, for local use and the simulator. */
export class StaticTokenSource implements AccessTokenSource {
  readonly renewable = false;
  constructor(private readonly token: string) {}

  getAccessToken(): Promise<string> {
    return Promise.resolve(this.token);
  }

  invalidate(): void {
    // A configured token cannot be renewed; the operator replaces it.
  }
}
