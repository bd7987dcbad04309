/**
 * HTTP glue: read the request, call the shared library, write the answer. One handler per route kind. They read
 * calls through `InboundRequest`, so the Functions binding and the local host run exactly this code.
 */
import type { ServicesResolver } from '../shared/app/services';
import { callLogLine, startCall, type CallContext, type CallLog } from '../shared/call/context';
import { prepareCreate, preparePatch, prepareSync } from '../shared/facade/prepare-patch';
import { internalError, methodNotAllowed, routeNotFound } from '../shared/failures/failure-map';
import { ProblemError, renderJson, renderProblem, type RenderedResponse } from '../shared/failures/problem';
import { checkOperations, checkReadiness } from '../shared/health/readiness';
import { checkOperationId, operationStateSchema } from '../shared/durable/operations';
import { normalizeIfMatch, refuseUnsupportedPreconditions } from '../shared/http/etag';
import {
  parseIdempotencyKey,
  parseReferralId,
  resolveCorrelationId,
  asyncRequest,
  wantsRepresentation,
} from '../shared/http/request';
import { invalidRequest } from '../shared/failures/failure-map';
import { receivePartnerCenterEvent } from '../shared/events/receiver';
import { readBody, readJsonBody } from './body';
import { statusUrlFor } from './status-url';
import type { InboundRequest, RouteHandler } from './inbound';
import { subscriptionWork, triggerWork } from './event-handlers';
import { describeApi, receiveWebhook, searchReferrals } from './lowcode-handlers';
import { matchRoute } from './route-matcher';
import { API_PREFIX, type RouteDefinition } from './routes';
import type { OperationDefinition } from '../shared/operations/definition';
import type { OperationEndpointKind } from '../shared/openapi/api-model';
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
): RenderedResponse => renderJson(call.correlationId, status, body, extra);

function operationState(raw: string | undefined) {
  const parsed = operationStateSchema.safeParse(raw ?? 'failed');
  if (parsed.success) return parsed.data;
  throw invalidRequest('The "state" query parameter is not valid.', [
    { in: 'query', pointer: '/state', message: 'must be failed, pending, rejected or succeeded' },
  ]);
}

/** What every write reads besides its body: whether the referral is wanted back, and the caller's If-Match. */
function writeOptions(request: InboundRequest): { returnRepresentation: boolean; ifMatch?: string } {
  const returnRepresentation = wantsRepresentation(request.header('prefer'), request.query('return'));
  refuseUnsupportedPreconditions((name) => request.header(name));
  const ifMatch = normalizeIfMatch(request.header('if-match'));
  return { returnRepresentation, ...(ifMatch === undefined ? {} : { ifMatch }) };
}

const readinessWork =
  (services: ServicesResolver): Work =>
  async (_request, call) => {
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
  };

const updateWork =
  (route: RouteDefinition, operation: OperationDefinition, services: ServicesResolver): Work =>
  async (request, call) => {
    const referralId = parseReferralId(request.params['id']);
    const patch = preparePatch(operation, await readJsonBody(request, operation.bodyOptional));
    const write = { referralId, patch, ...writeOptions(request) };
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
  };

const syncWork =
  (services: ServicesResolver): Work =>
  async (request, call) => {
    const referralId = parseReferralId(request.params['id']);
    const desired = prepareSync(await readJsonBody(request, false));
    return services().facade.sync(call, { referralId, desired, ...writeOptions(request) });
  };

/** The asynchronous mode's endpoints; an id that cannot name an operation is a 404 before storage is touched. */
function operationWork(kind: OperationEndpointKind, services: ServicesResolver): Work {
  switch (kind) {
    case 'operation-status':
      return (request, call) => {
        const id = checkOperationId(request.params['id']);
        return services().operations().status(call, id, statusUrlFor(request));
      };
    case 'operation-list':
      return (request, call) => {
        const state = operationState(request.query('state'));
        return services().operations().list(call, state, 100);
      };
    case 'operation-retry':
      return (request, call) => {
        const id = checkOperationId(request.params['id']);
        return services().operations().retry(call, id, statusUrlFor(request));
      };
    case 'operation-retry-failed':
      return (_request, call) => services().operations().retryFailed(call);
  }
}

function workFor(route: RouteDefinition, services: ServicesResolver): Work {
  const target = route.target;
  switch (target.kind) {
    case 'health':
      return (_request, call) =>
        Promise.resolve(jsonAnswer(call, 200, { status: 'ok', service: 'referrals-facade', version }));
    case 'readiness':
      return readinessWork(services);
    case 'read':
      return (request, call) => services().facade.get(call, parseReferralId(request.params['id']));
    case 'update':
      return updateWork(route, target.operation, services);
    case 'create':
      return async (request, call) => {
        const create = prepareCreate(await readJsonBody(request, false), target.raw);
        refuseUnsupportedPreconditions((name) => request.header(name));
        return services().facade.create(call, create);
      };
    case 'sync':
      return syncWork(services);
    case 'operation-status':
    case 'operation-list':
    case 'operation-retry':
    case 'operation-retry-failed':
      return operationWork(target.kind, services);
    case 'subscription-create':
    case 'subscription-list':
    case 'subscription-get':
    case 'subscription-delete':
    case 'subscription-deliveries':
    case 'subscription-replay':
      return subscriptionWork(target.kind, services);
    case 'subscription-trigger':
      return triggerWork(target.trigger, services);
    case 'search':
      return (request, call) => searchReferrals(request, call, services);
    case 'hook':
      return (request, call) => receiveWebhook(request, call, services);
    case 'event-receiver':
      return async (request, call) =>
        receivePartnerCenterEvent(
          call,
          {
            events: () => services().events(),
            facade: services().facade,
            signature: () => services().eventSignature(),
          },
          { header: (name) => request.header(name.toLowerCase()), body: await readBody(request) },
        );
    case 'openapi':
      return describeApi;
    case 'fallback':
      return (request) => Promise.resolve(fallback(request));
  }
}

export function createHandler(route: RouteDefinition, services: ServicesResolver): RouteHandler {
  return handle(route.name, workFor(route, services));
}
