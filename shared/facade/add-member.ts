/**
 * add-member, made idempotent by email: read the team; if the member is there, write nothing; else append with
 * If-Match of what was read, so neither a concurrent writer nor a resend of an attempt that was applied but
 * unanswered can lead to a second copy. A 412 means "changed since read": read again and decide again.
 */
import type { CallContext } from '../call/context';
import { referralBusy, referralUnversioned, upstreamFailure } from '../failures/failure-map';
import type { RenderedResponse } from '../failures/problem';
import { pinsVersion } from '../http/etag';
import type { UpstreamReply } from '../upstream/client';
import type { RetryingRelay } from '../upstream/retrying-relay';
import {
  etagOf,
  isApplied,
  noContentAnswer,
  readReferral,
  referralAnswer,
  REPRESENTATION_APPLIED,
  type ExtraHeaders,
} from './referral-replies';
import { hasTeamMember } from './replay-safety';
import { patchRequest, readRequest, relayOk, type ReferralWrite } from './upstream-steps';

/** Response header telling an add-member caller whether this call added the member or found it there. */
export const MEMBER_OUTCOME_HEADER = 'Member-Outcome';
export type MemberOutcome = 'added' | 'already-present';

/** Read → decide → write rounds before giving up on a referral that keeps changing. */
const MAX_MEMBER_ROUNDS = 3;

const outcome = (value: MemberOutcome): ExtraHeaders => ({ [MEMBER_OUTCOME_HEADER]: value });

/** What one round ended with: an answer for the caller, or "read again". */
type Round =
  { readonly answer: Promise<RenderedResponse> | RenderedResponse } | { readonly again: UpstreamReply };

export type AnswerWrite = (reply: UpstreamReply, extra: ExtraHeaders) => Promise<RenderedResponse>;

export async function addMember(
  relay: RetryingRelay,
  call: CallContext,
  write: ReferralWrite,
  email: string,
  answerWrite: AnswerWrite,
): Promise<RenderedResponse> {
  /** A 412 on the caller's own If-Match: one more read decides between "already there" and a real 412. */
  let callerPreconditionFailed: UpstreamReply | undefined;
  for (let round = 0; round < MAX_MEMBER_ROUNDS; round++) {
    const read = await relayOk(relay, call, readRequest(call, write.referralId), true);
    const referral = readReferral(read);
    if (hasTeamMember(referral, email)) return alreadyPresent(call, write, read);
    if (callerPreconditionFailed) {
      const refusal = {
        outcome: 'answered',
        reply: callerPreconditionFailed,
        mayHaveApplied: false,
      } as const;
      throw upstreamFailure(refusal, call.upstreamAttempts, { kind: 'update', referralId: write.referralId });
    }
    const next = await appendOnce(relay, call, write, etagOf(read, referral), answerWrite);
    if ('answer' in next) return next.answer;
    if (pinsVersion(write.ifMatch)) callerPreconditionFailed = next.again;
  }
  throw referralBusy(MAX_MEMBER_ROUNDS);
}

function alreadyPresent(call: CallContext, write: ReferralWrite, read: UpstreamReply): RenderedResponse {
  return write.returnRepresentation
    ? referralAnswer(call, read, { ...REPRESENTATION_APPLIED, ...outcome('already-present') })
    : noContentAnswer(call, etagOf(read, readReferral(read)), outcome('already-present'));
}

/** One guarded append: the caller's own If-Match when it pins a version, else the ETag just read. */
async function appendOnce(
  relay: RetryingRelay,
  call: CallContext,
  write: ReferralWrite,
  readEtag: string | undefined,
  answerWrite: AnswerWrite,
): Promise<Round> {
  const ifMatch = pinsVersion(write.ifMatch) ? write.ifMatch : readEtag;
  // Without a version to pin, a resend or a concurrent add could append the member twice: refuse instead.
  if (ifMatch === undefined) throw referralUnversioned(write.referralId);
  const result = await relay.send(call, patchRequest(call, write, ifMatch), {
    replaySafe: pinsVersion(ifMatch),
  });
  if (result.outcome === 'answered' && isApplied(result.reply)) {
    return { answer: answerWrite(result.reply, outcome('added')) };
  }
  if (result.outcome === 'answered' && result.reply.status === 412) return { again: result.reply };
  throw upstreamFailure(result, call.upstreamAttempts, { kind: 'update', referralId: write.referralId });
}
