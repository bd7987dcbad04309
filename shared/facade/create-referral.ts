/**
 * Creating a referral, idempotent by CRM id: when the caller names its `externalReferenceId`, the referral that
 * already carries it is answered instead of creating a second one. A create is not replay-safe (a resend after
 * an unanswered attempt could make a twin), so the retry layer never resends it after an unclear failure; with a
 * CRM id, the facade looks once more and answers the referral that landed.
 *
 * What this cannot guarantee: two creates with the same CRM id at the same moment (two instances, or two
 * deliveries of one webhook) can both look, both find nothing, and both create. Partner Center offers no unique
 * key or conditional create to close that window.
 */
import { randomUUID } from 'node:crypto';
import type { CallContext } from '../call/context';
import { ambiguousExternalReference, createdWithoutReferral, upstreamFailure } from '../failures/failure-map';
import type { RenderedResponse } from '../failures/problem';
import type { CreateCall } from '../upstream/client';
import type { RelayResult, RetryingRelay } from '../upstream/retrying-relay';
import { etagOf, etagPropertyOf, isApplied, readReferral } from './referral-replies';

/** `created` (this call made it) or `existing` (a referral already carried the CRM id). */
export const CREATE_OUTCOME_HEADER = 'Create-Outcome';
export type CreateOutcome = 'created' | 'existing';

export interface ReferralCreate {
  /** Partner Center's create body, validated. */
  readonly body: Readonly<Record<string, unknown>>;
  readonly externalReferenceId?: string;
}

/** The referrals carrying a CRM id, as far as the search could tell (`complete` false: it read only so far). */
export interface ExternalReferenceMatches {
  readonly referrals: readonly Readonly<Record<string, unknown>>[];
  readonly complete: boolean;
}

export type FindByExternalReference = (
  call: CallContext,
  externalReferenceId: string,
) => Promise<ExternalReferenceMatches>;

const createRequest = (call: CallContext, body: Readonly<Record<string, unknown>>): CreateCall => ({
  method: 'POST',
  body: JSON.stringify(body),
  correlationId: call.correlationId,
  requestId: randomUUID(),
});

function answer(
  call: CallContext,
  status: 200 | 201,
  referral: Readonly<Record<string, unknown>>,
  body: string,
  etag: string | undefined,
  outcome: CreateOutcome,
): RenderedResponse {
  const id = typeof referral['id'] === 'string' ? referral['id'] : undefined;
  if (id !== undefined) call.referralId = id;
  return {
    status,
    headers: {
      'Content-Type': 'application/json',
      'MS-CorrelationId': call.correlationId,
      [CREATE_OUTCOME_HEADER]: outcome,
      ...(id === undefined ? {} : { Location: `/api/referrals/${encodeURIComponent(id)}` }),
      ...(etag === undefined ? {} : { ETag: etag }),
    },
    body,
  };
}

/** The one referral carrying the CRM id, undefined when none does; several is a 409 naming them. */
async function findOne(
  find: FindByExternalReference,
  call: CallContext,
  externalReferenceId: string,
): Promise<Readonly<Record<string, unknown>> | undefined> {
  const { referrals, complete } = await find(call, externalReferenceId);
  const [only, ...others] = referrals;
  if (others.length === 0) return only;
  const ids = referrals.map((referral) => referral['id']).filter((id) => typeof id === 'string');
  throw ambiguousExternalReference(externalReferenceId, ids, complete);
}

/** A referral found by the search: its list entry is the answer, with the version it carries. */
const foundAnswer = (
  call: CallContext,
  referral: Readonly<Record<string, unknown>>,
  outcome: CreateOutcome,
): RenderedResponse =>
  answer(
    call,
    outcome === 'created' ? 201 : 200,
    referral,
    JSON.stringify(referral),
    etagPropertyOf(referral),
    outcome,
  );

export async function createReferral(
  relay: RetryingRelay,
  find: FindByExternalReference,
  call: CallContext,
  create: ReferralCreate,
): Promise<RenderedResponse> {
  const crmId = create.externalReferenceId;
  if (crmId !== undefined) {
    const existing = await findOne(find, call, crmId);
    if (existing) return foundAnswer(call, existing, 'existing');
  }
  const result = await relay.send(call, createRequest(call, create.body), { replaySafe: false });
  if (result.outcome === 'answered' && isApplied(result.reply)) {
    const referral = readReferral(result.reply);
    if (referral !== undefined && typeof referral['id'] === 'string') {
      return answer(call, 201, referral, result.reply.body, etagOf(result.reply, referral), 'created');
    }
  }
  // Unclear whether it landed (no answer, or a success without the referral): the CRM id can tell.
  if (crmId !== undefined && mayHaveCreated(result)) {
    const landed = await findOne(find, call, crmId).catch(() => undefined);
    if (landed) return foundAnswer(call, landed, 'created');
  }
  if (result.outcome === 'answered' && isApplied(result.reply))
    throw createdWithoutReferral(result.reply.status);
  throw upstreamFailure(result, call.upstreamAttempts, { kind: 'create' });
}

function mayHaveCreated(result: RelayResult): boolean {
  if (result.outcome === 'answered') return isApplied(result.reply) || result.mayHaveApplied;
  return result.outcome === 'gave-up' && result.mayHaveApplied;
}
