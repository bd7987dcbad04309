/**
 * The relay to Partner Center's referrals resource: builds the documented headers, sends one request over a
 * keep-alive connection pool, and reports what came back. It decides nothing about the caller's answer.
 */
import { Agent, errors as undiciErrors, request, type Dispatcher } from 'undici';
import type { AccessTokenSource } from '../credentials';

export interface ReferralCall {
  readonly method: 'GET' | 'PATCH';
  readonly referralId: string;
  /** A serialised JSON Patch document, for PATCH. */
  readonly body?: string;
  readonly returnRepresentation?: boolean;
  readonly ifMatch?: string;
  readonly correlationId: string;
  /** Partner Center's idempotency key: one per logical call, the same on every retry of it. */
  readonly requestId: string;
}

export interface UpstreamReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

/** The upstream could not be reached or did not answer in time; nothing is known about whether it acted. */
export class UpstreamUnreachableError extends Error {
  constructor(
    readonly reason: 'timeout' | 'connection',
    options?: { cause?: unknown },
  ) {
    super(
      reason === 'timeout' ? 'Partner Center did not answer in time' : 'Partner Center could not be reached',
      options,
    );
    this.name = 'UpstreamUnreachableError';
  }
}

export interface PartnerCenterClientOptions {
  readonly baseUrl: string;
  readonly tokens: AccessTokenSource;
  readonly timeoutMs: number;
  readonly dispatcher?: Dispatcher;
}

const referralsPath = '/v1.0/engagements/referrals/';
const MAX_REPLY_BYTES = 4 * 1024 * 1024;

export function createUpstreamAgent(): Agent {
  return new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 300_000, connect: { timeout: 10_000 } });
}

export class PartnerCenterClient {
  private readonly dispatcher: Dispatcher;

  constructor(private readonly options: PartnerCenterClientOptions) {
    this.dispatcher = options.dispatcher ?? createUpstreamAgent();
  }

  async send(call: ReferralCall): Promise<UpstreamReply> {
    const token = await this.options.tokens.getAccessToken();
    const reply = await this.sendOnce(call, token);
    if (reply.status === 401 && this.options.tokens.renewable) {
      this.options.tokens.invalidate(token);
      return this.sendOnce(call, await this.options.tokens.getAccessToken());
    }
    return reply;
  }

  private async sendOnce(call: ReferralCall, token: string): Promise<UpstreamReply> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      accept: 'application/json',
      'ms-correlationid': call.correlationId,
      'ms-requestid': call.requestId,
    };
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    if (call.returnRepresentation) headers['prefer'] = 'return=representation';
    if (call.ifMatch !== undefined) headers['if-match'] = call.ifMatch;

    const url = this.options.baseUrl + referralsPath + encodeURIComponent(call.referralId);
    try {
      const response = await request(url, {
        method: call.method,
        headers,
        body: call.body,
        dispatcher: this.dispatcher,
        headersTimeout: this.options.timeoutMs,
        bodyTimeout: this.options.timeoutMs,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      const body = await readLimited(response.body);
      return { status: response.statusCode, headers: response.headers, body };
    } catch (error) {
      throw new UpstreamUnreachableError(isTimeout(error) ? 'timeout' : 'connection', { cause: error });
    }
  }

  async close(): Promise<void> {
    if (!this.options.dispatcher) await this.dispatcher.close();
  }
}

async function readLimited(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REPLY_BYTES) {
      body.destroy();
      throw new Error('Partner Center answered with an oversized body');
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function isTimeout(error: unknown): boolean {
  return (
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError ||
    error instanceof undiciErrors.ConnectTimeoutError ||
    (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) ||
    (error instanceof Error && error.name === 'TimeoutError')
  );
}
