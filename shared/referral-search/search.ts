/**
 * Finding referrals: plain criteria → OData → pages of the upstream list, followed up to a bound and checked again
 * here, so a filter the service ignores or refuses cannot widen the result.
 */
import { z } from 'zod';
import { ProblemError } from '../http/problem';
import { referralSchema } from '../referral/referral-schema';
import type { UpstreamReply } from '../upstream/client';
import { invalidUpstreamBody, upstreamFailure } from '../upstream/failure';
import { ForeignNextLinkError, type PageRequest, type ReferralList } from '../upstream/referral-list';
import type { CallBudget } from '../upstream/retrying-relay';
import type { CallRecord } from '../facade/referrals-facade';
import { hasUnconfirmedCriteria, matchesCriteria, odataQuery, type SearchQuery } from './query';

/** At most this many upstream pages (of up to 100 referrals each) are read for one search. */
export const MAX_SEARCH_PAGES = 10;

export const searchResultSchema = z
  .object({
    value: z.array(referralSchema).meta({ title: 'Referrals', description: 'The matching referrals.' }),
    count: z.number().meta({ title: 'Count', description: 'How many referrals were returned.' }),
    complete: z.boolean().meta({
      title: 'Complete',
      description:
        'True when these are all the matches; false when more may exist (more than requested, or beyond the pages read).',
    }),
  })
  .meta({
    title: 'Referral search result',
    description: 'Referrals matching the search, newest change first.',
  });

export type SearchResult = z.infer<typeof searchResultSchema>;

export interface ReferralSearch {
  /** `record`, when given, receives the upstream attempts and last status, for the caller's call log. */
  search(query: SearchQuery, correlationId: string, record?: CallRecord): Promise<SearchResult>;
}

interface Page {
  readonly items: unknown[];
  readonly nextLink?: string;
}

function readPage(reply: UpstreamReply): Page {
  let parsed: unknown;
  try {
    parsed = JSON.parse(reply.body);
  } catch {
    throw invalidUpstreamBody(reply.status);
  }
  const page = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  const items = page['value'];
  if (!Array.isArray(items)) throw invalidUpstreamBody(reply.status);
  const nextLink = page['@odata.nextLink'];
  return { items, ...(typeof nextLink === 'string' && nextLink !== '' ? { nextLink } : {}) };
}

const foreignNextLink = () =>
  new ProblemError({
    status: 502,
    kind: 'upstream-invalid-response',
    title: 'Partner Center sent an unusable next-page link',
    detail:
      'Partner Center pointed the next page of results outside its referral list; the facade did not follow it.',
  });

export function createReferralSearch(list: ReferralList): ReferralSearch {
  async function fetchPage(
    page: PageRequest,
    correlationId: string,
    budget: CallBudget,
  ): Promise<UpstreamReply> {
    try {
      return await list.fetch(page, correlationId, budget);
    } catch (error) {
      if (error instanceof ForeignNextLinkError) throw foreignNextLink();
      throw error;
    }
  }

  return {
    async search(query, correlationId, record) {
      const budget = list.startSearch();
      try {
        return await searchWithin(query, correlationId, budget, record);
      } finally {
        if (record) record.upstreamAttempts += budget.attempts;
      }
    },
  };

  async function searchWithin(
    query: SearchQuery,
    correlationId: string,
    budget: CallBudget,
    record: CallRecord | undefined,
  ): Promise<SearchResult> {
    let reply = await fetchPage(
      { kind: 'first', query: odataQuery(query, { includeUnconfirmed: true }) },
      correlationId,
      budget,
    );
    // A filter the reference does not confirm may be refused: ask again without it and filter here instead.
    if (reply.status === 400 && hasUnconfirmedCriteria(query)) {
      reply = await fetchPage(
        { kind: 'first', query: odataQuery(query, { includeUnconfirmed: false }) },
        correlationId,
        budget,
      );
    }
    const matches: unknown[] = [];
    for (let pages = 1; ; pages++) {
      if (record) record.upstreamStatus = reply.status;
      if (reply.status < 200 || reply.status >= 300) throw upstreamFailure(reply, 'list');
      const page = readPage(reply);
      for (const item of page.items) {
        if (matchesCriteria(item, query)) matches.push(item);
      }
      const done = page.nextLink === undefined;
      if (matches.length >= query.top || done || pages >= MAX_SEARCH_PAGES) {
        const value = matches.slice(0, query.top);
        return {
          value: value as SearchResult['value'],
          count: value.length,
          complete: done && matches.length <= query.top,
        };
      }
      reply = await fetchPage({ kind: 'next', nextLink: page.nextLink }, correlationId, budget);
    }
  }
}
