/**
 * The failure map: every failure the facade meets (bad input, credentials, Partner Center's answers, the retry
 * layer giving up, webhooks, the search) becomes its problem here and nowhere else. The facts of each kind live
 * in `problemTypes`; this module writes the detail that says what happened and what to do. It imports nothing
 * of the project but its own folder: every layer reports failures in the vocabulary declared here.
 */
import { type FieldError, ProblemError, type UpstreamErrorInfo } from './problem';
import { isMfaRequired, MFA_REQUIRED_CODE, parseUpstreamError } from './upstream-text';

/** What an upstream answer carries that a problem needs; the upstream client's replies fit it. */
export interface UpstreamAnswer {
  readonly status: number;
  readonly body: string;
}

/**
 * Why an attempt got no usable answer. `connect`: no connection was made, so the request never left.
 * `timeout` and `connection` (reset, closed or truncated mid-exchange): whether the upstream acted is unknown.
 */
export type UnreachableReason = 'connect' | 'timeout' | 'connection';

export type GiveUpReason =
  /** The attempt limit was reached on a retryable failure. */
  | 'attempts-spent'
  /** The next wait would end after the call's deadline. */
  | 'deadline-spent'
  /** An ambiguous failure on a request that must not be sent twice. */
  | 'not-replay-safe'
  /** A transport failure that no strategy retries. */
  | 'not-retryable';

/** The retry layer stopped without a final answer. */
export interface UpstreamGaveUp {
  readonly reason: GiveUpReason;
  readonly reply?: UpstreamAnswer;
  readonly unreachable?: UnreachableReason;
  /** How long the caller should wait before trying again, when known. */
  readonly retryAfterMs?: number;
  /** An attempt of this write failed ambiguously, so it may already have been applied. */
  readonly mayHaveApplied: boolean;
}

/** How one upstream request ended, as the retry layer reports it. */
export type UpstreamOutcome =
  | {
      readonly outcome: 'answered';
      readonly reply: UpstreamAnswer;
      readonly mayHaveApplied: boolean;
      readonly retryAfterMs?: number;
    }
  | ({ readonly outcome: 'gave-up' } & UpstreamGaveUp)
  | { readonly outcome: 'no-token'; readonly problem: ProblemError };

/** What the caller asked Partner Center for, so a problem names it rightly. */
export type UpstreamSubject =
  | { readonly kind: 'update'; readonly referralId: string }
  | { readonly kind: 'read'; readonly referralId: string }
  | { readonly kind: 'search' }
  | { readonly kind: 'create' };

const BOOTSTRAP_HINT =
  'run the bootstrap again (npm run bootstrap -- --vault <vault URL>; see docs/credentials.md)';

const seconds = (ms: number | undefined): number | undefined =>
  ms === undefined ? undefined : Math.max(1, Math.ceil(ms / 1000));

const upstreamInfo = (answer: UpstreamAnswer): UpstreamErrorInfo => ({
  status: answer.status,
  ...parseUpstreamError(answer.body),
});

/** How a detail names what did not happen. */
const request = (subject: UpstreamSubject): string =>
  subject.kind === 'update' ? 'update' : subject.kind === 'create' ? 'create' : 'request';

// ---- the caller's request -------------------------------------------------------------------------------

export const invalidRequest = (detail: string, errors: readonly FieldError[] = []): ProblemError =>
  new ProblemError('invalid-request', { detail, errors });

export const payloadTooLarge = (maxBytes: number): ProblemError =>
  new ProblemError('payload-too-large', {
    detail: `The body is larger than ${String(maxBytes / 1024)} KiB, the most this facade accepts.`,
  });

export const unsupportedMediaType = (given: string | undefined, detail?: string): ProblemError =>
  new ProblemError('unsupported-media-type', {
    detail:
      detail ??
      `The body must be JSON: send it with "Content-Type: application/json"${given ? ` (got "${given}")` : ''}.`,
  });

export const uriTooLong = (maxLength: number): ProblemError =>
  new ProblemError('uri-too-long', {
    detail: `The request target (path and query) is longer than ${String(maxLength)} characters, the most this facade reads.`,
  });

