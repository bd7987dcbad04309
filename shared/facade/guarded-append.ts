/**
 * Appends made idempotent: add-member (`add /team/-`, by email) and deal registration (`add /registrations/-`,
 * alone or with close-won). Read the referral; if what the patch appends is there, leave the append out (and
 * write nothing when nothing else is left); else send the patch with If-Match of what was read, so neither a
 * concurrent writer nor a resend of an attempt that was applied but unanswered can lead to a second copy. A 412
 * means "changed since read": read again and decide again.
 */
import type { CallContext } from '../call/context';
import { referralBusy, referralUnversioned, upstreamFailure } from '../failures/failure-map';
import type { RenderedResponse } from '../failures/problem';
import { pinsVersion } from '../http/etag';
import { hasRegistration } from '../referral/registration';
import type { PatchOperation } from '../referral/writable-paths';
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
/** Response header telling a register-deal (or close-won with registerDeal) caller what became of it. */
export const REGISTRATION_OUTCOME_HEADER = 'Registration-Outcome';
export type RegistrationOutcome = 'registered' | 'already-registered';

/** One kind of append the facade knows how to make idempotent. */
export interface AppendGuard {
  readonly path: string;
  /** Whether the referral as read already carries what the append would add. */
  readonly isPresent: (referral: unknown) => boolean;
  readonly header: string;
  readonly appended: string;
  readonly present: string;
  /** For problem details: "the member was not added". */
  readonly what: string;
}

const memberGuard = (email: string): AppendGuard => ({
  path: '/team/-',
  isPresent: (referral) => hasTeamMember(referral, email),
  header: MEMBER_OUTCOME_HEADER,
  appended: 'added' satisfies MemberOutcome,
  present: 'already-present' satisfies MemberOutcome,
  what: 'the member',
});

const registrationGuard: AppendGuard = {
  path: '/registrations/-',
  isPresent: hasRegistration,
  header: REGISTRATION_OUTCOME_HEADER,
  appended: 'registered' satisfies RegistrationOutcome,
  present: 'already-registered' satisfies RegistrationOutcome,
  what: 'the deal registration',
};

/**
 * The guard for a patch that appends one member and nothing else (add-member, a raw `add /team/-`), or one deal
 * registration beside any number of replace-like operations (register-deal, close-won with registerDeal).
 * Other appends stay unguarded: a raw patch with several is relayed and never resent after an unclear failure.
 */
export function appendGuardFor(patch: readonly PatchOperation[]): AppendGuard | undefined {
  const appends = patch.filter((operation) => operation.path.endsWith('/-'));
  const [only, ...others] = appends;
  if (only === undefined || others.length > 0) return undefined;
  if (only.path === '/registrations/-') return registrationGuard;
  if (only.path !== '/team/-' || patch.length !== 1) return undefined;
  const email = (only.value as { email?: unknown } | null)?.email;
  return typeof email === 'string' ? memberGuard(email) : undefined;
}

/** Read → decide → write rounds before giving up on a referral that keeps changing. */
const MAX_APPEND_ROUNDS = 3;

export type AnswerWrite = (reply: UpstreamReply, extra: ExtraHeaders) => Promise<RenderedResponse>;

export async function guardedAppend(
  relay: RetryingRelay,
  call: CallContext,
  write: ReferralWrite,
  guard: AppendGuard,
  answerWrite: AnswerWrite,
): Promise<RenderedResponse> {
  /** A 412 on the caller's own If-Match: one more read decides between "already there" and a real 412. */
  let callerPreconditionFailed: UpstreamReply | undefined;
  for (let round = 0; round < MAX_APPEND_ROUNDS; round++) {
    const read = await relayOk(relay, call, readRequest(call, write.referralId), true);
    const referral = readReferral(read);
    const present = guard.isPresent(referral);
    const patch = present ? write.patch.filter((operation) => operation.path !== guard.path) : write.patch;
    const outcome = { [guard.header]: present ? guard.present : guard.appended };
    if (patch.length === 0) return unwritten(call, write, read, outcome);
    if (callerPreconditionFailed) {
      const refusal = {
        outcome: 'answered',
        reply: callerPreconditionFailed,
        mayHaveApplied: false,
      } as const;
      throw upstreamFailure(refusal, call.upstreamAttempts, { kind: 'update', referralId: write.referralId });
    }
    const next = await writeOnce(relay, call, { ...write, patch }, etagOf(read, referral), guard.what);
    if ('reply' in next) return answerWrite(next.reply, outcome);
    if (pinsVersion(write.ifMatch)) callerPreconditionFailed = next.again;
  }
  throw referralBusy(MAX_APPEND_ROUNDS, `${guard.what} was not written`);
}

/** Nothing left to write: the append is there already, and nothing else was asked for. */
function unwritten(
  call: CallContext,
  write: ReferralWrite,
  read: UpstreamReply,
  outcome: ExtraHeaders,
): RenderedResponse {
  return write.returnRepresentation
    ? referralAnswer(call, read, { ...REPRESENTATION_APPLIED, ...outcome })
    : noContentAnswer(call, etagOf(read, readReferral(read)), outcome);
}

/** One guarded write: the caller's own If-Match when it pins a version, else the ETag just read. */
async function writeOnce(
  relay: RetryingRelay,
  call: CallContext,
  write: ReferralWrite,
  readEtag: string | undefined,
  what: string,
): Promise<{ readonly reply: UpstreamReply } | { readonly again: UpstreamReply }> {
  const ifMatch = pinsVersion(write.ifMatch) ? write.ifMatch : readEtag;
  // Without a version to pin, a resend or a concurrent write could append twice: refuse instead.
  if (ifMatch === undefined) throw referralUnversioned(write.referralId, what);
  const result = await relay.send(call, patchRequest(call, write, ifMatch), {
    replaySafe: pinsVersion(ifMatch),
  });
  if (result.outcome === 'answered' && isApplied(result.reply)) return { reply: result.reply };
  if (result.outcome === 'answered' && result.reply.status === 412) return { again: result.reply };
  throw upstreamFailure(result, call.upstreamAttempts, { kind: 'update', referralId: write.referralId });
}
