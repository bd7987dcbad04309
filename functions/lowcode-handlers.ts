/**
 * HTTP glue for the low-code endpoints: the search, the webhook intake and the generated API description. Each
 * reads the request's parts and hands them to shared/.
 */
import type { CallRecord } from '../shared/facade/referrals-facade';
import type { ServicesResolver } from '../shared/facade/services';
import type { RenderedResponse } from '../shared/http/problem';
import { checkDeclaredLength } from '../shared/http/request';
import { openApiDocument } from '../shared/openapi';
import { parseSearchQuery } from '../shared/referral-search/parse-query';
import type { InboundRequest } from './inbound';
import { routes } from './routes';

const json = (status: number, correlationId: string, body: unknown): RenderedResponse => ({
  status,
  headers: { 'Content-Type': 'application/json', 'MS-CorrelationId': correlationId },
  body: JSON.stringify(body),
});

/** `code` carries the function key when a caller cannot set headers; it is the host's, not a search parameter. */
const hostQueryParameters = new Set(['code']);

export async function searchReferrals(
  request: InboundRequest,
  correlationId: string,
  services: ServicesResolver,
  record: CallRecord,
): Promise<RenderedResponse> {
  // From the URL, not request.query: hosts collapse a repeated parameter in that map (the local host keeps the
  // first value, the Functions host joins them with commas), and a repeat must be seen to be refused.
  const query = [...new URL(request.url).searchParams].filter(([name]) => !hostQueryParameters.has(name));
  const criteria = parseSearchQuery(query);
  const result = await services().search.search(criteria, correlationId, record);
  return json(200, correlationId, result);
}

export async function receiveWebhook(
  request: InboundRequest,
  correlationId: string,
  services: ServicesResolver,
  record: CallRecord,
): Promise<RenderedResponse> {
  checkDeclaredLength(request.header('content-length'));
  const intake = services().webhooks();
  return intake.receive({
    mappingName: request.params['name'] ?? '',
    body: await request.bytes(),
    header: (name) => request.header(name),
    correlationId,
    record,
  });
}

export function describeApi(request: InboundRequest, correlationId: string): Promise<RenderedResponse> {
  const serverUrl = `${new URL(request.url).origin}/api`;
  return Promise.resolve(json(200, correlationId, openApiDocument(routes, serverUrl)));
}
