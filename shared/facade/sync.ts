/**
 * Desired-state sync: read the referral, plan the smallest patch that makes it carry the caller's values
 * (`planSync`), and send that under If-Match of what was read. Nothing to change: no write at all, so a CRM that
 * syncs on every change of its own cannot start an echo loop. A 412 means the referral changed since the read:
 * read again and plan again, a bounded number of times.
 */
import type { CallContext } from '../call/context';
import {
  referralBusy,
  referralUnversioned,
  transitionForbidden,
  upstreamFailure,
} from '../failures/failure-map';
import type { RenderedResponse } from '../failures/problem';
import { pinsVersion } from '../http/etag';
import { planSync, type SyncRequest } from '../operations/sync';
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
import { isReplaySafePatch } from './replay-safety';
import { patchRequest, readRequest, relayOk, type ReferralWrite } from './upstream-steps';

/** `unchanged` (nothing was written) or `updated`. */
export const SYNC_OUTCOME_HEADER = 'Sync-Outcome';
/** The paths the sync wrote, comma-separated, in patch order (a path appears once). */
export const SYNC_CHANGED_PATHS_HEADER = 'Sync-Changed-Paths';
export type SyncOutcome = 'unchanged' | 'updated';

export interface ReferralSync {
  readonly referralId: string;
  readonly desired: SyncRequest;
  readonly returnRepresentation: boolean;
  readonly ifMatch?: string;
}

/** Read → plan → write rounds before giving up on a referral that keeps changing. */
const MAX_SYNC_ROUNDS = 3;

export type AnswerSyncWrite = (
  write: ReferralWrite,
  reply: UpstreamReply,
  extra: ExtraHeaders,
) => Promise<RenderedResponse>;

const unchanged: ExtraHeaders = { [SYNC_OUTCOME_HEADER]: 'unchanged' satisfies SyncOutcome };
const updated = (paths: readonly string[]): ExtraHeaders => ({
  [SYNC_OUTCOME_HEADER]: 'updated' satisfies SyncOutcome,
  [SYNC_CHANGED_PATHS_HEADER]: paths.join(','),
});

export async function syncReferral(
  relay: RetryingRelay,
  call: CallContext,
  sync: ReferralSync,
  answerWrite: AnswerSyncWrite,
): Promise<RenderedResponse> {
  /** A 412 on the caller's own If-Match: one more read decides between "nothing left to do" and a real 412. */
  let callerPreconditionFailed: UpstreamReply | undefined;
  /** Paths of a write whose answer was lost and whose resend met a 412: it may be this call's own doing. */
  let perhapsWritten: readonly string[] | undefined;
  for (let round = 0; round < MAX_SYNC_ROUNDS; round++) {
    const read = await relayOk(relay, call, readRequest(call, sync.referralId), true);
    const referral = readReferral(read);
    const plan = planSync(referral, sync.desired);
    if (plan.kind === 'forbidden') {
      throw transitionForbidden(sync.referralId, plan.from, plan.to, plan.reason);
    }
    if (plan.kind === 'unchanged') {
      const outcome = perhapsWritten === undefined ? unchanged : updated(perhapsWritten);
      return sync.returnRepresentation
        ? referralAnswer(call, read, { ...REPRESENTATION_APPLIED, ...outcome })
        : noContentAnswer(call, etagOf(read, referral), outcome);
    }
    if (callerPreconditionFailed) {
      const refusal = {
        outcome: 'answered',
        reply: callerPreconditionFailed,
        mayHaveApplied: false,
      } as const;
      throw upstreamFailure(refusal, call.upstreamAttempts, { kind: 'update', referralId: sync.referralId });
    }
    const write: ReferralWrite = {
      referralId: sync.referralId,
      patch: plan.patch,
      returnRepresentation: sync.returnRepresentation,
      ...(sync.ifMatch === undefined ? {} : { ifMatch: sync.ifMatch }),
    };
    const result = await writeOnce(relay, call, write, etagOf(read, referral));
    if ('reply' in result) return answerWrite(write, result.reply, updated(plan.changedPaths));
    perhapsWritten = result.mayHaveApplied ? plan.changedPaths : undefined;
    if (pinsVersion(sync.ifMatch)) callerPreconditionFailed = result.again;
  }
  throw referralBusy(MAX_SYNC_ROUNDS, 'the sync was not written');
}

const appends = (patch: readonly PatchOperation[]) =>
  patch.some((operation) => operation.path.endsWith('/-'));

/**
 * The caller's own If-Match when it pins a version, else the ETag just read. A patch of values alone may go
 * without one when Partner Center gave none (it sets what the caller asked for, like update-details); a patch
 * that adds team members may not, as a resend could add them twice.
 */
async function writeOnce(
  relay: RetryingRelay,
  call: CallContext,
  write: ReferralWrite,
  readEtag: string | undefined,
): Promise<
  { readonly reply: UpstreamReply } | { readonly again: UpstreamReply; readonly mayHaveApplied: boolean }
> {
  const ifMatch = pinsVersion(write.ifMatch) ? write.ifMatch : readEtag;
  if (ifMatch === undefined && appends(write.patch)) {
    throw referralUnversioned(write.referralId, 'the team members');
  }
  const result = await relay.send(call, patchRequest(call, write, ifMatch), {
    replaySafe: pinsVersion(ifMatch) || isReplaySafePatch(write.patch),
  });
  if (result.outcome === 'answered' && isApplied(result.reply)) return { reply: result.reply };
  if (result.outcome === 'answered' && result.reply.status === 412) {
    return { again: result.reply, mayHaveApplied: result.mayHaveApplied };
  }
  throw upstreamFailure(result, call.upstreamAttempts, { kind: 'update', referralId: write.referralId });
}
