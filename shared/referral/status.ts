/**
 * Partner Center's referral status model (reference §3): which status/substatus pairs exist and which moves
 * between them the service allows. Pure data and predicates, shared by the facade's validation and the simulator.
 */

export const referralStatuses = ['New', 'Active', 'Closed'] as const;
export type ReferralStatus = (typeof referralStatuses)[number];

export const referralSubstatuses = [
  'Pending',
  'Received',
  'Accepted',
  'Won',
  'Lost',
  'Declined',
  'Expired',
] as const;
export type ReferralSubstatus = (typeof referralSubstatuses)[number];

/** The substatuses each status may carry ("Status & Substatus transition states" table). */
export const substatusesByStatus: Readonly<Record<ReferralStatus, readonly ReferralSubstatus[]>> = {
  New: ['Pending', 'Received'],
  Active: ['Accepted'],
  Closed: ['Won', 'Lost', 'Declined', 'Expired'],
};

/** Moves are forward only: New → New/Active/Closed, Active → Active/Closed, Closed stays Closed. */
export const nextStatuses: Readonly<Record<ReferralStatus, readonly ReferralStatus[]>> = {
  New: ['New', 'Active', 'Closed'],
  Active: ['Active', 'Closed'],
  Closed: ['Closed'],
};

export interface StatusPair {
  readonly status: string;
  readonly substatus: string;
}

export const allowedStatusPairs: readonly StatusPair[] = referralStatuses.flatMap((status) =>
  substatusesByStatus[status].map((substatus) => ({ status, substatus })),
);

export function isReferralStatus(value: string): value is ReferralStatus {
  return (referralStatuses as readonly string[]).includes(value);
}

export function isAllowedStatusPair(pair: StatusPair): boolean {
  return (
    isReferralStatus(pair.status) &&
    (substatusesByStatus[pair.status] as readonly string[]).includes(pair.substatus)
  );
}

export function describeAllowedPairs(): string {
  return allowedStatusPairs.map((p) => `${p.status}/${p.substatus}`).join(', ');
}

/**
 * Why a move from one pair to another is refused, or undefined when it is allowed. A closed referral is final:
 * only re-applying its own pair (an idempotent retry) is accepted.
 */
export function transitionRefusal(from: StatusPair, to: StatusPair): string | undefined {
  if (!isAllowedStatusPair(to)) {
    return `${to.status}/${to.substatus} is not a valid status/substatus pair (allowed: ${describeAllowedPairs()})`;
  }
  if (!isReferralStatus(from.status)) return undefined;
  if (from.status === 'Closed' && (to.status !== 'Closed' || to.substatus !== from.substatus)) {
    return `the referral is already ${from.status}/${from.substatus}; a closed referral cannot change status`;
  }
  if (!(nextStatuses[from.status] as readonly string[]).includes(to.status)) {
    return `a referral cannot move from ${from.status} back to ${to.status}`;
  }
  return undefined;
}
