/**
 * Turns a Partner Center failure into the facade's problem: 4xx keep their status, 5xx and transport failures
 * become 502/503/504, and Partner Center's own error code and message ride along in `upstream`.
 */
import { isMfaRequired } from '../credentials/mfa';
import { mfaRequiredProblem } from '../credentials/problems';
import { ProblemError, type UpstreamErrorInfo } from '../http/problem';
import type { UpstreamUnreachableError } from './client';
import { type UpstreamReply } from './client';
import type { RelayResult } from './retrying-relay';
import { retryAfterInMs } from './retry-strategies';

interface ErrorNode {
  error?: unknown;
  code?: unknown;
  message?: unknown;
  description?: unknown;
  innerError?: unknown;
}

function asNode(value: unknown): ErrorNode | undefined {
  return typeof value === 'object' && value !== null ? value : undefined;
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value.slice(0, 1024) : undefined;

/**
 * Reads both documented error shapes: Partner REST's `{error:{code,message,innerError}}` (walking nested
 * `innerError` to its most specific code) and Partner Center REST's `{code,description}`.
 */
export function parseUpstreamError(body: string): { code?: string; message?: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return {};
  }
  const root = asNode(parsed);
  if (!root) return {};
  const node = asNode(root.error);
  if (!node) {
    const code = text(root.code) ?? (typeof root.code === 'number' ? String(root.code) : undefined);
    const message = text(root.description) ?? text(root.message);
    return { ...(code ? { code } : {}), ...(message ? { message } : {}) };
  }
  let code = text(node.code);
  let message = text(node.message);
  for (
    let inner = asNode(node.innerError), depth = 0;
    inner && depth < 8;
    inner = asNode(inner.innerError), depth++
  ) {
    code = text(inner.code) ?? code;
    message = text(inner.message) ?? message;
  }
  return { ...(code ? { code } : {}), ...(message ? { message } : {}) };
}

interface FailureText {
  readonly kind: string;
  readonly title: string;
  readonly detail: (referralId: string) => string;
}

const clientFailures: Readonly<Record<number, FailureText>> = {
  400: {
    kind: 'upstream-rejected',
    title: 'Partner Center rejected the update',
    detail: () => 'Partner Center refused the request as invalid; see upstream.message for its reason.',
  },
  401: {
    kind: 'upstream-unauthorized',
    title: "Partner Center refused the facade's credentials",
    detail: () =>
      "Partner Center did not accept the facade's access token (expired, revoked, or not an App+User token). An operator must renew the facade's Partner Center credentials.",
  },
  403: {
    kind: 'upstream-forbidden',
    title: 'Partner Center denied access',
    detail: () =>
      'The Partner Center user the facade acts as may not do this: it needs the Referrals Admin role, or Referrals User on a referral whose team includes it.',
  },
  404: {
    kind: 'referral-not-found',
    title: 'Referral not found',
    detail: (id) => `Partner Center has no referral with id ${id} that the facade's user can see.`,
  },
  409: {
    kind: 'upstream-conflict',
    title: 'Partner Center reported a conflict',
    detail: () => 'The update conflicts with the referral’s current state; read it again and decide.',
  },
  412: {
    kind: 'etag-mismatch',
    title: 'The referral has changed',
    detail: (id) =>
      `The referral changed since the ETag you sent in If-Match was read. GET /api/referrals/${id} for a fresh ETag and send the update again with it.`,
  },
  429: {
    kind: 'upstream-throttled',
    title: 'Partner Center is throttling requests',
    detail: () =>
      'Partner Center asked for fewer requests. Wait for Retry-After seconds and send the update again.',
  },
};

export function upstreamFailure(reply: UpstreamReply, referralId: string): ProblemError {
  const upstream: UpstreamErrorInfo = { status: reply.status, ...parseUpstreamError(reply.body) };
  if (isMfaRequired(reply.status, reply.body)) return mfaRequiredProblem(upstream);
  const hintMs = retryAfterInMs(reply, Date.now());
  const retryAfter = hintMs === undefined ? undefined : Math.ceil(hintMs / 1000);
  const known = clientFailures[reply.status];
  if (reply.status < 500) {
    return new ProblemError({
      status: reply.status,
      kind: known?.kind ?? 'upstream-rejected',
      title: known?.title ?? 'Partner Center rejected the request',
      detail: known ? known.detail(referralId) : `Partner Center answered ${String(reply.status)}.`,
      upstream,
      ...(retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter }),
    });
  }
  if (reply.status === 503) {
    return new ProblemError({
      status: 503,
      kind: 'upstream-unavailable',
      title: 'Partner Center is unavailable',
      detail: 'Partner Center is temporarily unavailable; the update was not applied. Send it again later.',
      upstream,
      retryAfterSeconds: retryAfter ?? 30,
    });
  }
  if (reply.status === 504) return gatewayTimeout(upstream);
  return new ProblemError({
    status: 502,
    kind: 'upstream-error',
    title: 'Partner Center failed',
    // Retryable 5xx are retried and end as 503/504; what reaches this point (501, 505) will not heal by itself.
    detail: `Partner Center answered ${String(reply.status)}, an error that sending again does not fix; the update was not applied. Report it with the correlation id.`,
    upstream,
  });
}

