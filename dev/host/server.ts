/**
 * A local stand-in for the Functions host: serves the route table's handlers on node:http. The handlers are the
 * ones Azure runs; only their binding differs. In Azure the library wraps each call in a WHATWG Request; here the
 * handler reads node:http's request directly, which measured 140–153 → 76–85 µs of CPU per close-won
 * (docs/performance.md, optimisation 3).
 * test/handlers runs the same handlers through the library's own HttpRequest and InvocationContext.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { closeServer, listen } from '../node-http';
import { createHandler } from '../../functions/handlers';
import type { CallLog, InboundRequest, RouteHandler } from '../../functions/inbound';
import { matchRoute } from '../../functions/route-matcher';
import { API_PREFIX, routes } from '../../functions/routes';
import type { ServicesResolver } from '../../shared/app/services';
import { callLogLine, startCall } from '../../shared/call/context';
import {
  brokenUpload,
  headersTooLarge,
  payloadTooLarge,
  unreadableRequest,
  uriTooLong,
} from '../../shared/failures/failure-map';
import { ProblemError, renderProblem, type RenderedResponse } from '../../shared/failures/problem';
import { resolveCorrelationId } from '../../shared/http/request';
import { isDeclaredTooLarge, MAX_BODY_BYTES } from '../../shared/http/body-limit';

export interface LocalHostOptions {
  readonly services: ServicesResolver;
  readonly port?: number;
  readonly host?: string;
  /** Receives each log line the functions write; defaults to stdout, written once per turn of the event loop. */
  readonly log?: (level: string, message: string) => void;
}

export interface LocalHost {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The body, read at most a little over the facade's limit so an oversized upload cannot exhaust memory here; or
 * the problem reading it raises (too large, or broken off), which the handler answers and logs like any other.
 */
function readCapped(request: IncomingMessage): Promise<Buffer | ProblemError> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        request.removeAllListeners('data');
        request.resume();
        resolve(payloadTooLarge(MAX_BODY_BYTES));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      // A body that came in one chunk (nearly all of them) is used as it is, not copied.
      resolve(chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks));
    });
    request.on('error', () => {
      resolve(brokenUpload());
    });
  });
}

/** 204 and 304 carry no body and no Content-Length (RFC 9110 §8.6); node:http sends no body for HEAD itself. */
function write(response: ServerResponse, answer: RenderedResponse): void {
  if (answer.status === 204 || answer.status === 304) {
    response.writeHead(answer.status, answer.headers);
    response.end();
    return;
  }
  const body = answer.body ?? '';
  response.writeHead(answer.status, { ...answer.headers, 'Content-Length': String(Buffer.byteLength(body)) });
  response.end(body);
}

/** The longest request target served; a longer one gets 414. */
export const MAX_REQUEST_TARGET = 8 * 1024;
/** Headers (request line included) node:http reads before it gives up with 431; above the target limit. */
const MAX_HEADER_BYTES = 64 * 1024;

/** An answer node:http's own parser gives for a request it could not read, as problem+json on the raw socket. */
function parserFailureAnswer(error: Error & { code?: string }): string {
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const problem = tooLarge ? headersTooLarge(MAX_HEADER_BYTES) : unreadableRequest();
  const rendered = renderProblem(problem.problem, randomUUID());
  const body = rendered.body ?? '';
  const head = [
    `HTTP/1.1 ${String(rendered.status)} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}`,
    ...Object.entries(rendered.headers).map(([name, value]) => `${name}: ${value}`),
    `Content-Length: ${String(Buffer.byteLength(body))}`,
    'Connection: close',
  ];
  return `${head.join('\r\n')}\r\n\r\n${body}`;
}

/**
 * Every value of a repeated header, joined with ", " as the library's WHATWG Headers join them (RFC 9110 §5.3).
 * `request.headers` would keep only the first of a repeated Content-Type, Authorization and a few others.
 */
function headerOf(request: IncomingMessage, name: string): string | undefined {
  return request.headersDistinct[name]?.join(', ');
}