export const headersTooLarge = (maxBytes: number): ProblemError =>
  new ProblemError('headers-too-large', {
    detail: `The request line and headers are larger than ${String(maxBytes / 1024)} KiB, the most this facade reads.`,
  });

/** node:http could not parse the request at all (not HTTP/1.1, a malformed header, a bad chunk). */
export const unreadableRequest = (): ProblemError =>
  new ProblemError('invalid-request', {
    detail: 'The request is not well-formed HTTP/1.1 and could not be read; nothing was done.',
  });

/** The body stopped before its end (the caller went away, or the stream broke). */
export const brokenUpload = (): ProblemError =>
  new ProblemError('invalid-request', {
    detail: 'The body broke off before its end, so the request was not read; nothing was done.',
  });

export const routeNotFound = (path: string): ProblemError =>
  new ProblemError('route-not-found', {
    detail: `There is no endpoint at ${path}. The README lists the endpoints.`,
  });

export const methodNotAllowed = (path: string, method: string, allowed: readonly string[]): ProblemError =>
  new ProblemError('method-not-allowed', {
    detail: `${path} does not take ${method}; it takes ${allowed.join(', ')}.`,
    headers: { Allow: allowed.join(', ') },
  });

// ---- the facade itself ----------------------------------------------------------------------------------

export const misconfigured = (problems: readonly string[]): ProblemError =>
  new ProblemError('misconfigured', {
    detail: `An operator must fix the facade's settings: ${problems.join('; ')}.`,
  });

export const internalError = (correlationId: string): ProblemError =>
  new ProblemError('internal-error', {
    detail: `The facade failed unexpectedly; the update may not have been applied. Quote correlation id ${correlationId} when reporting it.`,
  });

// ---- credentials ----------------------------------------------------------------------------------------

export type KeyVaultFailure = 'not-found' | 'forbidden' | 'unavailable' | 'timeout';
export type TokenExchangeFailure = 'grant-rejected' | 'client-rejected' | 'unavailable';

export function keyVaultFailure(reason: KeyVaultFailure, secretName: string): ProblemError {
  switch (reason) {
    case 'not-found':
      return new ProblemError('credentials-missing', {
        detail: `Key Vault has no secret named ${secretName}. An operator must ${BOOTSTRAP_HINT}.`,
      });
    case 'forbidden':
      return new ProblemError('credentials-forbidden', {
        detail: `Key Vault refused the facade's identity access to ${secretName}. An operator must grant the identity Key Vault Secrets User on the vault (and write access to the refresh-token secret alone, for rotation; infra/ grants both).`,
      });
    case 'unavailable':
    case 'timeout':
      return new ProblemError('credentials-unavailable', {
        detail: `Key Vault ${reason === 'timeout' ? 'did not answer in time' : 'could not be reached'} and no credentials are cached yet. Try again shortly; if it persists, an operator should check the vault and the network path to it.`,
      });
  }
}

/** The two refusals that mean the refresh token was redeemed as the wrong kind of client (Entra ID's codes). */
function clientRejectedFix(codes: readonly string[]): string {
  if (codes.includes('AADSTS700025')) {
    return `The stored refresh token was issued to a public client (device code) but was redeemed with the app credential: its issued-to tag in Key Vault is wrong. An operator must ${BOOTSTRAP_HINT}.`;
  }
  if (codes.includes('AADSTS7000218')) {
    return `The stored refresh token was issued to a confidential client but was redeemed without the app credential: its issued-to tag in Key Vault is wrong, or the app does not allow public client flows. An operator must ${BOOTSTRAP_HINT}.`;
  }
  return 'An operator must store a valid client secret or certificate in Key Vault (see docs/credentials.md).';
}

/** `codes` are Entra ID's error codes (never a token or a description). */
export function tokenExchangeFailure(reason: TokenExchangeFailure, codes: readonly string[]): ProblemError {
  const listed = codes.length > 0 ? ` (${codes.join(', ')})` : '';
  switch (reason) {
    case 'grant-rejected':
      return new ProblemError('credentials-expired', {
        detail: `Entra ID refused the stored refresh token${listed}: it has expired or been revoked. An operator must ${BOOTSTRAP_HINT}.`,
      });
    case 'client-rejected':
      return new ProblemError('credentials-rejected', {
        detail: `Entra ID refused the app's client id or credential${listed}. ${clientRejectedFix(codes)}`,
      });
    case 'unavailable':
      return new ProblemError('token-service-unavailable', {
        detail: `The facade could not get a Partner Center token from Entra ID${listed}. Try again shortly.`,
      });
  }
}

