/**
 * The reconciliation sweep: Partner Center parks a notification after ten failed deliveries and never replays it
 * (reference §3 of events-auth-and-senders), so a timer lists the referrals changed since its last run and
 * announces every version no event announced. It looks only at changes older than a grace period, giving Partner
 * Center's own notification the first chance, and re-reads a small overlap, which the store's dedupe absorbs.
 */
import type { CallContext } from '../call/context';
import { etagPropertyOf } from '../facade/referral-replies';
import type { ReferralSearch } from '../referral-search/search';
import { MAX_SEARCH_RESULTS } from '../referral-search/query';
import { announce } from './announce';
import type { Events } from './events';
import type { ReferralEvent } from './records';

export interface SweepSettings {
  /** Changes younger than this are left to Partner Center's notification (and the next run). */
  readonly graceMs: number;
  /** How far back the first run looks, when there is no cursor yet. */
  readonly firstLookbackMs: number;
}

/** Re-read on every run, against clock skew between Partner Center's change times and ours. */
const OVERLAP_MS = 60_000;

export interface SweepReport {
  readonly since: string;
  readonly until: string;
  /** Referrals changed in the window. */
  readonly examined: number;
  /** Changes no event had announced: announced now. */
  readonly announced: number;
  /** False when more referrals changed in the window than one search returns; the oldest may be missed. */
  readonly complete: boolean;
}

const timeOf = (referral: ReferralEvent['referral'], field: string): number => {
  const value = referral[field];
  return typeof value === 'string' ? Date.parse(value) : Number.NaN;
};

export async function sweep(
  call: CallContext,
  dependencies: { readonly events: Events; readonly search: ReferralSearch },
  settings: SweepSettings,
): Promise<SweepReport> {
  const { events, search } = dependencies;
  const now = events.now();
  const cursor = await events.guarded('reading the sweep cursor', ({ store }) => store.sweepCursor());
  const since = cursor ?? new Date(now - settings.firstLookbackMs).toISOString();
  const until = now - settings.graceMs;
  const found = await search.search(call, { updatedSince: since, top: MAX_SEARCH_RESULTS });
  const inWindow = found.value.filter((referral) => timeOf(referral, 'updatedDateTime') <= until);
  let announced = 0;
  for (const referral of inWindow) {
    if (await announceIfUnseen(call, events, referral, Date.parse(since))) announced += 1;
  }
  // Never backwards: a run whose grace window ends before the cursor keeps it.
  const next = Math.max(Date.parse(since), until - OVERLAP_MS);
  await events.guarded('moving the sweep cursor', ({ store }) =>
    store.setSweepCursor(new Date(next).toISOString()),
  );
  return {
    since,
    until: new Date(until).toISOString(),
    examined: inWindow.length,
    announced,
    complete: found.complete,
  };
}

async function announceIfUnseen(
  call: CallContext,
  events: Events,
  referral: ReferralEvent['referral'],
  since: number,
): Promise<boolean> {
  const referralId = typeof referral['id'] === 'string' ? referral['id'] : undefined;
  const etag = etagPropertyOf(referral);
  // Without an id nothing can be announced; without a version nothing can be deduped against the receiver.
  if (referralId === undefined || etag === undefined) return false;
  const seen = await events.guarded('reading the event versions', ({ store }) =>
    store.announced(referralId, etag),
  );
  if (seen) return false;
  const created = timeOf(referral, 'createdDateTime') >= since;
  const result = await announce(call, events, {
    type: created ? 'referral-created' : 'referral-updated',
    referralId,
    changedAt: typeof referral['updatedDateTime'] === 'string' ? referral['updatedDateTime'] : '',
    referral,
    etag,
    detectedBy: 'sweep',
  });
  return result.kind === 'recorded';
}