/** `body` is the problem reading it raised, if it did: the handler that reads it then answers and logs that. */
function inboundFromNode(
  request: IncomingMessage,
  url: URL,
  params: Readonly<Record<string, string>>,
  body: Buffer | ProblemError,
): InboundRequest {
  const bytes = (): Promise<Buffer> =>
    body instanceof ProblemError ? Promise.reject(body) : Promise.resolve(body);
  return {
    method: request.method ?? 'GET',
    url: url.href,
    params,
    header: (name) => headerOf(request, name),
    // Like the library when the host gives no query map: the URL's first value of a repeated parameter.
    query: (name) => url.searchParams.get(name) ?? undefined,
    bytes,
  };
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

/**
 * Stdout is written synchronously for files and pipes, one system call per write: batching the lines of one turn
 * of the event loop makes one write of many under load (with stdout on /dev/null the saving was within the noise,
 * about 1 µs per call; a pipe or a terminal costs more per write). Lines still pending at exit are written then.
 */
function batchedStdout(): { log: (level: string, message: string) => void; stop: () => void } {
  let pending: string[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const lines = `${pending.join('\n')}\n`;
    pending = [];
    process.stdout.write(lines);
  };
  process.on('exit', flush);
  return {
    log: (_level, message) => {
      if (pending.length === 0) setImmediate(flush);
      pending.push(message);
    },
    stop: () => {
      flush();
      process.off('exit', flush);
    },
  };
}

export async function startLocalHost(options: LocalHostOptions): Promise<LocalHost> {
  // The default sink only: a caller's own log needs no buffer and no exit hook.
  const { log, stop: stopLog } = options.log ? { log: options.log, stop: () => undefined } : batchedStdout();
  const handlers = new Map<string, RouteHandler>(
    routes.map((route) => [route.name, createHandler(route, options.services)]),
  );
  const fallbackHandler = handlers.get('fallback');
  if (!fallbackHandler) throw new Error('the route table has no fallback route');
  const fallback: RouteHandler = fallbackHandler;
  const callLog: CallLog = {
    info: (message) => {
      log('information', message);
    },
    error: (message) => {
      log('error', message);
    },
  };

  /** A request refused before any route sees it, answered and logged as a call. */
  function refuse(request: IncomingMessage, response: ServerResponse, problem: ProblemError): void {
    const call = startCall({
      correlationId: resolveCorrelationId(headerOf(request, 'ms-correlationid')),
      route: 'local-host',
      method: request.method ?? 'GET',
      log: callLog,
    });
    const answer = renderProblem(problem.problem, call.correlationId);
    response.shouldKeepAlive = false;
    write(response, answer);
    callLog.info(callLogLine(call, answer.status));
  }

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if ((request.url ?? '').length > MAX_REQUEST_TARGET) {
      refuse(request, response, uriTooLong(MAX_REQUEST_TARGET));
      return;
    }
    const url = requestUrl(request);
    const method = request.method ?? 'GET';
    const match = url.pathname.startsWith(API_PREFIX)
      ? matchRoute(method, url.pathname.slice(API_PREFIX.length))
      : ({ kind: 'not-found' } as const);
    const handler = match.kind === 'matched' ? (handlers.get(match.route.name) ?? fallback) : fallback;

    // A body declared over the limit is not read at all: the handler answers 413 from the declared length, and
    // the connection closes rather than draining the upload.
    const declaredTooLarge = isDeclaredTooLarge(request.headers['content-length']);
    if (declaredTooLarge) response.shouldKeepAlive = false;
    const body =
      method === 'GET' || method === 'HEAD'
        ? Buffer.alloc(0)
        : declaredTooLarge
          ? payloadTooLarge(MAX_BODY_BYTES)
          : await readCapped(request);
    const params = match.kind === 'matched' ? match.params : {};
    write(response, await handler(inboundFromNode(request, url, params, body), callLog));
  }

  const answer = (request: IncomingMessage, response: ServerResponse) => {
    serve(request, response).catch((error: unknown) => {
      log('error', `local host failure: ${error instanceof Error ? error.name : 'unknown'}`);
      if (!response.headersSent) write(response, { status: 500, headers: {} });
      else response.destroy();
    });
  };
  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, answer);
  // Expect: 100-continue is answered 100 only when the declared body is within the limit; otherwise the 413 comes
  // at once and the body is never sent.
  server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => {
    if (!isDeclaredTooLarge(request.headers['content-length'])) response.writeContinue();
    answer(request, response);
  });
  server.on('clientError', (error: Error & { code?: string }, socket: Duplex) => {
    if (socket.writable && error.code !== 'ECONNRESET') socket.end(parserFailureAnswer(error));
    else socket.destroy();
  });
  server.keepAliveTimeout = 60_000;
  let port: number;
  try {
    port = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  } catch (error) {
    stopLog();
    throw error;
  }
  return {
    url: `http://${options.host === '0.0.0.0' ? '127.0.0.1' : (options.host ?? '127.0.0.1')}:${String(port)}`,
    close: async () => {
      await closeServer(server);
      stopLog();
    },
  };
}