/** Key Vault or Entra ID did not answer within what was left of the caller's time. */
export const tokenTimeout = (): ProblemError =>
  new ProblemError('token-service-unavailable', {
    detail:
      'The facade could not get a Partner Center token in time (Key Vault or Entra ID is slow to answer); nothing was sent to Partner Center. Try again shortly.',
  });

// ---- Partner Center's answers ---------------------------------------------------------------------------

/**
 * Partner Center's 4xx that mean the same to the caller as to the facade, and are relayed with their own status.
 * 401 is about the facade's own token, and the rest (405, 407, 410, …) would mean something else to the caller.
 */
function relayedRefusal(
  answer: UpstreamAnswer,
  subject: UpstreamSubject,
  retryAfter: number | undefined,
  mayHaveApplied: boolean,
): ProblemError | undefined {
  const upstream = upstreamInfo(answer);
  const facts = { upstream, ...(retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter }) };
  const referralId = subject.kind === 'search' || subject.kind === 'create' ? undefined : subject.referralId;
  switch (answer.status) {
    case 400:
    case 422:
      return new ProblemError('upstream-rejected', {
        ...facts,
        status: answer.status,
        detail: 'Partner Center refused the request as invalid; see upstream.message for its reason.',
      });
    case 403:
      return new ProblemError('upstream-forbidden', {
        ...facts,
        detail:
          'The Partner Center user the facade acts as may not do this: it needs the Referrals Admin role, or Referrals User on a referral whose team includes it.',
      });
    case 404:
      return referralId === undefined
        ? new ProblemError('upstream-not-found', {
            ...facts,
            detail: `Partner Center answered 404 to the referral ${subject.kind === 'create' ? 'create (POST' : 'search (GET'} /v1.0/engagements/referrals), so its referral list is not where the facade looked. An operator should check PARTNER_CENTER_BASE_URL; report the correlation id if it is right.`,
          })
        : new ProblemError('referral-not-found', {
            ...facts,
            detail: `Partner Center has no referral with id ${referralId} that the facade's user can see.`,
          });
    case 409:
      return new ProblemError('upstream-conflict', {
        ...facts,
        detail: 'The update conflicts with the referral’s current state; read it again and decide.',
      });
    case 412:
      return new ProblemError('etag-mismatch', {
        ...facts,
        detail: `The referral changed since the ETag you sent in If-Match was read. GET /api/referrals/${referralId ?? '{id}'} for a fresh ETag and send the update again with it.${
          // The 412 may be the facade's own doing: an earlier attempt of the same write got no answer.
          mayHaveApplied
            ? ' An earlier attempt of this update got no answer and may have been applied, which would also change the ETag: read the referral to check before sending it again.'
            : ''
        }`,
      });
    case 429:
      return new ProblemError('upstream-throttled', {
        ...facts,
        detail: `Partner Center asked for fewer requests. Wait for Retry-After seconds and send the ${request(subject)} again.`,
      });
    default:
      return undefined;
  }
}

interface RefusalContext {
  /** Retry-After of the answer, as the retry layer read it. */
  readonly retryAfterMs?: number;
  /** An earlier attempt of this write got no answer, so it may have been applied. */
  readonly mayHaveApplied?: boolean;
}

/**
 * Partner Center answered, and the answer is not the success the facade relays (200, 201, 204): a refusal, a
 * 202 that applied nothing yet, or a status the caller must not see as it is.
 */
