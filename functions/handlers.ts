/**
 * HTTP glue: read the request, call the shared library, write the answer. One handler per route kind. They read
 * calls through `InboundRequest`, so the Functions binding and the local host run exactly this code.
 */
import type { ServicesResolver } from '../shared/app/services';
import { callLogLine, startCall, type CallContext, type CallLog } from '../shared/call/context';
import { prepareCreate, preparePatch, prepareSync } from '../shared/facade/prepare-patch';
import { internalError, methodNotAllowed, routeNotFound } from '../shared/failures/failure-map';
import { ProblemError, renderProblem, type RenderedResponse } from '../shared/failures/problem';
import { checkOperations, checkReadiness } from '../shared/health/readiness';
import { checkOperationId, operationStateSchema } from '../shared/durable/operations';
import { normalizeIfMatch, refuseUnsupportedPreconditions } from '../shared/http/etag';
import {
  decodeJsonBody,
  parseIdempotencyKey,
  parseReferralId,
  resolveCorrelationId,
  asyncRequest,
  wantsRepresentation,
} from '../shared/http/request';
import { invalidRequest } from '../shared/failures/failure-map';
import { readBody } from './body';
import { statusUrlFor } from './status-url';
import type { InboundRequest, RouteHandler } from './inbound';
import { describeApi, receiveWebhook, searchReferrals } from './lowcode-handlers';
import { matchRoute } from './route-matcher';
import { API_PREFIX, type RouteDefinition } from './routes';
import { version } from '../package.json';

type Work = (request: InboundRequest, call: CallContext) => Promise<RenderedResponse>;

/**
 * Runs one call: makes its context, turns every failure into problem+json, and ends with the one log line the
 * context describes.
 */
function handle(routeName: string, work: Work): RouteHandler {
  return async (request: InboundRequest, log: CallLog) => {
    const routeId = request.params['id'];
    const call = startCall({
      correlationId: resolveCorrelationId(request.header('ms-correlationid')),
      route: routeName,
      method: request.method,
      log,
      ...(routeId === undefined ? {} : { referralId: routeId }),
    });
    let response: RenderedResponse;
    try {
      response = await work(request, call);
    } catch (error) {
      response = renderProblem(problemOf(error, call).problem, call.correlationId);
    }
    log.info(callLogLine(call, response.status));
    return response;
  };
}

function problemOf(error: unknown, call: CallContext): ProblemError {
  if (error instanceof ProblemError) return error;
  call.log.error(
    `unexpected failure in ${call.route}: ${error instanceof Error ? error.name : typeof error}`,
  );
  return internalError(call.correlationId);
}

async function readJsonBody(request: InboundRequest, optional: boolean): Promise<unknown> {
  return decodeJsonBody({
    contentType: request.header('content-type'),
    contentEncoding: request.header('content-encoding'),
    bytes: await readBody(request),
    optional,
  });
}

function fallback(request: InboundRequest): never {
  const path = new URL(request.url).pathname;
  const below = path.startsWith(API_PREFIX) ? path.slice(API_PREFIX.length) : undefined;
  const match = below === undefined ? undefined : matchRoute(request.method, below);
  if (match?.kind === 'method-not-allowed') throw methodNotAllowed(path, request.method, match.allowed);
  throw routeNotFound(path);
}

const jsonAnswer = (
  call: CallContext,
  status: number,
  body: unknown,
  extra: Record<string, string> = {},
) => ({
  status,
  headers: { 'Content-Type': 'application/json', 'MS-CorrelationId': call.correlationId, ...extra },
  body: JSON.stringify(body),
});

function operationState(raw: string | undefined) {
  const parsed = operationStateSchema.safeParse(raw ?? 'failed');
  if (parsed.success) return parsed.data;
  throw invalidRequest('The "state" query parameter is not valid.', [
    { in: 'query', pointer: '/state', message: 'must be failed, pending, rejected or succeeded' },
  ]);
}

