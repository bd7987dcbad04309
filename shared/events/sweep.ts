/**
 * The reconciliation sweep: Partner Center parks a notification after ten failed deliveries and never replays it
 * (reference §3 of events-auth-and-senders), so a timer lists the referrals changed since its last run and
 * announces every version no event announced. It looks only at changes older than a grace period, giving Partner
 * Center's own notification the first chance, and re-reads a small overlap, which the store's dedupe absorbs.
 */
import type { CallContext } from '../call/context';
import { etagPropertyOf } from '../facade/referral-replies';
import type { ReferralsFacade } from '../facade/referrals-facade';
import type { ReferralSearch } from '../referral-search/search';
import { PARTNER_CENTER_PAGE_SIZE } from '../referral-search/query';
import { MAX_SEARCH_PAGES } from '../referral-search/search';
import { announce, originOf, resumeFanOut } from './announce';
import type { Events } from './events';
import { readCurrentReferral } from './read-referral';
import type { ReferralEvent, ReferralEventType } from './records';

export interface SweepSettings {
  /** Changes younger than this are left to Partner Center's notification (and the next run). */
  readonly graceMs: number;
  /** How far back the first run looks, when there is no cursor yet. */
  readonly firstLookbackMs: number;
}

export interface SweepDependencies {
  readonly events: Events;
  readonly search: ReferralSearch;
  /** Reads a referral the list gave without its version (the list's items are not documented to carry one). */
  readonly facade: ReferralsFacade;
}

/** Re-read on every run, against clock skew between Partner Center's change times and ours. */
const OVERLAP_MS = 60_000;

/** Every page the search may read (10 of 100): beyond the search endpoint's 200, which is for callers. */
export const SWEEP_MAX_REFERRALS = MAX_SEARCH_PAGES * PARTNER_CENTER_PAGE_SIZE;

export interface SweepReport {
  readonly since: string;
  readonly until: string;
  /** Referrals changed in the window. */
  readonly examined: number;
  /** Changes no event had announced: announced now. */
  readonly announced: number;
  /** Referrals too large to carry in an event (logged). */
  readonly skipped: number;
  /**
   * False when more referrals changed since the cursor than one run reads (1,000, newest first). The cursor then
   * moves only to the oldest change read, and `unread` names the window whose changes may not have been seen.
   */
  readonly complete: boolean;
  readonly unread?: { readonly from: string; readonly to: string };
}

const timeOf = (referral: ReferralEvent['referral'], field: string): number => {
  const value = referral[field];
  return typeof value === 'string' ? Date.parse(value) : Number.NaN;
};

type Outcome = 'announced' | 'seen' | 'skipped';

export async function sweep(
  call: CallContext,
  dependencies: SweepDependencies,
  settings: SweepSettings,
): Promise<SweepReport> {
  const { events, search } = dependencies;
  const now = events.now();
  const cursor = await events.guarded('reading the sweep cursor', ({ store }) => store.sweepCursor());
  const since = cursor ?? new Date(now - settings.firstLookbackMs).toISOString();
  const until = now - settings.graceMs;
  const found = await search.search(call, { updatedSince: since, top: SWEEP_MAX_REFERRALS });
  const inWindow = found.value.filter((referral) => timeOf(referral, 'updatedDateTime') <= until);
  const outcomes: Outcome[] = [];
  for (const referral of inWindow) {
    outcomes.push(await announceIfUnseen(call, dependencies, referral, Date.parse(since)));
  }
  // Never backwards. When the search could not return every change, the cursor moves only to the oldest change it
  // did return: the run never loops on the same window forever, and says which window it could not read.
  const oldestRead = Math.min(...found.value.map((referral) => timeOf(referral, 'updatedDateTime')));
  const next = found.complete ? until - OVERLAP_MS : oldestRead;
  if (Number.isFinite(next) && next > Date.parse(since)) {
    await events.guarded('moving the sweep cursor', ({ store }) =>
      store.setSweepCursor(new Date(next).toISOString()),
    );
  }
  return {
    since,
    until: new Date(until).toISOString(),
    examined: inWindow.length,
    announced: outcomes.filter((outcome) => outcome === 'announced').length,
    skipped: outcomes.filter((outcome) => outcome === 'skipped').length,
    complete: found.complete,
    ...(found.complete || !Number.isFinite(oldestRead)
      ? {}
      : { unread: { from: since, to: new Date(oldestRead).toISOString() } }),
  };
}

async function announceIfUnseen(
  call: CallContext,
  dependencies: SweepDependencies,
  listed: ReferralEvent['referral'],
  since: number,
): Promise<Outcome> {
  const { events } = dependencies;
  const referralId = typeof listed['id'] === 'string' ? listed['id'] : undefined;
  if (referralId === undefined) return 'skipped';
  // Without a version nothing can be deduped against the receiver: read the referral as the receiver does.
  const listedEtag = etagPropertyOf(listed);
  const current =
    listedEtag === undefined
      ? await readCurrentReferral(call, dependencies.facade, referralId)
      : { referral: listed, etag: listedEtag };
  const etag = current?.etag;
  if (current === undefined || etag === undefined) return 'skipped';
  const type: ReferralEventType =
    timeOf(current.referral, 'createdDateTime') >= since ? 'referral-created' : 'referral-updated';
  const { origin, seen } = await events.guarded('reading the event versions', async ({ store }) => {
    const origin = await originOf(store, { referralId, etag, referral: current.referral });
    return { origin, seen: await store.announced(referralId, type, origin, etag) };
  });
  if (seen !== undefined) {
    // Announced before, perhaps by a run that failed before queueing its fan-out: queue it now.
    await resumeFanOut(call, events, referralId, seen);
    return 'seen';
  }
  const result = await announce(call, events, {
    type,
    referralId,
    changedAt:
      typeof current.referral['updatedDateTime'] === 'string' ? current.referral['updatedDateTime'] : '',
    referral: current.referral,
    etag,
    detectedBy: 'sweep',
    origin,
  });
  return result.kind === 'recorded' ? 'announced' : result.kind === 'too-large' ? 'skipped' : 'seen';
}
