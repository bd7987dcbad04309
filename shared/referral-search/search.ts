/**
 * Finding referrals: plain criteria → OData → pages of the upstream list, followed up to a bound and checked again
 * here, so a filter the service ignores or refuses cannot widen the result.
 */
import { z } from 'zod';
import type { CallContext } from '../call/context';
import { foreignNextLink, invalidUpstreamBody, upstreamFailure } from '../failures/failure-map';
import { referralSchema } from '../referral/referral-schema';
import { normalizeReferral } from '../referral/representation';
import type { UpstreamReply } from '../upstream/client';
import { ForeignNextLinkError, type PageRequest, type ReferralList } from '../upstream/referral-list';
import type { RelayResult } from '../upstream/retrying-relay';
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
  search(call: CallContext, query: SearchQuery): Promise<SearchResult>;
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

/** Any status, as Partner Center answered it: a 400 may be answered by asking again without a filter. */
type PageAnswer = Extract<RelayResult, { outcome: 'answered' }>;

export function createReferralSearch(list: ReferralList): ReferralSearch {
  async function fetchPage(call: CallContext, page: PageRequest): Promise<PageAnswer> {
    let result;
    try {
      result = await list.fetch(call, page);
    } catch (error) {
      if (error instanceof ForeignNextLinkError) throw foreignNextLink();
      throw error;
    }
    if (result.outcome === 'answered') return result;
    throw upstreamFailure(result, call.upstreamAttempts, { kind: 'search' });
  }

  return {
    async search(call, query) {
      let answer = await fetchPage(call, {
        kind: 'first',
        query: odataQuery(query, { includeUnconfirmed: true }),
      });
      // A filter the reference does not confirm may be refused: ask again without it and filter here instead.
      if (answer.reply.status === 400 && hasUnconfirmedCriteria(query)) {
        answer = await fetchPage(call, {
          kind: 'first',
          query: odataQuery(query, { includeUnconfirmed: false }),
        });
      }
      const matches: unknown[] = [];
      for (let pages = 1; ; pages++) {
        const { reply } = answer;
        if (reply.status < 200 || reply.status >= 300) {
          throw upstreamFailure(answer, call.upstreamAttempts, { kind: 'search' });
        }
        const page = readPage(reply);
        for (const item of page.items) {
          if (matchesCriteria(item, query)) matches.push(item);
        }
        const done = page.nextLink === undefined;
        if (matches.length >= query.top || done || pages >= MAX_SEARCH_PAGES) {
          // Answers carry amounts as decimal strings, as a single referral's answer does.
          const value = matches.slice(0, query.top).map(normalizeReferral);
          return {
            value: value as SearchResult['value'],
            count: value.length,
            complete: done && matches.length <= query.top,
          };
        }
        answer = await fetchPage(call, { kind: 'next', nextLink: page.nextLink });
      }
    },
  };
}
