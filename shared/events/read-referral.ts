/**
 * The referral an event is about, read through the facade (the same relay, retries and representation as a
 * caller's GET), with the version it carries.
 */
import type { CallContext } from '../call/context';
import { eventReferralUnavailable } from '../failures/failure-map';
import { ProblemError, type RenderedResponse } from '../failures/problem';
import { etagPropertyOf } from '../facade/referral-replies';
import type { ReferralsFacade } from '../facade/referrals-facade';
import type { ReferralEvent } from './records';

export interface CurrentReferral {
  readonly referral: ReferralEvent['referral'];
  readonly etag?: string;
}

/** Undefined when the referral no longer exists (or is not ours to read); any other failure is a 503 problem. */
export async function readCurrentReferral(
  call: CallContext,
  facade: ReferralsFacade,
  referralId: string,
): Promise<CurrentReferral | undefined> {
  let answer: RenderedResponse;
  try {
    answer = await facade.get(call, referralId);
  } catch (error) {
    if (!(error instanceof ProblemError)) throw error;
    if (error.problem.kind === 'referral-not-found') return undefined;
    throw eventReferralUnavailable(error);
  }
  const referral = JSON.parse(answer.body ?? '{}') as ReferralEvent['referral'];
  const etag = etagPropertyOf(referral) ?? answer.headers['ETag'];
  return { referral, ...(etag === undefined ? {} : { etag }) };
}
