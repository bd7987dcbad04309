/**
 * A Partner Center Referrals API simulator, faithful to the reference where the facade depends on it: Bearer
 * auth, GET (one and list), POST create, PATCH with only add/replace, the status transition rules, quoted ETags that change
 * on every write, If-Match → 412, and Prefer → 200 with the referral or 204.
 */
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closeServer, flatHeaders, listen, readBody } from '../node-http';
import { setTimeout as delay } from 'node:timers/promises';
import { applyPatch, type Operation } from 'fast-json-patch';
import { transitionRefusal } from '../../shared/referral/status';
import { filterPredicate, ODataError, orderComparator, type FilterSupport } from './odata';
import { seedReferrals, type Referral } from './seed';
import { CERTIFICATE_PATH, createEventHub, type SimulatorEvents } from './events';
import { createRegistrationApi } from './registration';

export interface RecordedCall {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * A failure the simulator injects into one request. `status` and `reset` happen before the request is acted on;
 * the others after it, so the write is applied and only the answer goes wrong.
 */
export type Fault =
  /** Answers this status (429, 500, 503, ...) without acting; `headers` can carry Retry-After. */
  | { readonly kind: 'status'; readonly status: number; readonly headers?: Readonly<Record<string, string>> }
  /** Drops the connection before acting. */
  | { readonly kind: 'reset' }
  /**
   * Answers 401 with error code 900421 without acting: Partner Center's answer to an App+User token without an
   * MFA claim (announced for all App+User APIs from 2026; the body's exact shape for the referrals API is not
   * documented, so it takes the referrals API's own error shape).
   */
  | { readonly kind: 'mfa-required' }
  /** Acts, then answers only after `delayMs`. */
  | { readonly kind: 'slow'; readonly delayMs: number }
  /** Acts, then sends the head and half the body and drops the connection. */
  | { readonly kind: 'truncated' }
  /** Acts, then answers a success with a body that is not JSON. */
  | { readonly kind: 'invalid-json' }
  /** Acts, then drops the connection without answering: a write that succeeds but whose response is lost. */
  | { readonly kind: 'lost-response' }
  /**
   * A hostile or broken upstream (or a gateway in front of it): answers exactly this, after acting when `act` is
   * set. In the body, `{authorization}` becomes the request's Authorization header, `{token}` its bare token and
   * `{token-escaped}` the token as JSON \u escapes, as an upstream that echoes what it was sent would.
   */
  | {
      readonly kind: 'answer';
      readonly status: number;
      readonly body?: string;
      readonly headers?: Readonly<Record<string, string>>;
      readonly act?: boolean;
    }
  /** Acts, then answers as usual but gzip-compressed (Content-Encoding: gzip). */
  | { readonly kind: 'gzip' }
  /**
   * Acts, then answers without an ETag header and with the referral's `eTag` property replaced by `value` (left
   * out when undefined): an upstream that gives no version, or one a header cannot carry.
   */
  | { readonly kind: 'etag'; readonly value: string | undefined };

export interface FaultTarget {
  readonly method: string;
  /** The referral id the request is about; undefined for the list. */
  readonly referralId: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
}

/** Decides, per request, whether and how it fails. */
export type FaultPlan = (target: FaultTarget) => Fault | undefined;

export interface SimulatorOptions {
  /** The only bearer token the simulator accepts. */
  readonly accessToken: string;
  readonly referrals?: readonly Referral[];
  readonly port?: number;
  readonly host?: string;
  /** Largest list page (default 100, the documented size); small pages exercise nextLink following. */
  readonly pageSize?: number;
  /** How the list treats `$filter` fields; by default every documented form is applied. */
  readonly filterSupport?: FilterSupport;
  /**
   * List items without their `eTag`: the reference documents `eTag` on a referral read by id (§5.1, §6.2) but not
   * on the list's items (§5.2), so a client must not depend on it there. Off by default (the items carry it).
   */
  readonly listOmitsEtag?: boolean;
  /** Keeps only the latest calls in `calls`, so a long-running demo does not grow without bound. */
  readonly maxRecordedCalls?: number;
  /**
   * The webhook registration API's token (default: one made up at start, `Simulator.registrationAccessToken`).
   * Partner Center's registration API takes a token for another audience than the referrals API (reference
   * events-auth-and-senders.md §3: audience https://api.partnercenter.microsoft.com), so each API refuses the
   * other's token, and the two can never be the same.
   */
  readonly registrationAccessToken?: string;
  /** Wait before an event's next delivery attempt, given the attempts made (default: 1 s doubling to 60 s). */
  readonly eventRetryDelayMs?: number | ((attemptsMade: number) => number);
  /** Longest wait for a receiver's answer to one delivery attempt (default 10 s). */
  readonly eventDeliveryTimeoutMs?: number;
}

export interface Simulator {
  /** Origin to use as PARTNER_CENTER_BASE_URL. */
  readonly url: string;
  /** The only token the webhook registration API accepts (never the referrals API's). */
  readonly registrationAccessToken: string;
  /** Every request received, in order. */
  readonly calls: RecordedCall[];
  referral(id: string): Referral | undefined;
  /** Every referral held, created ones included. */
  referrals(): Referral[];
  /** Changes a referral as another Partner Center user would: the change is stored and the ETag moves on. */
  modify(id: string, change: (referral: Referral) => void): void;
  /** Restores the seeded referrals, clears the call log and removes every fault. */
  reset(): void;
  /** The next requests fail with these faults, one each, in order; then requests are served normally. */
  failNext(...faults: Fault[]): void;
  /** Every request consults `plan` (after any queued `failNext` faults) until `clearFaults`. */
  injectFaults(plan: FaultPlan): void;
  clearFaults(): void;
  /** Faults injected so far, by kind. */
  readonly faultsInjected: Readonly<Record<string, number>>;
  /** TCP connections accepted so far: shows whether clients reuse connections. */
  readonly connections: () => number;
  /** Partner Center's events: the registration made through `/webhooks/v1`, signed deliveries, their attempts. */
  readonly events: SimulatorEvents;
  close(): Promise<void>;
}

const basePath = '/v1.0/engagements/referrals';
const PAGE_SIZE = 100;
/** Fields Partner Center maintains itself; a PATCH may not write them. */
const readOnlyRoots = new Set([
  'id',
  'eTag',
  'engagementId',
  'createdDateTime',
  'updatedDateTime',
  'organizationId',
]);

function withoutEtag(referral: Referral): Referral {
  const copy = { ...referral };
  delete copy['eTag'];
  return copy;
}

function newEtag(): string {
  return `"${randomUUID()}"`;
}

function withEtag(referral: Referral): Referral {
  return { ...structuredClone(referral), eTag: newEtag() };
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** The reply without an ETag header, its referral's `eTag` property replaced (removed when undefined). */
function replyWithEtag(reply: Reply, value: string | undefined): Reply {
  const headers = { ...reply.headers };
  delete headers['etag'];
  const referral =
    typeof reply.body === 'object' && reply.body !== null
      ? { ...(reply.body as Record<string, unknown>) }
      : undefined;
  if (referral) {
    delete referral['eTag'];
    if (value !== undefined) referral['eTag'] = value;
  }
  return {
    status: reply.status,
    ...(referral ? { body: referral } : reply.body === undefined ? {} : { body: reply.body }),
    headers,
  };
}

const partnerError = (
  status: number,
  code: string,
  message: string,
  inner?: { code: string; message: string },
) => ({
  status,
  body: { error: { code, message, ...(inner ? { innerError: inner } : {}) } },
});

export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  const seed = options.referrals ?? seedReferrals();
  const store = new Map<string, Referral>();
  const calls: RecordedCall[] = [];
  const queuedFaults: Fault[] = [];
  let faultPlan: FaultPlan | undefined;
  const faultsInjected: Record<string, number> = {};
  let connections = 0;
  let origin = '';
  const events = createEventHub({
    origin: () => origin,
    ...(options.eventRetryDelayMs === undefined ? {} : { retryDelayMs: options.eventRetryDelayMs }),
    ...(options.eventDeliveryTimeoutMs === undefined
      ? {}
      : { deliveryTimeoutMs: options.eventDeliveryTimeoutMs }),
  });
  const registrationAccessToken = options.registrationAccessToken ?? randomUUID();
  if (registrationAccessToken === options.accessToken) {
    throw new Error('the registration API takes a token of another audience than the referrals API (§3)');
  }
  const registrationApi = createRegistrationApi(events, {
    accessToken: options.accessToken,
    registrationAccessToken,
  });
  const clearFaults = () => {
    queuedFaults.length = 0;
    faultPlan = undefined;
  };
  const reset = () => {
    store.clear();
    for (const referral of seed) store.set(referral.id, withEtag(referral));
    calls.length = 0;
    clearFaults();
    for (const kind of Object.keys(faultsInjected)) faultsInjected[kind] = 0;
    events.reset();
    registrationApi.reset();
  };
  reset();

  function list(url: URL): Reply {
    const pageSize = options.pageSize ?? PAGE_SIZE;
    const top = Math.min(Number(url.searchParams.get('$top') ?? pageSize) || pageSize, pageSize);
    const skip = Number(url.searchParams.get('$skiptoken') ?? 0) || 0;
    const filter = url.searchParams.get('$filter');
    const orderby = url.searchParams.get('$orderby');
    let all = [...store.values()];
    try {
      if (filter) all = all.filter(filterPredicate(filter, options.filterSupport));
      if (orderby) all.sort(orderComparator(orderby));
    } catch (error) {
      if (error instanceof ODataError) return partnerError(400, 'invalidRequest', error.message);
      throw error;
    }
    const page = all
      .slice(skip, skip + top)
      .map((referral) => (options.listOmitsEtag ? withoutEtag(referral) : referral));
    const nextQuery = new URLSearchParams({
      $top: String(top),
      $skiptoken: String(skip + top),
      ...(filter ? { $filter: filter } : {}),
      ...(orderby ? { $orderby: orderby } : {}),
    });
    const next = skip + top < all.length ? { '@odata.nextLink': `${basePath}?${nextQuery.toString()}` } : {};
    return { status: 200, body: { '@odata.count': all.length, value: page, ...next } };
  }

  function read(id: string): Reply {
    const referral = store.get(id);
    if (!referral) return partnerError(404, 'itemNotFound', `Referral ${id} was not found`);
    return {
      status: 200,
      body: { '@odata.context': `${basePath}/$metadata#Referrals/$entity`, ...referral },
      headers: { etag: referral.eTag ?? '' },
    };
  }

  function patch(id: string, headers: Record<string, string>, text: string): Reply {
    const current = store.get(id);
    if (!current) return partnerError(404, 'itemNotFound', `Referral ${id} was not found`);
    const mediaType = headers['content-type']?.split(';')[0]?.trim().toLowerCase();
    if (mediaType !== 'application/json' && mediaType !== 'application/json-patch+json') {
      return partnerError(415, 'invalidRequest', 'Content-Type must be application/json');
    }
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch {
      return partnerError(400, 'invalidRequest', 'The request body is not valid JSON');
    }
    if (!Array.isArray(document) || document.length === 0) {
      return partnerError(400, 'invalidRequest', 'The request body must be a non-empty JSON Patch array');
    }
    const operations = document as Operation[];
    for (const operation of operations) {
      if (operation.op !== 'add' && operation.op !== 'replace') {
        return partnerError(400, 'invalidRequest', 'Only replace and add operations are supported');
      }
      const root = typeof operation.path === 'string' ? operation.path.split('/')[1] : undefined;
      if (root === undefined || readOnlyRoots.has(root)) {
        return partnerError(400, 'invalidRequest', `Path ${operation.path} cannot be updated`);
      }
    }
    const ifMatch = headers['if-match'];
    if (ifMatch !== undefined && ifMatch !== '*' && ifMatch !== current.eTag) {
      return partnerError(412, 'preconditionFailed', 'Precondition failed', {
        code: '99918',
        message: 'Etag value did not Match',
      });
    }
    const next = structuredClone(current);
    try {
      applyPatch(next, operations, true, true, true);
    } catch (error) {
      return partnerError(400, 'invalidRequest', `The patch cannot be applied: ${(error as Error).name}`);
    }
    const refusal = transitionRefusal(current, next);
    if (refusal && (next.status !== current.status || next.substatus !== current.substatus)) {
      return partnerError(400, 'invalidRequest', `Invalid status transition: ${refusal}`);
    }
    next.eTag = newEtag();
    next.updatedDateTime = new Date().toISOString();
    store.set(id, next);
    events.emit('referral-updated', id);
    const etag = { etag: next.eTag };
    if (/return\s*=\s*representation/i.test(headers['prefer'] ?? ''))
      return { status: 200, body: next, headers: etag };
    return { status: 204, headers: etag };
  }

  /**
   * POST create (reference §5.3): `type`, `customerProfile`, `consent` and `details` are required; the service
   * answers the populated referral (the connector documents 200). A partner-created referral is outgoing and
   * comes back Active/Accepted whatever status it was sent with, accepted at its creation time (§3.2, §2.1).
   * An `engagementId` sent is kept: it is how the second step of a shared referral joins the first (§5.3).
   */
  function create(headers: Record<string, string>, text: string): Reply {
    const mediaType = headers['content-type']?.split(';')[0]?.trim().toLowerCase();
    if (mediaType !== 'application/json') {
      return partnerError(415, 'invalidRequest', 'Content-Type must be application/json');
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return partnerError(400, 'invalidRequest', 'The request body is not valid JSON');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return partnerError(400, 'invalidRequest', 'The request body must be a referral object');
    }
    const sent = body as Record<string, unknown>;
    const missing = ['type', 'customerProfile', 'consent', 'details'].filter((name) => sent[name] == null);
    if (missing.length > 0) {
      return partnerError(400, 'invalidRequest', `Required properties are missing: ${missing.join(', ')}`);
    }
    const now = new Date().toISOString();
    const id = randomUUID();
    const referral: Referral = {
      team: [],
      target: [],
      ...structuredClone(sent),
      id,
      engagementId: typeof sent['engagementId'] === 'string' ? sent['engagementId'] : randomUUID(),
      organizationId: '8b2a6c1e-0d3f-4e5a-9b7c-6d8e0f1a2b3c',
      organizationName: 'Contoso Partner Ltd',
      direction: 'Outgoing',
      status: 'Active',
      substatus: 'Accepted',
      createdDateTime: now,
      updatedDateTime: now,
      acceptedDateTime: now,
      expirationDateTime: null,
      registrations: [],
      eTag: newEtag(),
    };
    store.set(id, referral);
    events.emit('referral-created', id);
    return { status: 200, body: referral, headers: { etag: referral.eTag ?? '' } };
  }

  function referralIdOf(url: URL): string | undefined {
    const match = new RegExp(`^${basePath}/([^/]+)$`).exec(url.pathname);
    if (!match?.[1]) return undefined;
    try {
      return decodeURIComponent(match[1]);
    } catch {
      return match[1];
    }
  }

  function act(method: string, url: URL, headers: Record<string, string>, body: string): Reply {
    if (headers['authorization'] !== `Bearer ${options.accessToken}`) {
      return {
        ...partnerError(401, 'unauthenticated', 'A valid App+User bearer token is required'),
        headers: { 'www-authenticate': 'Bearer' },
      };
    }
    if (url.pathname === basePath && method === 'GET') return list(url);
    if (url.pathname === basePath && method === 'POST') return create(headers, body);
    const id = referralIdOf(url);
    if (id === undefined) return partnerError(404, 'itemNotFound', 'No such resource');
    if (method === 'GET') return read(id);
    if (method === 'PATCH') return patch(id, headers, body);
    return partnerError(405, 'invalidRequest', 'Method not allowed');
  }

  function nextFault(target: FaultTarget): Fault | undefined {
    const fault = queuedFaults.shift() ?? faultPlan?.(target);
    if (fault) faultsInjected[fault.kind] = (faultsInjected[fault.kind] ?? 0) + 1;
    return fault;
  }

  function send(response: ServerResponse, reply: Reply): void {
    const body = reply.body === undefined ? '' : JSON.stringify(reply.body);
    sendRaw(response, reply.status, body, reply.headers);
  }

  function sendRaw(
    response: ServerResponse,
    status: number,
    body: string,
    headers: Readonly<Record<string, string>> = {},
  ): void {
    response.writeHead(status, {
      'request-id': randomUUID(),
      ...(body ? { 'content-type': 'application/json; charset=utf-8' } : {}),
      'content-length': String(Buffer.byteLength(body)),
      ...headers,
    });
    response.end(body);
  }

  function answerAs(
    request: IncomingMessage,
    response: ServerResponse,
    fault: Extract<Fault, { kind: 'answer' }>,
  ): void {
    const authorization = request.headers.authorization ?? '';
    const token = authorization.replace(/^Bearer /, '');
    // What a careless upstream would echo: the header, the bare token, or the token JSON-escaped (\u0041…).
    // The token is ASCII (base64url), so one UTF-16 unit is one character.
    const escaped = Array.from(
      { length: token.length },
      (_, index) => `\\u${token.charCodeAt(index).toString(16).padStart(4, '0')}`,
    ).join('');
    const body = (fault.body ?? '')
      .replaceAll('{authorization}', authorization)
      .replaceAll('{token-escaped}', escaped)
      .replaceAll('{token}', token);
    sendHostile(response, fault.status, body, fault.headers);
  }

  /**
   * Written to the socket as given, so a hostile header value (a line break or a control character in an ETag)
   * reaches the client as a misbehaving server would send it; node:http itself would refuse to write it.
   */
  function sendHostile(
    response: ServerResponse,
    status: number,
    body: string,
    headers: Readonly<Record<string, string>> = {},
  ): void {
    const head = [
      `HTTP/1.1 ${String(status)} Hostile`,
      `content-length: ${String(Buffer.byteLength(body))}`,
      ...(body ? ['content-type: application/json'] : []),
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    ];
    response.socket?.end(`${head.join('\r\n')}\r\n\r\n${body}`);
  }

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://simulator');
    const method = request.method ?? '';
    const headers = flatHeaders(request);
    const body = await readBody(request);
    calls.push({ method, path: url.pathname + url.search, headers, body });
    const excess = calls.length - (options.maxRecordedCalls ?? Number.POSITIVE_INFINITY);
    if (excess > 0) calls.splice(0, excess);
    // Partner Center's events live beside the referrals API; the referrals' faults do not apply to them.
    if (url.pathname === CERTIFICATE_PATH && method === 'GET') {
      response.writeHead(200, { 'content-type': 'application/x-pem-file' });
      response.end(events.servedPem);
      return;
    }
    if (registrationApi.handles(url.pathname)) {
      send(response, registrationApi.act(method, url.pathname, headers, body));
      return;
    }
    const fault = nextFault({ method, referralId: referralIdOf(url), headers });
    if (fault?.kind === 'reset') {
      request.socket.destroy();
      return;
    }
    if (fault?.kind === 'answer' && fault.act !== true) {
      answerAs(request, response, fault);
      return;
    }
    if (fault?.kind === 'mfa-required') {
      send(response, {
        ...partnerError(
          401,
          '900421',
          'Multifactor authentication is required: the access token has no MFA claim.',
        ),
        headers: { 'www-authenticate': 'Bearer' },
      });
      return;
    }
    if (fault?.kind === 'status') {
      send(response, {
        ...partnerError(fault.status, 'serviceNotAvailable', 'Injected failure'),
        ...(fault.headers ? { headers: { ...fault.headers } } : {}),
      });
      return;
    }
    const reply = act(method, url, headers, body);
    const succeeded = reply.status >= 200 && reply.status < 300;
    switch (fault?.kind) {
      case 'lost-response':
        request.socket.destroy();
        return;
      case 'slow':
        await delay(fault.delayMs, undefined, { ref: false });
        if (!response.destroyed) send(response, reply);
        return;
      case 'truncated': {
        const text = JSON.stringify(reply.body ?? { truncated: true });
        response.writeHead(reply.status, {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(text)),
        });
        response.write(text.slice(0, Math.floor(text.length / 2)));
        request.socket.destroy();
        return;
      }
      case 'invalid-json':
        if (succeeded) sendRaw(response, 200, '{"id": "' + randomUUID() + '", "status": ', reply.headers);
        else send(response, reply);
        return;
      case 'answer':
        answerAs(request, response, fault);
        return;
      case 'gzip': {
        const zipped = gzipSync(reply.body === undefined ? '' : JSON.stringify(reply.body));
        response.writeHead(reply.status, {
          'content-type': 'application/json; charset=utf-8',
          'content-encoding': 'gzip',
          'content-length': String(zipped.length),
          ...reply.headers,
        });
        response.end(zipped);
        return;
      }
      case 'etag':
        send(response, replyWithEtag(reply, fault.value));
        return;
      case undefined:
        send(response, reply);
    }
  }

  const server = createServer((request, response) => {
    serve(request, response).catch(() => {
      if (!response.headersSent) send(response, partnerError(500, 'generalException', 'Simulator failure'));
    });
  });
  server.on('connection', () => {
    connections++;
  });
  server.keepAliveTimeout = 60_000;
  const port = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  origin = `http://${options.host ?? '127.0.0.1'}:${String(port)}`;

  return {
    url: origin,
    registrationAccessToken,
    calls,
    referral: (id) => {
      const found = store.get(id);
      return found ? structuredClone(found) : undefined;
    },
    referrals: () => [...store.values()].map((referral) => structuredClone(referral)),
    modify: (id, change) => {
      const found = store.get(id);
      if (!found) throw new Error(`no referral ${id}`);
      const next = structuredClone(found);
      change(next);
      next.eTag = newEtag();
      // Partner Center stamps every change, whoever makes it; the events' sweep finds changes by this time.
      next.updatedDateTime = new Date().toISOString();
      store.set(id, next);
      events.emit('referral-updated', id);
    },
    reset,
    failNext: (...faults) => {
      queuedFaults.push(...faults);
    },
    injectFaults: (plan) => {
      faultPlan = plan;
    },
    clearFaults,
    faultsInjected,
    connections: () => connections,
    events,
    close: () => {
      events.close();
      return closeServer(server);
    },
  };
}
