/**
 * Senders know their own CRM id, not Partner Center's: this turns an externalReferenceId into the one referral
 * carrying it, or a problem that says why it cannot.
 */
import type { CallContext } from '../call/context';
import { ambiguousExternalReference, externalReferenceNotFound } from '../failures/failure-map';
import type { ReferralSearch } from './search';

export async function resolveByExternalReferenceId(
  search: ReferralSearch,
  call: CallContext,
  externalReferenceId: string,
): Promise<string> {
  // Two are enough to tell "exactly one" from "several".
  const result = await search.search(call, { externalReferenceId, top: 2 });
  const ids = result.value.map((referral) => referral.id).filter((id) => typeof id === 'string');
  if (ids.length === 1 && ids[0] !== undefined) return ids[0];
  if (ids.length === 0) throw externalReferenceNotFound(externalReferenceId, result.complete);
  throw ambiguousExternalReference(externalReferenceId, ids, result.complete);
}
