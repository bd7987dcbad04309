/**
 * The problems a caller sees when the facade cannot get a Partner Center token. All are 503s: the request was
 * fine, the facade's credentials are not, and an operator (or time) fixes them. Details name secrets and
 * Entra ID error codes, never values.
 */
import { ProblemError, type UpstreamErrorInfo } from '../http/problem';
import type { SecretStoreError } from './secret-store';
import type { TokenExchangeError } from './token-exchange';

const bootstrapHint =
  'run the bootstrap again (npm run bootstrap -- --vault <vault URL>; see docs/credentials.md)';

export function keyVaultProblem(error: SecretStoreError): ProblemError {
  switch (error.reason) {
    case 'not-found':
      return new ProblemError({
        status: 503,
        kind: 'credentials-missing',
        title: 'Partner Center credentials are not set up',
        detail: `Key Vault has no secret named ${error.secretName}. An operator must ${bootstrapHint}.`,
        retryAfterSeconds: 300,
      });
    case 'forbidden':
      return new ProblemError({
        status: 503,
        kind: 'credentials-forbidden',
        title: 'The facade may not read its credentials',
        detail: `Key Vault refused the facade's identity access to ${error.secretName}. An operator must grant the identity Key Vault Secrets User on the vault (and Secrets Officer on the refresh-token secret only, for rotation; infra/ does both).`,
        retryAfterSeconds: 300,
      });
    case 'unavailable':
    case 'timeout':
      return new ProblemError({
        status: 503,
        kind: 'credentials-unavailable',
        title: 'Partner Center credentials are unavailable',
        detail: `Key Vault ${error.reason === 'timeout' ? 'did not answer in time' : 'could not be reached'} and no credentials are cached yet. Try again shortly; if it persists, an operator should check the vault and the network path to it.`,
        retryAfterSeconds: 30,
      });
  }
}

/** The two refusals that mean the refresh token was redeemed as the wrong kind of client (Entra ID's codes). */
function clientRejectedFix(codes: readonly string[]): string {
  if (codes.includes('AADSTS700025')) {
    return `The stored refresh token was issued to a public client (device code) but was redeemed with the app credential: its issued-to tag in Key Vault is wrong. An operator must ${bootstrapHint}.`;
  }
  if (codes.includes('AADSTS7000218')) {
    return `The stored refresh token was issued to a confidential client but was redeemed without the app credential: its issued-to tag in Key Vault is wrong, or the app does not allow public client flows. An operator must ${bootstrapHint}.`;
  }
  return 'An operator must store a valid client secret or certificate in Key Vault (see docs/credentials.md).';
}

export function exchangeProblem(error: TokenExchangeError): ProblemError {
  const codes = error.codes.length > 0 ? ` (${error.codes.join(', ')})` : '';
  switch (error.reason) {
    case 'grant-rejected':
      return new ProblemError({
        status: 503,
        kind: 'credentials-expired',
        title: "The integration user's sign-in has expired",
        detail: `Entra ID refused the stored refresh token${codes}: it has expired or been revoked. An operator must ${bootstrapHint}.`,
        retryAfterSeconds: 300,
      });
    case 'client-rejected':
      return new ProblemError({
        status: 503,
        kind: 'credentials-rejected',
        title: "Entra ID refused the facade's app credentials",
        detail: `Entra ID refused the app's client id or credential${codes}. ${clientRejectedFix(error.codes)}`,
        retryAfterSeconds: 300,
      });
    case 'unavailable':
      return new ProblemError({
        status: 503,
        kind: 'token-service-unavailable',
        title: 'Entra ID is unavailable',
        detail: `The facade could not get a Partner Center token from Entra ID${codes}. Try again shortly.`,
        retryAfterSeconds: 30,
      });
  }
}

/** Key Vault or Entra ID did not answer within what was left of the caller's time. */
export function tokenTimeoutProblem(): ProblemError {
  return new ProblemError({
    status: 503,
    kind: 'token-service-unavailable',
    title: 'Entra ID is unavailable',
    detail:
      'The facade could not get a Partner Center token in time (Key Vault or Entra ID is slow to answer); nothing was sent to Partner Center. Try again shortly.',
    retryAfterSeconds: 30,
  });
}

/**
 * Partner Center refused the token because the integration user's sign-in had no MFA (401, code 900421). Tokens
 * minted from a refresh token carry the methods of the original sign-in, so only a new sign-in with MFA helps.
 */
export function mfaRequiredProblem(upstream: UpstreamErrorInfo): ProblemError {
  return new ProblemError({
    status: 503,
    kind: 'credentials-mfa-required',
    title: "The integration user's sign-in lacks MFA",
    detail: `Partner Center refused the facade's token because the integration user did not sign in with multifactor authentication (error code 900421). An operator must ${bootstrapHint}, signing in as the integration user with MFA.`,
    upstream,
    retryAfterSeconds: 300,
  });
}