function upstreamRefusal(
  answer: UpstreamAnswer,
  subject: UpstreamSubject,
  context: RefusalContext = {},
): ProblemError {
  const retryAfter = seconds(context.retryAfterMs);
  const upstream = upstreamInfo(answer);
  if (answer.status === 202 && subject.kind === 'update') {
    return new ProblemError('outcome-unknown', {
      upstream,
      detail:
        'Partner Center answered 202 Accepted: it took the request for later processing without saying it was applied. Read the referral to see whether it was, before sending it again.',
    });
  }
  if (isMfaRequired(answer.status, answer.body)) {
    // Tokens minted from a refresh token carry the methods of the original sign-in: only a new one with MFA helps.
    return new ProblemError('credentials-mfa-required', {
      upstream,
      detail: `Partner Center refused the facade's token because the integration user did not sign in with multifactor authentication (error code ${MFA_REQUIRED_CODE}). An operator must ${BOOTSTRAP_HINT}, signing in as the integration user with MFA.`,
    });
  }
  if (answer.status === 401) {
    return new ProblemError('upstream-unauthorized', {
      upstream,
      detail:
        "Partner Center did not accept the facade's access token (expired, revoked, or not an App+User token), even after renewing it. Your request was not at fault: an operator must renew the facade's Partner Center credentials.",
    });
  }
  const mayHaveApplied = context.mayHaveApplied === true && subject.kind === 'update';
  if (mayHaveApplied && answer.status >= 400 && answer.status < 500 && answer.status !== 412) {
    // An earlier attempt got no answer and may have landed, so this refusal of the resend (a repeated transition,
    // say) cannot tell the caller that nothing was applied.
    return new ProblemError('outcome-unknown', {
      upstream,
      detail: `An earlier attempt of this update got no answer and may have been applied; Partner Center then refused the resend with ${String(answer.status)}. Read the referral to see whether the update is there before sending it again.`,
    });
  }
  const relayed = relayedRefusal(answer, subject, retryAfter, mayHaveApplied);
  if (relayed) return relayed;
  return unrelayedAnswer(answer, subject, upstream, retryAfter);
}

/** A 5xx that was not retried, a 2xx the contract does not promise, or a status that would mislead if relayed. */
function unrelayedAnswer(
  answer: UpstreamAnswer,
  subject: UpstreamSubject,
  upstream: UpstreamErrorInfo,
  retryAfter: number | undefined,
): ProblemError {
  if (answer.status === 503) {
    return new ProblemError('upstream-unavailable', {
      upstream,
      detail: `Partner Center is temporarily unavailable; the ${request(subject)} was not applied. Send it again later.`,
      ...(retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter }),
    });
  }
  if (answer.status === 504) return gatewayTimeout(upstream);
  if (answer.status >= 200 && answer.status < 300) {
    return new ProblemError('upstream-invalid-response', {
      upstream,
      detail: `Partner Center answered ${String(answer.status)}, a success the facade does not expect here, so whether the ${request(subject)} was applied is not clear. Read the referral before sending it again.`,
    });
  }
  // Retryable 5xx are retried and end as 503/504; what reaches this point (501, 505) will not heal by itself.
  // A redirect, 405, 407 or another 4xx would say something false about the caller's own request if relayed.
  return new ProblemError('upstream-error', {
    upstream,
    detail: `Partner Center answered ${String(answer.status)}, which the facade does not relay (it would mean something else to you) and which sending again does not fix; the ${request(subject)} was not applied. Report it with the correlation id.`,
  });
}

function gatewayTimeout(upstream?: UpstreamErrorInfo): ProblemError {
  return new ProblemError('upstream-timeout', {
    detail:
      'Partner Center did not answer in time, so whether the update was applied is unknown. Read the referral, or send the update again: the simplified operations are safe to repeat.',
    ...(upstream ? { upstream } : {}),
  });
}

function unreachable(reason: UnreachableReason): ProblemError {
  if (reason === 'timeout') return gatewayTimeout();
  return new ProblemError('upstream-unreachable', {
    detail:
      'The facade could not complete its call to Partner Center, so the update may not have been applied. Read the referral, or send the update again later.',
  });
}

/**
 * The retry layer stopped without a final answer. Budget spent: 504 when the last attempt timed out, else 503,
 * both with a Retry-After the caller can honour. A write that was not resent for fear of applying it twice:
 * 502/504 saying so. Every detail says whether the update may have been applied.
 */
