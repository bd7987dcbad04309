/**
 * The facade's requests to one referral, and the rule for their results: a 2xx goes on, anything else ends the
 * caller's call with the failure map's problem.
 */
import { randomUUID } from 'node:crypto';
import type { CallContext } from '../call/context';
import { upstreamFailure, type UpstreamSubject } from '../failures/failure-map';
import type { PatchOperation } from '../referral/writable-paths';
import type { ReferralCall, UpstreamReply } from '../upstream/client';
import type { RetryingRelay } from '../upstream/retrying-relay';
import { isApplied, isReferralReply } from './referral-replies';

export interface ReferralWrite {
  readonly referralId: string;
  readonly patch: readonly PatchOperation[];
  readonly returnRepresentation: boolean;
  readonly ifMatch?: string;
}

export const readRequest = (call: CallContext, referralId: string): ReferralCall => ({
  method: 'GET',
  referralId,
  correlationId: call.correlationId,
  requestId: randomUUID(),
});

export const patchRequest = (
  call: CallContext,
  write: ReferralWrite,
  ifMatch: string | undefined,
): ReferralCall => ({
  method: 'PATCH',
  referralId: write.referralId,
  body: JSON.stringify(write.patch),
  returnRepresentation: write.returnRepresentation,
  ...(ifMatch === undefined ? {} : { ifMatch }),
  correlationId: call.correlationId,
  requestId: randomUUID(),
});

/** Sends one request through the retry layer; anything but a 2xx ends the caller's call with a problem. */
export async function relayOk(
  relay: RetryingRelay,
  call: CallContext,
  request: ReferralCall,
  replaySafe: boolean,
): Promise<UpstreamReply> {
  const isRead = request.method === 'GET';
  const result = await relay.send(call, request, {
    replaySafe,
    ...(isRead ? { acceptReply: isReferralReply } : {}),
  });
  if (result.outcome === 'answered' && isApplied(result.reply)) return result.reply;
  const subject: UpstreamSubject = { kind: isRead ? 'read' : 'update', referralId: request.referralId };
  throw upstreamFailure(result, call.upstreamAttempts, subject);
}
