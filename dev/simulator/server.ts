/**
 * A Partner Center Referrals API simulator, faithful to the reference where the facade depends on it: Bearer
 * auth, GET (one and list), PATCH with only add/replace, the status transition rules, quoted ETags that change
 * on every write, If-Match → 412, and Prefer → 200 with the referral or 204.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { applyPatch, type Operation } from 'fast-json-patch';
import { transitionRefusal } from '../../shared/referral/status';
import { filterPredicate, ODataError, orderComparator, type FilterSupport } from './odata';
import { seedReferrals, type Referral } from './seed';

export interface RecordedCall {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

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
}

export interface Simulator {
  /** Origin to use as PARTNER_CENTER_BASE_URL. */
  readonly url: string;
  /** Every request received, in order. */
  readonly calls: RecordedCall[];
  referral(id: string): Referral | undefined;
  /** Restores the seeded referrals and clears the call log. */
  reset(): void;
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

const partnerError = (
  status: number,
  code: string,
  message: string,
  inner?: { code: string; message: string },
) => ({
  status,
  body: { error: { code, message, ...(inner ? { innerError: inner } : {}) } },
});

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    request.on('error', reject);
  });
}

function flatHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  const seed = options.referrals ?? seedReferrals();
  const store = new Map<string, Referral>();
  const calls: RecordedCall[] = [];
  const reset = () => {
    store.clear();
    for (const referral of seed) store.set(referral.id, withEtag(referral));
    calls.length = 0;
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
    const page = all.slice(skip, skip + top);
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
    const etag = { etag: next.eTag };
    if (/return\s*=\s*representation/i.test(headers['prefer'] ?? ''))
      return { status: 200, body: next, headers: etag };
    return { status: 204, headers: etag };
  }

  async function route(request: IncomingMessage): Promise<Reply> {
    const url = new URL(request.url ?? '/', 'http://simulator');
    const headers = flatHeaders(request);
    const body = await readBody(request);
    calls.push({ method: request.method ?? '', path: url.pathname + url.search, headers, body });
    if (headers['authorization'] !== `Bearer ${options.accessToken}`) {
      return {
        ...partnerError(401, 'unauthenticated', 'A valid App+User bearer token is required'),
        headers: { 'www-authenticate': 'Bearer' },
      };
    }
    if (url.pathname === basePath && request.method === 'GET') return list(url);
    const match = new RegExp(`^${basePath}/([^/]+)$`).exec(url.pathname);
    if (!match?.[1]) return partnerError(404, 'itemNotFound', 'No such resource');
    const id = decodeURIComponent(match[1]);
    if (request.method === 'GET') return read(id);
    if (request.method === 'PATCH') return patch(id, headers, body);
    return partnerError(405, 'invalidRequest', 'Method not allowed');
  }

  function send(response: ServerResponse, reply: Reply): void {
    const requestId = randomUUID();
    const body = reply.body === undefined ? '' : JSON.stringify(reply.body);
    response.writeHead(reply.status, {
      'request-id': requestId,
      ...(body ? { 'content-type': 'application/json; charset=utf-8' } : {}),
      'content-length': String(Buffer.byteLength(body)),
      ...reply.headers,
    });
    response.end(body);
  }

  const server = createServer((request, response) => {
    route(request).then(
      (reply) => {
        send(response, reply);
      },
      () => {
        send(response, partnerError(500, 'generalException', 'Simulator failure'));
      },
    );
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const address = server.address() as AddressInfo;

  return {
    url: `http://${options.host ?? '127.0.0.1'}:${String(address.port)}`,
    calls,
    referral: (id) => {
      const found = store.get(id);
      return found ? structuredClone(found) : undefined;
    },
    reset,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
      }),
  };
}
