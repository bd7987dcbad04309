/**
 * Reads pages of Partner Center's referral list (`GET /v1.0/engagements/referrals` with OData options) through
 * the same client, connection pool and retrying relay as every other call. `@odata.nextLink` is followed only
 * back to the same origin and resource, so the access token never leaves for a host the upstream names.
 */
import { randomUUID } from 'node:crypto';
import type { CallContext } from '../call/context';
import type { RelayResult, RetryingRelay } from './retrying-relay';

export type PageRequest =
  | { readonly kind: 'first'; readonly query: Readonly<Record<string, string>> }
  | { readonly kind: 'next'; readonly nextLink: string };

const listPath = '/v1.0/engagements/referrals';

/** A nextLink that points anywhere but the referral list of the configured origin. */
export class ForeignNextLinkError extends Error {
  constructor() {
    super('Partner Center returned a next-page link outside its referral list');
    this.name = 'ForeignNextLinkError';
  }
}

/** The URL of one page; relative nextLinks resolve against the list URL. */
export function pageUrl(baseUrl: string, page: PageRequest): URL {
  const base = new URL(baseUrl + listPath);
  if (page.kind === 'first') {
    for (const [name, value] of Object.entries(page.query)) base.searchParams.set(name, value);
    return base;
  }
  let next: URL;
  try {
    next = new URL(page.nextLink, base);
  } catch {
    throw new ForeignNextLinkError();
  }
  if (next.origin !== base.origin || next.pathname !== base.pathname) throw new ForeignNextLinkError();
  return next;
}

export class ReferralList {
  constructor(
    private readonly baseUrl: string,
    private readonly relay: RetryingRelay,
  ) {}

  /** One page, as the retry layer reports it; every page of one search shares the call's deadline. */
  fetch(call: CallContext, page: PageRequest): Promise<RelayResult> {
    return this.relay.send(
      call,
      {
        method: 'GET',
        listUrl: pageUrl(this.baseUrl, page).href,
        correlationId: call.correlationId,
        requestId: randomUUID(),
      },
      { replaySafe: true },
    );
  }
}
