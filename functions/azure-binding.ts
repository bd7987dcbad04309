/**
 * The handlers bound to the Azure Functions programming model: each call's HttpRequest and InvocationContext
 * become an InboundRequest and a CallLog, and the handler's answer becomes the HttpResponseInit the host sends.
 */
import type {
  HttpHandler,
  HttpRequest,
  HttpResponseInit,
  InvocationContext,
  StorageQueueHandler,
} from '@azure/functions';
import type { ServicesResolver } from '../shared/app/services';
import type { RenderedResponse } from '../shared/failures/problem';
import { createHandler } from './handlers';
import type { CallLog, InboundRequest } from './inbound';
import type { RouteDefinition } from './routes';
import { createQueueHandler } from './queue-handler';

/** Reads through to the library's request, so nothing is copied that the handler does not ask for. */
function inboundFromFunctions(request: HttpRequest): InboundRequest {
  return {
    method: request.method,
    url: request.url,
    params: request.params,
    header: (name) => request.headers.get(name) ?? undefined,
    query: (name) => request.query.get(name) ?? undefined,
    bytes: async () => Buffer.from(await request.arrayBuffer()),
    text: () => request.text(),
  };
}

function callLogOf(context: InvocationContext): CallLog {
  return {
    info: (message) => {
      context.log(message);
    },
    error: (message) => {
      context.error(message);
    },
  };
}

function toHttpResponse(response: RenderedResponse): HttpResponseInit {
  return {
    status: response.status,
    headers: response.headers,
    ...(response.body === undefined ? {} : { body: response.body }),
  };
}

/** The function the Functions host invokes for a route. */
export function functionsHandler(route: RouteDefinition, services: ServicesResolver): HttpHandler {
  const handler = createHandler(route, services);
  return async (request, context) =>
    toHttpResponse(await handler(inboundFromFunctions(request), callLogOf(context)));
}

/** The function the Functions host invokes for a work queue message (already decoded from base64 JSON). */
export function functionsQueueHandler(services: ServicesResolver): StorageQueueHandler {
  const handler = createQueueHandler(services);
  return (message, context) => handler(message, callLogOf(context));
}