export function createHandler(route: RouteDefinition, services: ServicesResolver): RouteHandler {
  const target = route.target;
  switch (target.kind) {
    case 'health':
      return handle(route.name, (_request, call) =>
        Promise.resolve(jsonAnswer(call, 200, { status: 'ok', service: 'referrals-facade', version })),
      );
    case 'readiness':
      return handle(route.name, async (_request, call) => {
        const [credentials, operations] = await Promise.all([
          checkReadiness(() => services().credentials, { service: 'referrals-facade', version }),
          checkOperations(() => services().operations().health()),
        ]);
        const ready = credentials.status === 'ready' && operations.status !== 'fail';
        const report = { ...credentials, status: ready ? 'ready' : 'not-ready', operations };
        return jsonAnswer(call, ready ? 200 : 503, report, {
          'Cache-Control': 'no-store',
          ...(ready ? {} : { 'Retry-After': '30' }),
        });
      });
    case 'read':
      return handle(route.name, (request, call) =>
        services().facade.get(call, parseReferralId(request.params['id'])),
      );
    case 'update':
      return handle(route.name, async (request, call) => {
        const referralId = parseReferralId(request.params['id']);
        const patch = preparePatch(
          target.operation,
          await readJsonBody(request, target.operation.bodyOptional),
        );
        const returnRepresentation = wantsRepresentation(request.header('prefer'), request.query('return'));
        refuseUnsupportedPreconditions((name) => request.header(name));
        const ifMatch = normalizeIfMatch(request.header('if-match'));
        const write = {
          referralId,
          patch,
          returnRepresentation,
          ...(ifMatch === undefined ? {} : { ifMatch }),
        };
        // Validated exactly as a synchronous call: only a write that would be sent is accepted.
        const mode = asyncRequest(request.header('prefer'), request.query('mode'));
        if (mode === 'demanded' || (mode === 'preferred' && services().operationsConfigured())) {
          const key = parseIdempotencyKey(request.header('idempotency-key'));
          return services()
            .operations()
            .submit(call, {
              route: route.name,
              write,
              ...(key === undefined ? {} : { dedupe: { scope: 'request', key } }),
              statusUrl: statusUrlFor(request),
            });
        }
        return services().facade.update(call, write);
      });
    case 'create':
      return handle(route.name, async (request, call) => {
        const create = prepareCreate(await readJsonBody(request, false), target.raw);
        refuseUnsupportedPreconditions((name) => request.header(name));
        return services().facade.create(call, create);
      });
    case 'sync':
      return handle(route.name, async (request, call) => {
        const referralId = parseReferralId(request.params['id']);
        const desired = prepareSync(await readJsonBody(request, false));
        const returnRepresentation = wantsRepresentation(request.header('prefer'), request.query('return'));
        refuseUnsupportedPreconditions((name) => request.header(name));
        const ifMatch = normalizeIfMatch(request.header('if-match'));
        return services().facade.sync(call, {
          referralId,
          desired,
          returnRepresentation,
          ...(ifMatch === undefined ? {} : { ifMatch }),
        });
      });
    case 'operation-status':
      return handle(route.name, (request, call) => {
        // Checked before storage is touched: a path that cannot name an operation is a 404 in any deployment.
        const id = checkOperationId(request.params['id']);
        return services().operations().status(call, id, statusUrlFor(request));
      });
    case 'operation-list':
      return handle(route.name, (request, call) =>
        services()
          .operations()
          .list(call, operationState(request.query('state')), 100),
      );
    case 'operation-retry':
      return handle(route.name, (request, call) => {
        const id = checkOperationId(request.params['id']);
        return services().operations().retry(call, id, statusUrlFor(request));
      });
    case 'operation-retry-failed':
      return handle(route.name, (_request, call) => services().operations().retryFailed(call));
    case 'search':
      return handle(route.name, (request, call) => searchReferrals(request, call, services));
    case 'hook':
      return handle(route.name, (request, call) => receiveWebhook(request, call, services));
    case 'openapi':
      return handle(route.name, describeApi);
    case 'fallback':
      return handle(route.name, (request) => Promise.resolve(fallback(request)));
  }
}
