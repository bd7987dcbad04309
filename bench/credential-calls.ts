/**
 * Key Vault mode under load: the real SecretClient and msal-node against the local Key Vault and Entra ID fakes
 * that the credentials tests use (test/support), with 1,000 close-won calls at the benchmark's concurrency. Counts
 * the token exchanges and Key Vault reads they cost, and checks that no secret or token reached a log line (the
 * functions' call log, the operator log, the console). Runs in this process: the fakes count calls in memory.
 */
import { installLeakGuard } from '../test/support/leak-guard';
import { startKeyVaultStack } from '../test/support/key-vault-stack';
import { makeLoopbackCertificate } from '../test/support/tls';
import { benchReferrals } from './fixtures';
import { runLoad } from './load';

export interface CredentialCalls {
  readonly facadeRequests: number;
  readonly unexpectedAnswers: number;
  /** Refresh-token redemptions at Entra ID (each gives an access token and a rotated refresh token). */
  readonly tokenExchanges: number;
  /** Secret reads at Key Vault, by secret name. */
  readonly keyVaultReads: Readonly<Record<string, number>>;
  /** Secret writes at Key Vault (the rotated refresh token written back). */
  readonly keyVaultWrites: number;
  /** How long one exchanged access token is served from the cache before it is renewed, in seconds. */
  readonly accessTokenLifetimeSeconds: number;
  /** Secrets and tokens found in log lines: must be 0. */
  readonly leakedValues: number;
}

export async function countCredentialCalls(connections: number, requests = 1_000): Promise<CredentialCalls> {
  const certificate = makeLoopbackCertificate();
  const guard = installLeakGuard();
  const stack = await startKeyVaultStack({
    certificate,
    guard,
    simulator: { referrals: benchReferrals() },
  });
  try {
    const secretsBefore = [stack.entra.clientSecret, ...stack.entra.issued];
    const result = await runLoad({
      path: 'facade',
      url: stack.host.url,
      scenario: 'close-won',
      accessToken: '',
      connections,
      amount: requests,
    });
    const keyVaultReads: Record<string, number> = {};
    for (const call of stack.vault.calls.filter((call) => call.method === 'GET'))
      keyVaultReads[call.name] = (keyVaultReads[call.name] ?? 0) + 1;
    return {
      facadeRequests: result.requests,
      unexpectedAnswers: result.unexpected,
      tokenExchanges: stack.entra.calls.filter((call) => call.grantType === 'refresh_token').length,
      keyVaultReads,
      keyVaultWrites: stack.vault.calls.filter((call) => call.method !== 'GET').length,
      accessTokenLifetimeSeconds: stack.entra.accessTokenLifetimeSeconds,
      leakedValues: guard.leaked([...secretsBefore, ...stack.entra.issued]).length,
    };
  } finally {
    await stack.close();
    guard.restore();
  }
}