function upstreamGaveUp(result: UpstreamGaveUp, attempts: number, subject: UpstreamSubject): ProblemError {
  const upstream = result.reply ? upstreamInfo(result.reply) : undefined;
  const withUpstream = upstream ? { upstream } : {};
  const applied =
    subject.kind === 'create'
      ? result.mayHaveApplied
        ? ' An attempt got no answer, so the referral may have been created: send the create again with the same externalReferenceId (the facade then answers the one that landed), or search for it first.'
        : ' No referral was created.'
      : subject.kind !== 'update'
        ? ''
        : result.mayHaveApplied
          ? ' An attempt got no answer, so the update may have been applied: read the referral, or send the update again (the simplified operations are safe to repeat).'
          : ' The update was not applied.';
  if (result.reason === 'not-replay-safe' && subject.kind === 'create') {
    return new ProblemError('outcome-unknown', {
      status: result.unreachable === 'timeout' ? 504 : 502,
      detail:
        'Partner Center did not confirm the create, and creating again could make a second referral, so the facade did not resend it. Send the create again with the same externalReferenceId (the facade then answers the referral that landed), or search for it before creating again.',
      ...withUpstream,
    });
  }
  if (result.reason === 'not-replay-safe') {
    return new ProblemError('outcome-unknown', {
      status: result.unreachable === 'timeout' ? 504 : 502,
      detail:
        'Partner Center did not confirm the update, and it appends to a list, so the facade did not send it again (that could add the same entry twice). Read the referral to see whether it was applied before sending it again.',
      ...withUpstream,
    });
  }
  if (result.reason === 'not-retryable' && result.unreachable) return unreachable(result.unreachable);
  const spent = `Partner Center still failed after ${String(attempts)} attempt${attempts === 1 ? '' : 's'}.`;
  const retryAfter = seconds(result.retryAfterMs);
  const wait = retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter };
  if (result.unreachable === 'timeout') {
    return new ProblemError('upstream-timeout', {
      detail: `${spent} The last attempt got no answer in time.${applied}`,
      ...wait,
    });
  }
  const last = result.reply
    ? `Its last answer was ${String(result.reply.status)}.`
    : 'The last attempt could not complete.';
  return new ProblemError('upstream-unavailable', {
    detail: `${spent} ${last}${applied} Wait for Retry-After seconds before trying again.`,
    ...withUpstream,
    ...wait,
  });
}

/**
 * The problem for any upstream outcome but a 2xx answer: a refusal, the retry layer giving up, or no token.
 * `attempts` is how many requests the call sent, for the detail.
 */
export function upstreamFailure(
  outcome: UpstreamOutcome,
  attempts: number,
  subject: UpstreamSubject,
): ProblemError {
  switch (outcome.outcome) {
    case 'no-token':
      return outcome.problem;
    case 'gave-up':
      return upstreamGaveUp(outcome, attempts, subject);
    case 'answered':
      return upstreamRefusal(outcome.reply, subject, outcome);
  }
}

/** A 2xx whose body is not the JSON the contract promises. */
export const invalidUpstreamBody = (status: number): ProblemError =>
  new ProblemError('upstream-invalid-response', {
    detail:
      'Partner Center answered with a body that is not valid JSON. Try again; if it persists, report it.',
    upstream: { status },
  });

/** A create answered success without the referral it made, so the caller cannot be told its id. */
export const createdWithoutReferral = (status: number): ProblemError =>
  new ProblemError('upstream-invalid-response', {
    detail:
      'Partner Center answered the create with success but without the referral it made, so its id is unknown. Search for the referral (or send the create again with an externalReferenceId, which the facade then finds) rather than creating again blindly.',
    upstream: { status },
  });

export const foreignNextLink = (): ProblemError =>
  new ProblemError('upstream-invalid-response', {
    detail:
      'Partner Center pointed the next page of results outside its referral list; the facade did not follow it.',
  });

/** `what` names the append, e.g. "the member" or "the deal registration". */
export const referralUnversioned = (referralId: string, what: string): ProblemError =>
  new ProblemError('referral-unversioned', {
    detail: `Partner Center gave no usable ETag for referral ${referralId}, so ${what} could not be appended under If-Match, and an unguarded append could add it twice; nothing was sent. Send the request with the referral's ETag in If-Match, or report the correlation id.`,
  });

