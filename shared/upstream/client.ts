/**
 * The relay to Partner Center's referrals resource: builds the documented headers, sends one request over a
 * keep-alive connection pool, and reports what came back. It decides nothing about the caller's answer.
 */
import { EventEmitter } from 'node:events';
import { gunzipSync, inflateSync } from 'node:zlib';
import { Agent, errors as undiciErrors, request, type Dispatcher } from 'undici';
import type { AccessTokenSource } from '../credentials';
import { tokenTimeout, type UnreachableReason } from '../failures/failure-map';
import { ProblemError } from '../failures/problem';
import { isMfaRequired, REDACTED } from '../failures/upstream-text';

/** A call on one referral. */
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

/** A read of one page of the referral list, at a URL already checked to be the list on the configured origin. */
export interface ListPageCall {
  readonly method: 'GET';
  readonly listUrl: string;
  readonly correlationId: string;
  readonly requestId: string;
}

/** Creating a referral: `POST /v1.0/engagements/referrals` with the create body. */
export interface CreateCall {
  readonly method: 'POST';
  /** The serialised create body. */
  readonly body: string;
  readonly correlationId: string;
  readonly requestId: string;
}

export type UpstreamCall = ReferralCall | ListPageCall | CreateCall;

export interface UpstreamReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

/** The upstream could not be reached or did not answer in time. */
export class UpstreamUnreachableError extends Error {
  constructor(
    readonly reason: UnreachableReason,
    options?: { cause?: unknown },
  ) {
    super(
      reason === 'timeout' ? 'Partner Center did not answer in time' : 'Partner Center could not be reached',
      options,
    );
    this.name = 'UpstreamUnreachableError';
  }
}

/**
 * No access token could be had (the token source failed, or took longer than the attempt may), so the request
 * was not sent; after a 401, the resend with a renewed token was not.
 */
export class NoTokenError extends Error {
  constructor(
    readonly problem: ProblemError,
    /** Requests this attempt did send before the token was needed again. */
    readonly requestsSent: 0 | 1,
  ) {
    super(problem.message);
    this.name = 'NoTokenError';
  }
}

export interface PartnerCenterClientOptions {
  readonly baseUrl: string;
  readonly tokens: AccessTokenSource;
  /** Longest one attempt may take when the caller does not give a shorter limit. */
  readonly timeoutMs: number;
  readonly dispatcher?: Dispatcher;
}

export interface AttemptLimits {
  /** This attempt's own time limit; the retry layer shortens it to what is left of the call's deadline. */
  readonly timeoutMs?: number;
}

const collectionPath = '/v1.0/engagements/referrals';
const referralsPath = `${collectionPath}/`;
const MAX_REPLY_BYTES = 4 * 1024 * 1024;

export function createUpstreamAgent(): Agent {
  return new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 300_000, connect: { timeout: 10_000 } });
}

export class PartnerCenterClient {
  private readonly dispatcher: Dispatcher;

  constructor(private readonly options: PartnerCenterClientOptions) {
    this.dispatcher = options.dispatcher ?? createUpstreamAgent();
  }

  /** One attempt (plus one resend with a renewed token after a 401); retries are the caller's business. */
  async send(call: UpstreamCall, limits: AttemptLimits = {}): Promise<UpstreamReply> {
    const timeoutMs = Math.max(
      1,
      Math.min(limits.timeoutMs ?? this.options.timeoutMs, this.options.timeoutMs),
    );
    const token = this.options.tokens.readyAccessToken() ?? (await this.tokenWithin(timeoutMs, 0));
    const reply = await this.sendOnce(call, token, timeoutMs);
    if (reply.status === 401 && this.options.tokens.renewable) {
      this.options.tokens.invalidate(
        token,
        isMfaRequired(reply.status, reply.body) ? 'mfa-required' : undefined,
      );
      return this.sendOnce(call, await this.tokenWithin(timeoutMs, 1), timeoutMs);
    }
    return reply;
  }

