/**
 * The plain search parameters a low-code caller sends, and their translation into Partner Center's OData
 * `$filter`/`$orderby`/`$top`. Pure: no I/O.
 */
import { z } from 'zod';
import { externalReferenceIdSchema, toUtcInstant } from '../referral/fields';
import { referralStatuses, referralSubstatuses } from '../referral/status';

export const MAX_SEARCH_RESULTS = 200;
export const DEFAULT_SEARCH_RESULTS = 25;
export const referralDirections = ['Incoming', 'Outgoing'] as const;

export const searchQuerySchema = z
  .object({
    status: z
      .enum(referralStatuses, { error: () => `must be one of ${referralStatuses.join(', ')}` })
      .optional()
      .meta({ title: 'Status', description: 'Only referrals with this status.' }),
    substatus: z
      .enum(referralSubstatuses, { error: () => `must be one of ${referralSubstatuses.join(', ')}` })
      .optional()
      .meta({ title: 'Substatus', description: 'Only referrals with this substatus.' }),
    direction: z
      .enum(referralDirections, { error: () => 'must be Incoming or Outgoing' })
      .optional()
      .meta({ title: 'Direction', description: 'Incoming (sent to you) or Outgoing (sent by you).' }),
    updatedSince: z
      .string()
      .trim()
      .transform((value, ctx) => {
        const instant = toUtcInstant(value);
        if (instant !== undefined) return instant;
        ctx.addIssue({
          code: 'custom',
          message: 'must be an ISO 8601 date ("2026-10-01") or date-time with a time zone',
        });
        return z.NEVER;
      })
      .optional()
      .meta({
        title: 'Updated since',
        description: 'Only referrals changed at or after this date or date-time (ISO 8601).',
        examples: ['2026-10-01'],
      }),
    teamMemberEmail: z
      .string()
      .trim()
      .pipe(z.email('must be an email address'))
      .optional()
      .meta({
        title: 'Team member email',
        description: 'Only referrals whose team includes the seller with this email address.',
        examples: ['jane.doe@contoso.com'],
      }),
    externalReferenceId: externalReferenceIdSchema.optional().meta({
      title: 'External reference id',
      description: 'Only referrals carrying this CRM ID in externalReferenceId.',
      examples: ['OPP-2026-0042'],
    }),
    top: z
      // Decimal digits only: Number() would also read 0x10, 1e1 and 0b11.
      .preprocess(
        (value) => (typeof value === 'string' && !/^[0-9]+$/.test(value.trim()) ? Number.NaN : value),
        z.coerce
          .number({ error: () => 'must be a whole number' })
          .int('must be a whole number')
          .min(1, 'must be at least 1')
          .max(MAX_SEARCH_RESULTS, `must be at most ${String(MAX_SEARCH_RESULTS)}`),
      )
      .default(DEFAULT_SEARCH_RESULTS)
      .meta({
        title: 'Maximum results',
        description: `How many referrals to return at most, 1 to ${String(MAX_SEARCH_RESULTS)} (default ${String(DEFAULT_SEARCH_RESULTS)}), most recently updated first.`,
      }),
  })
  .strict()
  .meta({ title: 'Referral search', description: 'Plain search parameters, all optional.' });

export type SearchQuery = z.output<typeof searchQuerySchema>;
export type SearchCriteria = Omit<SearchQuery, 'top'>;

/** OData string literal: single quotes, an embedded quote doubled (OData ABNF `SQUOTE-in-string`). */
function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

interface Clause {
  readonly text: string;
  /**
   * Whether the reference shows this filter in a documented example. Unconfirmed clauses may be rejected or
   * ignored by the service, so their results are always checked again on the fetched page.
   */
  readonly confirmed: boolean;
}

export function filterClauses(criteria: SearchCriteria): Clause[] {
  const clauses: Clause[] = [];
  if (criteria.status) clauses.push({ text: `status eq ${literal(criteria.status)}`, confirmed: true });
  if (criteria.substatus)
    clauses.push({ text: `substatus eq ${literal(criteria.substatus)}`, confirmed: true });
  if (criteria.direction)
    clauses.push({ text: `direction eq ${literal(criteria.direction)}`, confirmed: true });
  if (criteria.teamMemberEmail)
    clauses.push({ text: `team/any(t:t/email eq ${literal(criteria.teamMemberEmail)})`, confirmed: true });
  if (criteria.updatedSince)
    clauses.push({ text: `updatedDateTime ge ${criteria.updatedSince}`, confirmed: false });
  if (criteria.externalReferenceId)
    clauses.push({
      text: `externalReferenceId eq ${literal(criteria.externalReferenceId)}`,
      confirmed: false,
    });
  return clauses;
}

export const PARTNER_CENTER_PAGE_SIZE = 100;

/**
 * The OData options for the first page.
 *
 * In OData `$top` limits the whole result, not the page: the service stops after that many and sends no nextLink.
 * So it is sent only when every criterion is one the service is known to apply (an ignored filter would let
 * non-matches use up the limit), and only when one page can hold the limit. It asks for one more than wanted: the
 * extra one, never returned, is how the search knows whether more matches exist (`complete`). Beyond a page, no
 * `$top` is sent; the service's own pages are read and the result is cut here.
 */
export function odataQuery(
  query: SearchQuery,
  options: { readonly includeUnconfirmed: boolean },
): Record<string, string> {
  const clauses = filterClauses(query);
  const sent = clauses.filter((clause) => clause.confirmed || options.includeUnconfirmed);
  const allApplied = clauses.every((clause) => clause.confirmed);
  const limit = query.top + 1;
  return {
    ...(sent.length > 0 ? { $filter: sent.map((clause) => clause.text).join(' and ') } : {}),
    $orderby: 'updatedDateTime desc',
    ...(allApplied && limit <= PARTNER_CENTER_PAGE_SIZE ? { $top: String(limit) } : {}),
  };
}

export function hasUnconfirmedCriteria(criteria: SearchCriteria): boolean {
  return filterClauses(criteria).some((clause) => !clause.confirmed);
}

const fieldOf = (item: Record<string, unknown>, name: string): string | undefined => {
  const value = item[name];
  return typeof value === 'string' ? value : undefined;
};

const sameText = (a: string | undefined, b: string) => a?.toLowerCase() === b.toLowerCase();

/** The same criteria, checked on one referral as read; unknown shapes simply do not match. */
export function matchesCriteria(item: unknown, criteria: SearchCriteria): boolean {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return false;
  const referral = item as Record<string, unknown>;
  if (criteria.status && !sameText(fieldOf(referral, 'status'), criteria.status)) return false;
  if (criteria.substatus && !sameText(fieldOf(referral, 'substatus'), criteria.substatus)) return false;
  if (criteria.direction && !sameText(fieldOf(referral, 'direction'), criteria.direction)) return false;
  if (
    criteria.externalReferenceId !== undefined &&
    fieldOf(referral, 'externalReferenceId') !== criteria.externalReferenceId
  )
    return false;
  if (criteria.updatedSince) {
    const updated = Date.parse(fieldOf(referral, 'updatedDateTime') ?? '');
    if (Number.isNaN(updated) || updated < Date.parse(criteria.updatedSince)) return false;
  }
  if (criteria.teamMemberEmail) {
    const email = criteria.teamMemberEmail;
    const team = Array.isArray(referral['team']) ? (referral['team'] as unknown[]) : [];
    const onTeam = team.some(
      (member) =>
        typeof member === 'object' &&
        member !== null &&
        sameText(fieldOf(member as Record<string, unknown>, 'email'), email),
    );
    if (!onTeam) return false;
  }
  return true;
}