export const referralBusy = (rounds: number, what: string): ProblemError =>
  new ProblemError('referral-busy', {
    detail: `The referral changed between reading and writing ${String(rounds)} times in a row, so ${what}. Send the request again shortly; it is safe to repeat.`,
  });

/** sync read the referral, and the status it asks for is a move Partner Center refuses (reference §3.2). */
export const transitionForbidden = (
  referralId: string,
  from: string,
  to: string,
  reason: string,
): ProblemError =>
  new ProblemError('transition-forbidden', {
    detail: `Referral ${referralId} is ${from}, and Partner Center does not allow the move to ${to}: ${reason}. Nothing was written.`,
  });

// ---- finding a referral by CRM id -----------------------------------------------------------------------

export const externalReferenceNotFound = (externalReferenceId: string, complete: boolean): ProblemError =>
  new ProblemError('referral-not-found', {
    detail: `No referral carries externalReferenceId "${externalReferenceId}"${
      complete ? '' : ' among the referrals read'
    }. Set it on the referral first (POST /api/referrals/{id}/update-details).`,
  });

export const ambiguousExternalReference = (
  externalReferenceId: string,
  ids: readonly string[],
  complete: boolean,
): ProblemError =>
  new ProblemError('ambiguous-external-reference', {
    detail: `More than one referral carries externalReferenceId "${externalReferenceId}" (${ids.join(', ')}${
      complete ? '' : ', …'
    }). Give each referral its own CRM id, or name the referral by its Partner Center id.`,
  });

// ---- webhooks -------------------------------------------------------------------------------------------

export function webhookMappingNotFound(name: string, configured: number, nameIsValid: boolean): ProblemError {
  return new ProblemError('webhook-mapping-not-found', {
    detail:
      configured === 0
        ? 'No webhook mappings are configured: set WEBHOOK_MAPPINGS_FILE or WEBHOOK_MAPPINGS.'
        : nameIsValid
          ? `There is no webhook mapping named "${name}".`
          : 'There is no such webhook mapping: mapping names are lower-case letters, digits and hyphens.',
  });
}

export const webhookSignatureInvalid = (reason: string, scheme: string): ProblemError =>
  new ProblemError('webhook-signature-invalid', {
    detail: `${reason}. Nothing was changed. Sign the raw body as the ${scheme} scheme describes, with the secret shared for this webhook.`,
    // RFC 9110 §11.6.1: a 401 names the challenge it expects; here, a signature of the mapping's scheme.
    headers: { 'WWW-Authenticate': `Signature realm="webhooks", scheme="${scheme}"` },
  });

export const webhookUnmappable = (
  mappingName: string,
  detail: string,
  errors: readonly FieldError[] = [],
): ProblemError =>
  new ProblemError('webhook-unmappable', {
    detail: `Mapping ${mappingName}: ${detail}`,
    ...(errors.length > 0 ? { errors } : {}),
  });

/** The webhook configuration (mappings or their secrets) is unusable; only the webhook route is affected. */
export const webhooksMisconfigured = (detail: string): ProblemError =>
  new ProblemError('webhooks-misconfigured', {
    detail: `An operator must fix the webhook configuration: ${detail}.`,
  });

// ---- durable operations ---------------------------------------------------------------------------------

/** `reason` names what failed, never a connection string or key. */
export const storageUnavailable = (reason: string): ProblemError =>
  new ProblemError('storage-unavailable', {
    detail: `Nothing was accepted: ${reason}. Send again after Retry-After, or send the call synchronously.`,
  });

/** Events are acknowledged only once stored: Partner Center sends the notification again after a 503. */
export const eventsStorageUnavailable = (reason: string): ProblemError =>
  new ProblemError('storage-unavailable', {
    detail: `Nothing was stored: ${reason}. Partner Center sends the event again; an operator checks the storage settings.`,
  });

/** Whatever stopped the read, the sender hears "try again": its retries, then the sweep, recover the event. */
export const eventReferralUnavailable = (cause: ProblemError): ProblemError =>
  new ProblemError('event-referral-unavailable', {
    detail: `Nothing was stored: the referral could not be read (${cause.problem.kind}: ${cause.problem.title}). Partner Center sends the event again.`,
  });

