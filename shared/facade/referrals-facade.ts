/**
 * The facade's one data flow: validated request → operation → JSON Patch (`preparePatch`) → relay → answer. It
 * knows HTTP status codes and headers (it is a relay) but nothing of any HTTP framework. Every function takes
 * the call's context first; the relay keeps the context's upstream facts.
 */
import type { CallContext } from '../call/context';
import type { RenderedResponse } from '../failures/problem';
import { pinsVersion } from '../http/etag';
import type { UpstreamReply } from '../upstream/client';
import type { RetryingRelay } from '../upstream/retrying-relay';
import { createReferral, type FindByExternalReference, type ReferralCreate } from './create-referral';
import { syncReferral, type ReferralSync } from './sync';
import { appendGuardFor, guardedAppend } from './guarded-append';
import {
  etagHeaderOf,
  isApplied,
  isReferralReply,
  noContentAnswer,
  readReferral,
  referralAnswer,
  REPRESENTATION_APPLIED,
  REPRESENTATION_UNAVAILABLE,
  type ExtraHeaders,
} from './referral-replies';
import { isReplaySafePatch } from './replay-safety';
import { patchRequest, readRequest, relayOk, type ReferralWrite } from './upstream-steps';

export {
  MEMBER_OUTCOME_HEADER,
  REGISTRATION_OUTCOME_HEADER,
  type MemberOutcome,
  type RegistrationOutcome,
} from './guarded-append';
export type { ReferralWrite } from './upstream-steps';
export {
  CREATE_OUTCOME_HEADER,
  type CreateOutcome,
  type ExternalReferenceMatches,
  type FindByExternalReference,
  type ReferralCreate,
} from './create-referral';
export { SYNC_CHANGED_PATHS_HEADER, SYNC_OUTCOME_HEADER, type ReferralSync, type SyncOutcome } from './sync';

export interface ReferralsFacade {
  update(call: CallContext, write: ReferralWrite): Promise<RenderedResponse>;
  get(call: CallContext, referralId: string): Promise<RenderedResponse>;
  create(call: CallContext, create: ReferralCreate): Promise<RenderedResponse>;
  sync(call: CallContext, sync: ReferralSync): Promise<RenderedResponse>;
}

export interface FacadeDependencies {
  /** The referral search, below the facade in the module map, handed in by the composition root. */
  readonly findByExternalReference: FindByExternalReference;
}

export function createReferralsFacade(
  relay: RetryingRelay,
  dependencies: FacadeDependencies,
): ReferralsFacade {
  /**
   * The answer to an applied write. A caller who asked for the representation gets it even when the write's own
   * reply has none or an unreadable one: the write is known to be applied, so reading the referral is safe.
   */
  async function answerWrite(
    call: CallContext,
    write: ReferralWrite,
    reply: UpstreamReply,
    extra: ExtraHeaders,
  ): Promise<RenderedResponse> {
    if (!write.returnRepresentation) return noContentAnswer(call, etagHeaderOf(reply), extra);
    const carried = reply.status === 204 ? undefined : readReferral(reply);
    if (carried !== undefined) return referralAnswer(call, reply, { ...REPRESENTATION_APPLIED, ...extra });
    const readBack = await relay.send(call, readRequest(call, write.referralId), {
      replaySafe: true,
      acceptReply: isReferralReply,
    });
    if (readBack.outcome === 'answered' && isApplied(readBack.reply)) {
      return referralAnswer(call, readBack.reply, { ...REPRESENTATION_APPLIED, ...extra });
    }
    // The write landed: whatever became of the read, the caller must hear that, not a failure to retry.
    return noContentAnswer(call, etagHeaderOf(reply), { ...REPRESENTATION_UNAVAILABLE, ...extra });
  }

  return {
    async update(call, write) {
      const guard = appendGuardFor(write.patch);
      if (guard !== undefined) {
        return guardedAppend(relay, call, write, guard, (reply, extra) =>
          answerWrite(call, write, reply, extra),
        );
      }
      const replaySafe = pinsVersion(write.ifMatch) || isReplaySafePatch(write.patch);
      const reply = await relayOk(relay, call, patchRequest(call, write, write.ifMatch), replaySafe);
      return answerWrite(call, write, reply, {});
    },

    create: (call, create) => createReferral(relay, dependencies.findByExternalReference, call, create),

    sync: (call, sync) =>
      syncReferral(relay, call, sync, (write, reply, extra) => answerWrite(call, write, reply, extra)),

    async get(call, referralId) {
      return referralAnswer(call, await relayOk(relay, call, readRequest(call, referralId), true), {});
    },
  };
}