  /**
   * The token, or a NoTokenError if the source fails or (Key Vault, Entra ID) takes longer than the attempt may:
   * the caller's deadline covers getting credentials too. A slow renewal goes on and serves the next call.
   */
  private async tokenWithin(timeoutMs: number, requestsSent: 0 | 1): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        reject(tokenTimeout());
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.options.tokens.getAccessToken(), late]);
    } catch (error) {
      if (error instanceof ProblemError) throw new NoTokenError(error, requestsSent);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private async sendOnce(call: UpstreamCall, token: string, timeoutMs: number): Promise<UpstreamReply> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      accept: 'application/json',
      // Partner Center, or a gateway before it, may compress; what is accepted here is decoded below.
      'accept-encoding': 'gzip, deflate',
      'ms-correlationid': call.correlationId,
      'ms-requestid': call.requestId,
    };
    let url: string;
    let payload: string | undefined;
    if ('listUrl' in call) {
      url = call.listUrl;
    } else if (call.method === 'POST') {
      url = this.options.baseUrl + collectionPath;
      payload = call.body;
      headers['content-type'] = 'application/json';
    } else {
      url = this.options.baseUrl + referralsPath + encodeURIComponent(call.referralId);
      payload = call.body;
      if (payload !== undefined) headers['content-type'] = 'application/json';
      if (call.returnRepresentation) headers['prefer'] = 'return=representation';
      if (call.ifMatch !== undefined) headers['if-match'] = call.ifMatch;
    }

    // One timer bounds the whole attempt, headers and body together. It is cleared as soon as the attempt ends:
    // AbortSignal.timeout would keep every signal and its timer alive for the full timeout, and under load those
    // survivors were measured to cost CPU and old-generation garbage.
    const attempt = new AttemptSignal();
    const timer = setTimeout(() => {
      attempt.abort(new DOMException('The attempt timed out', 'TimeoutError'));
    }, timeoutMs);
    try {
      const response = await request(url, {
        method: call.method,
        headers,
        body: payload,
        dispatcher: this.dispatcher,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: attempt,
      });
      const raw = await readLimited(response.body);
      const body = scrubbed(decoded(raw, response.headers['content-encoding']), token);
      return { status: response.statusCode, headers: response.headers, body };
    } catch (error) {
      throw new UpstreamUnreachableError(classify(error), { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (!this.options.dispatcher) await this.dispatcher.close();
  }
}

/**
 * The abort signal undici also takes in EventEmitter form (its documented `signal` type). An AbortController
 * costs about 2.5 µs to make and listen to on Node 20, this about 0.05 µs, and one is made per attempt.
 */
class AttemptSignal extends EventEmitter {
  aborted = false;
  /** What undici fails the request with. */
  reason: unknown;

  abort(reason: unknown): void {
    this.aborted = true;
    this.reason = reason;
    this.emit('abort');
  }
}

/** A reply body in a coding the client did not ask for, or that does not decode within the size limit. */
class UndecodableReplyError extends Error {
  constructor(coding: string, options?: { cause?: unknown }) {
    super(`Partner Center answered a body in ${coding} that could not be decoded`, options);
    this.name = 'UndecodableReplyError';
  }
}

/** The body as text, decoded from the content codings the client accepts (RFC 9110 §8.4). */
function decoded(raw: Buffer, contentEncoding: string | string[] | undefined): string {
  const coding = (Array.isArray(contentEncoding) ? contentEncoding.join(',') : (contentEncoding ?? ''))
    .trim()
    .toLowerCase();
  if (coding === '' || coding === 'identity') return raw.toString('utf8');
  const limits = { maxOutputLength: MAX_REPLY_BYTES };
  try {
    if (coding === 'gzip' || coding === 'x-gzip') return gunzipSync(raw, limits).toString('utf8');
    if (coding === 'deflate') return inflateSync(raw, limits).toString('utf8');
  } catch (error) {
    throw new UndecodableReplyError(coding, { cause: error });
  }
  throw new UndecodableReplyError(coding);
}

/**
 * The reply with the access token it was sent with taken out: an upstream or a gateway that echoes the request's
 * Authorization header must not hand the token to whoever reads the reply next (callers, webhook senders, logs).
 * A JSON body may carry it escaped (`\u0065…`), so one with \u escapes is also read as JSON and written back plain
 * when that shows the token; replies without them (nearly all) cost one scan.
 */
function scrubbed(body: string, token: string): string {
  let clean = body.includes(token) ? body.replaceAll(token, REDACTED) : body;
  // Only \u escapes can spell a token's characters another way (its base64url alphabet needs no other escape);
  // checking for any backslash would re-read every referral, whose quoted eTag is always escaped.
  if (clean.includes('\\u')) {
    try {
      const plain = JSON.stringify(JSON.parse(clean));
      if (plain.includes(token)) clean = plain.replaceAll(token, REDACTED);
    } catch {
      // Not JSON: nothing is escaped the JSON way.
    }
  }
  return clean;
}

/** Events rather than an async iterator: one fewer promise per chunk on every reply. */
function readLimited(body: Dispatcher.ResponseData['body']): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let ended = false;
    body.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REPLY_BYTES) {
        body.destroy();
        reject(new Error('Partner Center answered with an oversized body'));
        return;
      }
      chunks.push(chunk);
    });
    body.on('end', () => {
      ended = true;
      resolve(chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks));
    });
    body.on('error', reject);
    // Closed before its end without an error of its own: the reply was cut short. (Checked first: an Error's
    // stack trace on every reply measured about 3 µs.)
    body.on('close', () => {
      if (!ended) reject(new Error('Partner Center closed the reply before its end'));
    });
  });
}

/** Errors raised before any byte of the request could have reached the upstream. */
const connectCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code !== '') return code;
  // Happy-eyeballs connection attempts fail with an AggregateError whose members carry the code.
  return error instanceof AggregateError ? errorCode(error.errors[0]) : undefined;
}

function classify(error: unknown): UnreachableReason {
  if (error instanceof undiciErrors.ConnectTimeoutError) return 'connect';
  if (isTimeout(error)) return 'timeout';
  const code = errorCode(error);
  return code !== undefined && connectCodes.has(code) ? 'connect' : 'connection';
}

function isTimeout(error: unknown): boolean {
  return (
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError ||
    (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) ||
    (error instanceof Error && error.name === 'TimeoutError')
  );
}
