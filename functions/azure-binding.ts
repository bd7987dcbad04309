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
import { brokenUpload, payloadTooLarge } from '../shared/failures/failure-map';
import { ProblemError, type RenderedResponse } from '../shared/failures/problem';
import { MAX_BODY_BYTES } from '../shared/http/body-limit';
import { createHandler } from './handlers';
import type { CallLog, InboundRequest } from './inbound';
import type { RouteDefinition } from './routes';
import { createQueueHandler, type QueueHandler } from './queue-handler';

/**
 * The body as a stream, read only up to the facade's limit: with HTTP streaming on (functions/index.ts), a body
 * sent without Content-Length would otherwise be buffered whole, whatever its size. A stream that breaks off (the
 * caller went away) is the caller's 400, not the facade's 500.
 */
async function boundedBytes(request: HttpRequest): Promise<Buffer> {
  // The library types the stream without its chunk type; the Fetch standard makes request bodies byte streams.
  const body = request.body as ReadableStream<Uint8Array> | null;
  if (!body) return Buffer.alloc(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      size += chunk.value.byteLength;
      if (size > MAX_BODY_BYTES) {
        await reader.cancel();
        throw payloadTooLarge(MAX_BODY_BYTES);
      }
      chunks.push(chunk.value);
    }
  } catch (error) {
    if (error instanceof ProblemError) throw error;
    throw brokenUpload();
  }
  return Buffer.concat(chunks);
}

/** Reads through to the library's request, so nothing is copied that the handler does not ask for. */
function inboundFromFunctions(request: HttpRequest): InboundRequest {
  return {
    method: request.method,
    url: request.url,
    params: request.params,
    header: (name) => request.headers.get(name) ?? undefined,
    query: (name) => request.query.get(name) ?? undefined,
    bytes: () => boundedBytes(request),
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
/** A queue trigger's handler over one of the queue glues (the operations' worker, the events' worker). */
export function functionsQueueHandler(
  services: ServicesResolver,
  glue: (services: ServicesResolver) => QueueHandler = createQueueHandler,
): StorageQueueHandler {
  const handler = glue(services);
  return (message, context) => handler(message, callLogOf(context));
}