/** Stored, not yet fanned out: the sender's next delivery (a duplicate) or the next sweep queues the fan-out. */
export const eventFanOutUnqueued = (): ProblemError =>
  new ProblemError('storage-unavailable', {
    detail:
      'The event was stored, but its fan-out could not be queued: the storage queue did not answer. Send it again: a duplicate of a stored event queues its fan-out; the sweep also does for the changes it finds.',
  });

export const invalidEvent = (detail: string, errors: readonly FieldError[] = []): ProblemError =>
  new ProblemError('event-invalid', { detail, errors });

export const operationNotFound = (): ProblemError =>
  new ProblemError('operation-not-found', {
    detail: 'No accepted operation has this id; use the Location of the 202 answer.',
  });

export const idempotencyKeyReused = (): ProblemError =>
  new ProblemError('idempotency-key-reused', {
    detail:
      'This Idempotency-Key was already used on this referral for a different request. Nothing was accepted: use a new key for a new request.',
  });

export const operationSuperseded = (operationId: string, newerSequence: number): ProblemError =>
  new ProblemError('operation-superseded', {
    detail: `Operation ${operationId} was not sent: operation ${String(newerSequence)} on the same referral, accepted later, is already applied, and an older change never overwrites a newer one.`,
  });

export const operationNotReplayable = (operationId: string, state: string): ProblemError =>
  new ProblemError('operation-not-replayable', {
    detail: `Operation ${operationId} is ${state}; only failed operations can be retried.`,
  });

// ---- Partner Center events ------------------------------------------------------------------------------

/**
 * RFC 9110 §11.6.1: a 401 names the challenge it expects. Partner Center's scheme has no registered name; this
 * one says what would be accepted (an RSA-SHA256 signature in the Authorization header).
 */
const EVENT_CHALLENGE = {
  'WWW-Authenticate': 'Signature realm="partner-center-events", algorithm="rsa-sha256"',
};

/** `what` names the header that is missing, never a value. */
export const eventSignatureMissing = (what: string): ProblemError =>
  new ProblemError('event-signature-missing', {
    detail: `The event is not signed: ${what}. Nothing was accepted.`,
    headers: EVENT_CHALLENGE,
  });

/** `reason` says which check failed (signature, chain, organisation, dates); it never quotes the signature. */
export const eventSignatureInvalid = (reason: string): ProblemError =>
  new ProblemError('event-signature-invalid', {
    detail: `The event signature was refused: ${reason}. Nothing was accepted.`,
    headers: EVENT_CHALLENGE,
  });

/** `reason` may name the URL's scheme or host, never its path, query or credentials (a SAS token lives there). */
export const eventCertificateRefused = (reason: string): ProblemError =>
  new ProblemError('event-certificate-refused', {
    detail: `The signing certificate was not fetched: ${reason}. Nothing was accepted.`,
    headers: EVENT_CHALLENGE,
  });

export const eventCertificateUnavailable = (reason: string): ProblemError =>
  new ProblemError('event-certificate-unavailable', {
    detail: `The signing certificate could not be fetched (${reason}), so the signature could not be checked. Nothing was accepted; Partner Center delivers the event again.`,
  });

// ---- event subscriptions ----------------------------------------------------------------------------------

export const subscriptionNotFound = (): ProblemError =>
  new ProblemError('subscription-not-found', {
    detail:
      'No event subscription has this id; list them with GET /api/events/subscriptions, or subscribe again.',
  });

/** `reason` says why, naming the host at most: a URL's path and query may carry a secret (a SAS signature). */
export const destinationRefused = (field: string, reason: string): ProblemError =>
  new ProblemError('destination-refused', {
    detail: `Nothing was stored: ${reason}. Subscribers must be public https URLs.`,
    errors: [{ in: 'body', pointer: `/${field}`, message: reason }],
  });

export const subscriptionDisabled = (subscriptionId: string): ProblemError =>
  new ProblemError('subscription-disabled', {
    detail: `Subscription ${subscriptionId} is disabled: its endpoint answered that it is gone. Subscribe again to deliver to it.`,
  });
