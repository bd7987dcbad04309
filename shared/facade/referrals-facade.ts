/**
 * The facade's one data flow: validated request → operation → JSON Patch (`preparePatch`) → relay → answer. It
 * knows HTTP status codes and headers (it is a relay) but nothing of any HTTP framework.
 */
import { randomUUID } from 'node:crypto';
import { ProblemError, type RenderedResponse } from '../http/problem';
import type { PatchOperation } from '../referral/writable-paths';
import type { ReferralCall, UpstreamReply } from '../upstream/client';
import { relayFailure, upstreamFailure } from '../upstream/failure';
import type { CallBudget, RetryingRelay } from '../upstream/retrying-relay';
import { hasTeamMember, isReplaySafePatch, teamMemberAppend } from './replay-safety';

/** Response header telling an add-member caller whether this call added the member or found it there. */
export const MEMBER_OUTCOME_HEADER = 'Member-Outcome';
export type MemberOutcome = 'added' | 'already-present';

/** Read → decide → write rounds for add-member before giving up on a referral that keeps changing. */
const MAX_MEMBER_ROUNDS = 3;

/** Filled in by the facade for the caller's log line, whether the call succeeds or fails. */
export interface CallRecord {
  /** Upstream attempts, summed over every upstream request the call made. */
  upstreamAttempts: number;
  /** Partner Center's status on the call's last answered request. */
  upstreamStatus?: number;
  /** The referral the call acted on, when the route did not name it (webhooks). */
  referralId?: string;
}

export interface UpdateRequest {
  readonly referralId: string;
  /** The validated patch (see `preparePatch`). */
  readonly patch: readonly PatchOperation[];
  readonly returnRepresentation: boolean;
  readonly ifMatch?: string;
  readonly correlationId: string;
  readonly record?: CallRecord;
}

export interface ReadRequest {
  readonly referralId: string;
  readonly correlationId: string;
  readonly record?: CallRecord;
}

export interface FacadeResponse extends RenderedResponse {
  /** Partner Center's status, for the call log. */
  readonly upstreamStatus: number;
}

