/**
 * Reads pages of Partner Center's referral list (`GET /v1.0/engagements/referrals` with OData options), and
 * follows `@odata.nextLink` only back to the same origin and resource, so the access token never leaves for a
 * host the upstream names.
 */
import { randomUUID } from 'node:crypto';
import { request, type Dispatcher } from 'undici';
import type { AccessTokenSource } from '../credentials';
import { createUpstreamAgent, UpstreamUnreachableError, type UpstreamReply } from './client';

export interface ReferralListClientOptions {
  readonly baseUrl: string;
  readonly tokens: AccessTokenSource;
  readonly timeoutMs: number;
  readonly dispatcher?: Dispatcher;
}

export type PageRequest =
  | { readonly kind: 'first'; readonly query: Readonly<Record<string, string>> }
  | { readonly kind: 'next'; readonly nextLink: string };

const listPath = '/v1.0/engagements/referrals';
const MAX_REPLY_BYTES = 8 * 1024 * 1024;

/** A nextLink that points anywhere but the referral list of the configured origin. */
export class ForeignNextLinkError extends Error {
  constructor() {
    super('Partner Center returned a next-page link outside its referral list');
    this.name = 'ForeignNextLinkError';
  }
}

export class ReferralListClient {
  private readonly dispatcher: Dispatcher;
  private readonly origin: string;

  constructor(private readonly options: ReferralListClientOptions) {
    this.dispatcher = options.dispatcher ?? createUpstreamAgent();
    this.origin = new URL(options.baseUrl).origin;
  }

  /** The URL of one page; relative nextLinks resolve against the list URL. */
  pageUrl(page: PageRequest): URL {
    const base = new URL(this.options.baseUrl + listPath);
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
    if (next.origin !== this.origin || next.pathname !== base.pathname) throw new ForeignNextLinkError();
    return next;
  }

  async fetch(page: PageRequest, correlationId: string): Promise<UpstreamReply> {
    const url = this.pageUrl(page);
    const token = await this.options.tokens.getAccessToken();
    const reply = await this.fetchOnce(url, token, correlationId);
    if (reply.status === 401 && this.options.tokens.renewable) {
      this.options.tokens.invalidate(token);
      return this.fetchOnce(url, await this.options.tokens.getAccessToken(), correlationId);
    }
    return reply;
  }

  private async fetchOnce(url: URL, token: string, correlationId: string): Promise<UpstreamReply> {
    try {
      const response = await request(url, {
        method: 'GET',
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          'ms-correlationid': correlationId,
          'ms-requestid': randomUUID(),
        },
        dispatcher: this.dispatcher,
        headersTimeout: this.options.timeoutMs,
        bodyTimeout: this.options.timeoutMs,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > MAX_REPLY_BYTES) {
          response.body.destroy();
          throw new Error('Partner Center answered with an oversized page');
        }
        chunks.push(chunk);
      }
      return {
        status: response.statusCode,
        headers: response.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
    } catch (error) {
      const timeout = error instanceof Error && /timeout|abort/i.test(error.name);
      throw new UpstreamUnreachableError(timeout ? 'timeout' : 'connection', { cause: error });
    }
  }

  async close(): Promise<void> {
    if (!this.options.dispatcher) await this.dispatcher.close();
  }
}
