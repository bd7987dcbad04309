/**
 * HTTP glue for the low-code endpoints: the search, the webhook intake and the generated API description. Each
 * reads the request's parts and hands them to shared/.
 */
import type { ServicesResolver } from '../shared/app/services';
import type { CallContext } from '../shared/call/context';
import type { RenderedResponse } from '../shared/failures/problem';
import { openApiDocument } from '../shared/openapi';
import { parseSearchQuery } from '../shared/referral-search/parse-query';
import { readBody } from './body';
import type { InboundRequest } from './inbound';
import { routes } from './routes';
import { statusUrlFor } from './status-url';

const json = (status: number, correlationId: string, body: unknown): RenderedResponse => ({
  status,
  headers: { 'Content-Type': 'application/json', 'MS-CorrelationId': correlationId },
  body: JSON.stringify(body),
});

/** `code` carries the function key when a caller cannot set headers; it is the host's, not a search parameter. */
const hostQueryParameters = new Set(['code']);

export async function searchReferrals(
  request: InboundRequest,
  call: CallContext,
  services: ServicesResolver,
): Promise<RenderedResponse> {
  // From the URL, not request.query: hosts collapse a repeated parameter in that map (the local host keeps the
  // first value, the Functions host joins them with commas), and a repeat must be seen to be refused.
  const query = [...new URL(request.url).searchParams].filter(([name]) => !hostQueryParameters.has(name));
  const criteria = parseSearchQuery(query);
  const result = await services().search.search(call, criteria);
  return json(200, call.correlationId, result);
}

export async function receiveWebhook(
  request: InboundRequest,
  call: CallContext,
  services: ServicesResolver,
): Promise<RenderedResponse> {
  const body = await readBody(request);
  return services()
    .webhooks()
    .receive(call, {
      mappingName: request.params['name'] ?? '',
      body,
      header: (name) => request.header(name),
      statusUrl: statusUrlFor(request),
    });
}

/**
 * The server is the relative `/api`: clients resolve it against the URL they fetched the document from. The
 * request's Host is not reflected into it, so a forged Host cannot point a client's calls elsewhere.
 */
export function describeApi(_request: InboundRequest, call: CallContext): Promise<RenderedResponse> {
  return Promise.resolve(json(200, call.correlationId, openApiDocument(routes, '/api')));
}
