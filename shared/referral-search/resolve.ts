/**
 * Senders know their own CRM id, not Partner Center's: this turns an externalReferenceId into the one referral
 * carrying it, or a problem that says why it cannot.
 */
import { ProblemError } from '../http/problem';
import type { CallRecord } from '../facade/referrals-facade';
import type { ReferralSearch } from './search';

export async function resolveByExternalReferenceId(
  search: ReferralSearch,
  externalReferenceId: string,
  correlationId: string,
  record?: CallRecord,
): Promise<string> {
  // Two are enough to tell "exactly one" from "several".
  const result = await search.search({ externalReferenceId, top: 2 }, correlationId, record);
  const ids = result.value.map((referral) => referral.id).filter((id) => typeof id === 'string');
  if (ids.length === 1 && ids[0] !== undefined) return ids[0];
  if (ids.length === 0) {
    throw new ProblemError({
      status: 404,
      kind: 'referral-not-found',
      title: 'Referral not found',
      detail: `No referral carries externalReferenceId "${externalReferenceId}"${
        result.complete ? '' : ' among the referrals read'
      }. Set it on the referral first (POST /api/referrals/{id}/update-details).`,
    });
  }
  throw new ProblemError({
    status: 409,
    kind: 'ambiguous-external-reference',
    title: 'Several referrals match',
    detail: `More than one referral carries externalReferenceId "${externalReferenceId}" (${ids.join(', ')}${
      result.complete ? '' : ', …'
    }). Give each referral its own CRM id, or name the referral by its Partner Center id.`,
  });
}
