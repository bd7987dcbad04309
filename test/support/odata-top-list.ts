/**
 * A referral list that treats `$top` the way OData defines it (a limit on the whole result: the service stops
 * after that many and sends no nextLink beyond it), paging at 100 like Partner Center's list. The simulator
 * treats `$top` as a page size instead; this fake exists so the search is also checked against the standard
 * semantics. It speaks real HTTP so that the facade's real client, relay and nextLink checks are used.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const PAGE_SIZE = 100;
const listPath = '/v1.0/engagements/referrals';

export interface ODataTopList {
  readonly url: string;
  /** The query string of every list request, in order. */
  readonly requests: URLSearchParams[];
  close(): Promise<void>;
}

/** Serves `count` New referrals, newest change first; only `status eq '…'` filters are understood. */
export async function startODataTopList(count: number): Promise<ODataTopList> {
  const referrals = Array.from({ length: count }, (_, index) => ({
    id: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
    status: 'New',
    substatus: 'Pending',
    updatedDateTime: new Date(Date.UTC(2026, 0, 1) + (count - index) * 60_000).toISOString(),
  }));
  const requests: URLSearchParams[] = [];
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://list');
    if (request.method !== 'GET' || url.pathname !== listPath) {
      response.writeHead(404).end();
      return;
    }
    requests.push(url.searchParams);
    const status = /^status eq '(\w+)'$/.exec(url.searchParams.get('$filter') ?? '')?.[1];
    const matching = referrals.filter((referral) => status === undefined || referral.status === status);
    const top = url.searchParams.has('$top') ? Number(url.searchParams.get('$top')) : Infinity;
    const limited = matching.slice(0, top);
    const skip = Number(url.searchParams.get('$skiptoken') ?? 0);
    const page = limited.slice(skip, skip + PAGE_SIZE);
    const next = new URLSearchParams(url.searchParams);
    next.set('$skiptoken', String(skip + PAGE_SIZE));
    response.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        value: page,
        ...(skip + PAGE_SIZE < limited.length ? { '@odata.nextLink': `${listPath}?${next.toString()}` } : {}),
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${String(port)}`,
    requests,
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