export interface ReferralsFacade {
  update(request: UpdateRequest): Promise<FacadeResponse>;
  get(request: ReadRequest): Promise<FacadeResponse>;
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Partner Center's ETags are quoted; the body's `eTag` property carries the quotes inside the string. */
function quoteEtag(etag: string): string {
  return etag.startsWith('"') || etag.startsWith('W/"') ? etag : `"${etag}"`;
}

/** The ETag header when the upstream sends one, else the referral body's `eTag` property. */
function etagOf(reply: UpstreamReply, referral: unknown): string | undefined {
  const header = firstHeader(reply.headers['etag']);
  if (header) return header;
  const property =
    typeof referral === 'object' && referral !== null ? (referral as { eTag?: unknown }).eTag : undefined;
  return typeof property === 'string' && property !== '' ? quoteEtag(property) : undefined;
}

/**
 * Each reply's body parsed once: a read is checked by the retry layer and then used by add-member, and a
 * representation is checked and then answered, so the same body would otherwise be parsed twice.
 */
const parsedReplies = new WeakMap<UpstreamReply, Record<string, unknown> | null>();

/** The referral in a reply body, or undefined when the body is not a JSON object. */
function readReferral(reply: UpstreamReply): Record<string, unknown> | undefined {
  const known = parsedReplies.get(reply);
  if (known !== undefined) return known ?? undefined;
  let referral: Record<string, unknown> | null = null;
  try {
    const parsed = JSON.parse(reply.body) as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      referral = parsed as Record<string, unknown>;
  } catch {
    // Not JSON: recorded as null, so it is not parsed again either.
  }
  parsedReplies.set(reply, referral);
  return referral ?? undefined;
}

const isReferralReply = (reply: UpstreamReply): boolean => readReferral(reply) !== undefined;

const isSuccess = (reply: UpstreamReply): boolean => reply.status >= 200 && reply.status < 300;

/**
 * Whether an If-Match pins one version of the referral, so that a resend after an applied-but-unanswered attempt
 * is refused (412) instead of applied twice. `*` matches every version: it guards nothing.
 */
const pinsVersion = (ifMatch: string | undefined): ifMatch is string =>
  ifMatch !== undefined && ifMatch !== '*';

/** A 412 that may be the facade's own doing: an earlier attempt of the same write got no answer. */
function ownPreconditionFailure(reply: UpstreamReply, referralId: string): ProblemError {
  const problem = upstreamFailure(reply, referralId).problem;
  return new ProblemError({
    ...problem,
    detail: `${problem.detail} An earlier attempt of this update got no answer and may have been applied, which would also change the ETag: read the referral to check before sending it again.`,
  });
}

export function createReferralsFacade(relay: RetryingRelay): ReferralsFacade {
  /** Sends one request through the retry layer; anything but a 2xx ends the caller's call with a problem. */
  async function relayOk(
    call: ReferralCall,
    budget: CallBudget,
    replaySafe: boolean,
  ): Promise<{ reply: UpstreamReply; mayHaveApplied: boolean }> {
    const result = await relay.send(call, {
      budget,
      replaySafe,
      ...(call.method === 'GET' ? { acceptReply: isReferralReply } : {}),
    });
    if (result.outcome === 'gave-up') throw relayFailure(result, budget.attempts, call.method !== 'GET');
    if (!isSuccess(result.reply)) {
      if (result.reply.status === 412 && result.mayHaveApplied)
        throw ownPreconditionFailure(result.reply, call.referralId);
      throw upstreamFailure(result.reply, call.referralId);
    }
    return { reply: result.reply, mayHaveApplied: result.mayHaveApplied };
  }

  const readCall = (referralId: string, correlationId: string): ReferralCall => ({
    method: 'GET',
    referralId,
    correlationId,
    requestId: randomUUID(),
  });

  const patchCall = (request: UpdateRequest, patch: readonly PatchOperation[], ifMatch?: string) => ({
    method: 'PATCH' as const,
    referralId: request.referralId,
    body: JSON.stringify(patch),
    returnRepresentation: request.returnRepresentation,
    ...(ifMatch === undefined ? {} : { ifMatch }),
    correlationId: request.correlationId,
    requestId: randomUUID(),
  });

  function withBody(
    reply: UpstreamReply,
    referral: unknown,
    correlationId: string,
    extra: Record<string, string>,
  ): FacadeResponse {
    const etag = etagOf(reply, referral);
    return {
      status: 200,
      upstreamStatus: reply.status,
      headers: {
        'Content-Type': 'application/json',
        'MS-CorrelationId': correlationId,
        ...withEtag(etag),
        ...extra,
      },
      body: reply.body,
    };
  }

  /**
   * The answer to an applied write. A caller who asked for the representation gets it even when the write's own
   * reply has none or an unreadable one: the write is known to be applied, so reading the referral is safe.
   */
  async function answerWrite(
    request: UpdateRequest,
    reply: UpstreamReply,
    budget: CallBudget,
    extra: Record<string, string>,
  ): Promise<FacadeResponse> {
    if (request.returnRepresentation) {
      const representation = reply.status === 204 ? undefined : readReferral(reply);
      const source =
        representation === undefined
          ? (await relayOk(readCall(request.referralId, request.correlationId), budget, true)).reply
          : reply;
      return withBody(source, readReferral(source), request.correlationId, {
        'Preference-Applied': 'return=representation',
        ...extra,
      });
    }
    const etag = firstHeader(reply.headers['etag']);
    return {
      status: 204,
      upstreamStatus: reply.status,
      headers: { 'MS-CorrelationId': request.correlationId, ...withEtag(etag), ...extra },
    };
  }

  /**
   * add-member, made idempotent by email: read the team; if the member is there, write nothing; else append
   * with If-Match of what was read, so neither a concurrent writer nor a resend of an attempt that was applied
   * but unanswered can lead to a second copy. A 412 means "changed since read": read again and decide again.
   */
  async function addMember(
    request: UpdateRequest,
    patch: readonly PatchOperation[],
    email: string,
    budget: CallBudget,
  ): Promise<FacadeResponse> {
    const outcome = (value: MemberOutcome) => ({ [MEMBER_OUTCOME_HEADER]: value });
    let callerPreconditionFailed: UpstreamReply | undefined;
    for (let round = 0; round < MAX_MEMBER_ROUNDS; round++) {
      const read = (await relayOk(readCall(request.referralId, request.correlationId), budget, true)).reply;
      const referral = readReferral(read);
      if (hasTeamMember(referral, email)) {
        return request.returnRepresentation
          ? withBody(read, referral, request.correlationId, {
              'Preference-Applied': 'return=representation',
              ...outcome('already-present'),
            })
          : {
              status: 204,
              upstreamStatus: read.status,
              headers: {
                'MS-CorrelationId': request.correlationId,
                ...withEtag(etagOf(read, referral)),
                ...outcome('already-present'),
              },
            };
      }
      if (callerPreconditionFailed) throw upstreamFailure(callerPreconditionFailed, request.referralId);
      const ifMatch = pinsVersion(request.ifMatch) ? request.ifMatch : etagOf(read, referral);
      const result = await relay.send(patchCall(request, patch, ifMatch), {
        budget,
        replaySafe: pinsVersion(ifMatch),
      });
      if (result.outcome === 'gave-up') throw relayFailure(result, budget.attempts, true);
      if (isSuccess(result.reply)) return answerWrite(request, result.reply, budget, outcome('added'));
      if (result.reply.status !== 412) throw upstreamFailure(result.reply, request.referralId);
      // The caller's own precondition failed: one more read decides between "already there" and a real 412.
      if (pinsVersion(request.ifMatch)) callerPreconditionFailed = result.reply;
    }
    throw new ProblemError({
      status: 503,
      kind: 'referral-busy',
      title: 'The referral keeps changing',
      detail: `The referral changed between reading and writing ${String(MAX_MEMBER_ROUNDS)} times in a row, so the member was not added. Send the request again shortly; it is safe to repeat.`,
      retryAfterSeconds: 2,
    });
  }

  async function traced(
    record: CallRecord | undefined,
    work: (budget: CallBudget) => Promise<FacadeResponse>,
  ): Promise<FacadeResponse> {
    const budget = relay.startCall();
    try {
      const result = await work(budget);
      if (record) record.upstreamStatus = result.upstreamStatus;
      return result;
    } catch (error) {
      if (record && error instanceof ProblemError && error.problem.upstream) {
        record.upstreamStatus = error.problem.upstream.status;
      }
      throw error;
    } finally {
      if (record) record.upstreamAttempts += budget.attempts;
    }
  }

  return {
    update: (request) =>
      traced(request.record, async (budget) => {
        const { patch } = request;
        const member = teamMemberAppend(patch);
        if (member !== undefined) return addMember(request, patch, member, budget);
        const { reply } = await relayOk(
          patchCall(request, patch, request.ifMatch),
          budget,
          pinsVersion(request.ifMatch) || isReplaySafePatch(patch),
        );
        return answerWrite(request, reply, budget, {});
      }),

    get: (request) =>
      traced(request.record, async (budget) => {
        const { reply } = await relayOk(readCall(request.referralId, request.correlationId), budget, true);
        return withBody(reply, readReferral(reply), request.correlationId, {});
      }),
  };
}

function withEtag(etag: string | undefined): Record<string, string> {
  return etag ? { ETag: etag } : {};
}