function gatewayTimeout(upstream?: UpstreamErrorInfo): ProblemError {
  return new ProblemError({
    status: 504,
    kind: 'upstream-timeout',
    title: 'Partner Center did not answer in time',
    detail:
      'Partner Center did not answer in time, so whether the update was applied is unknown. Read the referral, or send the update again: the simplified operations are safe to repeat.',
    ...(upstream ? { upstream } : {}),
    retryAfterSeconds: 30,
  });
}

export function unreachable(error: UpstreamUnreachableError): ProblemError {
  if (error.reason === 'timeout') return gatewayTimeout();
  return new ProblemError({
    status: 502,
    kind: 'upstream-unreachable',
    title: 'Partner Center could not be reached',
    detail:
      'The facade could not complete its call to Partner Center, so the update may not have been applied. Read the referral, or send the update again later.',
    retryAfterSeconds: 30,
  });
}

const seconds = (ms: number | undefined, fallback: number): number =>
  ms === undefined ? fallback : Math.max(1, Math.ceil(ms / 1000));

function lastUpstream(result: Extract<RelayResult, { outcome: 'gave-up' }>): UpstreamErrorInfo | undefined {
  return result.reply ? { status: result.reply.status, ...parseUpstreamError(result.reply.body) } : undefined;
}

/**
 * The relay stopped without a final answer. Budget spent: 504 when the last attempt timed out, else 503, both
 * with a Retry-After the caller can honour. A write that was not resent for fear of applying it twice: 502/504
 * saying so. Every detail says whether the update may have been applied.
 */
export function relayFailure(
  result: Extract<RelayResult, { outcome: 'gave-up' }>,
  attempts: number,
  isWrite: boolean,
): ProblemError {
  const upstream = lastUpstream(result);
  const applied = !isWrite
    ? ''
    : result.mayHaveApplied
      ? ' An attempt got no answer, so the update may have been applied: read the referral, or send the update again (the simplified operations are safe to repeat).'
      : ' The update was not applied.';
  if (result.reason === 'not-replay-safe') {
    return new ProblemError({
      status: result.error?.reason === 'timeout' ? 504 : 502,
      kind: 'outcome-unknown',
      title: 'The outcome of the update is unknown',
      detail:
        'Partner Center did not confirm the update, and it appends to a list, so the facade did not send it again (that could add the same entry twice). Read the referral to see whether it was applied before sending it again.',
      ...(upstream ? { upstream } : {}),
    });
  }
  if (result.reason === 'not-retryable' && result.error) return unreachable(result.error);
  const spent = `Partner Center still failed after ${String(attempts)} attempt${attempts === 1 ? '' : 's'}.`;
  if (result.error?.reason === 'timeout') {
    return new ProblemError({
      status: 504,
      kind: 'upstream-timeout',
      title: 'Partner Center did not answer in time',
      detail: `${spent} The last attempt got no answer in time.${applied}`,
      retryAfterSeconds: seconds(result.retryAfterMs, 30),
    });
  }
  return new ProblemError({
    status: 503,
    kind: 'upstream-unavailable',
    title: 'Partner Center is unavailable',
    detail: `${spent} ${result.reply ? `Its last answer was ${String(result.reply.status)}.` : 'The last attempt could not complete.'}${applied} Wait for Retry-After seconds before trying again.`,
    ...(upstream ? { upstream } : {}),
    retryAfterSeconds: seconds(result.retryAfterMs, 30),
  });
}

/** A 2xx whose body is not the JSON the contract promises. */
export function invalidUpstreamBody(status: number): ProblemError {
  return new ProblemError({
    status: 502,
    kind: 'upstream-invalid-response',
    title: 'Partner Center sent an unreadable answer',
    detail:
      'Partner Center answered with a body that is not valid JSON. Try again; if it persists, report it.',
    upstream: { status },
  });
}
