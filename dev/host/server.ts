/**
 * A local stand-in for the Functions host: serves the route table's handlers on node:http. Each request becomes
 * the library's own `HttpRequest` and `InvocationContext`, so what runs here is exactly what runs in Azure.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closeServer, flatHeaders, listen } from '../node-http';
import { HttpRequest, InvocationContext, type HttpHandler, type HttpResponseInit } from '@azure/functions';
import { createHandler } from '../../functions/handlers';
import { matchRoute } from '../../functions/route-matcher';
import { API_PREFIX, routes } from '../../functions/routes';
import type { ServicesResolver } from '../../shared/facade/services';
import { renderProblem } from '../../shared/http/problem';
import { MAX_BODY_BYTES, payloadTooLarge, resolveCorrelationId } from '../../shared/http/request';

export interface LocalHostOptions {
  readonly services: ServicesResolver;
  readonly port?: number;
  readonly host?: string;
  /** Receives each log line the functions write; defaults to stdout. */
  readonly log?: (level: string, message: string) => void;
}

export interface LocalHost {
  readonly url: string;
  close(): Promise<void>;
}

/** Reads at most a little over the facade's limit, so an oversized upload cannot exhaust memory here. */
function readCapped(request: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        request.removeAllListeners('data');
        request.resume();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      resolve(Buffer.concat(chunks));
    });
    request.on('error', reject);
  });
}

function write(response: ServerResponse, init: HttpResponseInit): void {
  const body =
    typeof init.body === 'string'
      ? init.body
      : init.jsonBody === undefined
        ? ''
        : JSON.stringify(init.jsonBody);
  const headers = (init.headers ?? {}) as Record<string, string>;
  response.writeHead(init.status ?? 200, { ...headers, 'Content-Length': String(Buffer.byteLength(body)) });
  response.end(body);
}

/** The request's URL on the host the caller named; a malformed Host header falls back to localhost. */
function requestUrl(request: IncomingMessage): URL {
  const path = request.url ?? '/';
  try {
    return new URL(path, `http://${request.headers.host ?? 'localhost'}`);
  } catch {
    return new URL(path, 'http://localhost');
  }
}

export async function startLocalHost(options: LocalHostOptions): Promise<LocalHost> {
  const log = options.log ?? ((_level: string, message: string) => process.stdout.write(`${message}\n`));
  const handlers = new Map<string, HttpHandler>(
    routes.map((route) => [route.name, createHandler(route, options.services)]),
  );
  const fallbackHandler = handlers.get('fallback');
  if (!fallbackHandler) throw new Error('the route table has no fallback route');
  const fallback: HttpHandler = fallbackHandler;

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = requestUrl(request);
    const method = request.method ?? 'GET';
    const match = url.pathname.startsWith(API_PREFIX)
      ? matchRoute(method, url.pathname.slice(API_PREFIX.length))
      : ({ kind: 'not-found' } as const);
    const handler = match.kind === 'matched' ? (handlers.get(match.route.name) ?? fallback) : fallback;
    const functionName = match.kind === 'matched' ? match.route.name : 'fallback';

    const body = method === 'GET' || method === 'HEAD' ? Buffer.alloc(0) : await readCapped(request);
    if (body === undefined) {
      const correlationId = resolveCorrelationId(request.headers['ms-correlationid'] as string | undefined);
      const problem = renderProblem(payloadTooLarge().problem, correlationId);
      write(response, { status: problem.status, headers: problem.headers, body: problem.body ?? '' });
      return;
    }
    const httpRequest = new HttpRequest({
      method,
      url: url.toString(),
      headers: flatHeaders(request),
      // No `query`: the library then reads the URL itself, keeping repeated parameters as the host does.
      params: match.kind === 'matched' ? match.params : {},
      ...(body.length > 0 ? { body: { bytes: body } } : {}),
    });
    const context = new InvocationContext({
      invocationId: randomUUID(),
      functionName,
      logHandler: (level, ...args) => {
        log(level, args.map(String).join(' '));
      },
    });
    const result = await handler(httpRequest, context);
    write(response, result);
  }

  const server = createServer((request, response) => {
    serve(request, response).catch((error: unknown) => {
      log('error', `local host failure: ${error instanceof Error ? error.name : 'unknown'}`);
      if (!response.headersSent) write(response, { status: 500 });
      else response.destroy();
    });
  });
  server.keepAliveTimeout = 60_000;
  const port = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  return {
    url: `http://${options.host === '0.0.0.0' ? '127.0.0.1' : (options.host ?? '127.0.0.1')}:${String(port)}`,
    close: () => closeServer(server),
  };
}
