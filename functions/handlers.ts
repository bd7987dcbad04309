/**
 * HTTP glue: read the request, call the shared library, write the answer. One handler per route kind. They read
 * calls through `InboundRequest`, so the Functions binding and the local host run exactly this code.
 */
import type { CallRecord, FacadeResponse } from '../shared/facade/referrals-facade';
import { preparePatch } from '../shared/facade/prepare-patch';
import type { ServicesResolver } from '../shared/facade/services';
import { checkReadiness } from '../shared/health/readiness';
import { ProblemError, renderProblem, type RenderedResponse } from '../shared/http/problem';
import {
  checkDeclaredLength,
  decodeJsonBody,
  normalizeIfMatch,
  parseReferralId,
  resolveCorrelationId,
  wantsRepresentation,
} from '../shared/http/request';
import type { CallLog, InboundRequest, RouteHandler } from './inbound';
import { describeApi, receiveWebhook, searchReferrals } from './lowcode-handlers';
import { matchRoute } from './route-matcher';
import { API_PREFIX, type RouteDefinition } from './routes';
import { version } from '../package.json';

type Work = (
  request: InboundRequest,
  correlationId: string,
  record: CallRecord,
) => Promise<RenderedResponse | FacadeResponse>;

/** Runs one call: every failure becomes problem+json, and one structured log line records the outcome. */
function handle(routeName: string, work: Work): RouteHandler {
  return async (request: InboundRequest, log: CallLog) => {
    const started = performance.now();
    const correlationId = resolveCorrelationId(request.header('ms-correlationid'));
    let response: RenderedResponse;
    let upstreamStatus: number | undefined;
    const record: CallRecord = { upstreamAttempts: 0 };
    try {
      const result = await work(request, correlationId, record);
      response = result;
      if ('upstreamStatus' in result) upstreamStatus = result.upstreamStatus;
    } catch (error) {
      if (error instanceof ProblemError) {
        response = renderProblem(error.problem, correlationId);
        upstreamStatus = error.problem.upstream?.status;
      } else {
        log.error(
          `unexpected failure in ${routeName}: ${error instanceof Error ? error.name : typeof error}`,
        );
        response = renderProblem(
          {
            status: 500,
            kind: 'internal-error',
            title: 'Internal error',
            detail: `The facade failed unexpectedly; the update may not have been applied. Quote correlation id ${correlationId} when reporting it.`,
          },
          correlationId,
        );
      }
    }
    log.info(
      JSON.stringify({
        event: 'call',
        route: routeName,
        method: request.method,
        referralId: request.params['id'] ?? record.referralId,
        status: response.status,
        upstreamStatus: upstreamStatus ?? record.upstreamStatus,
        attempts: record.upstreamAttempts,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
        correlationId,
      }),
    );
    return response;
  };
}

async function readJsonBody(request: InboundRequest, optional: boolean): Promise<unknown> {
  checkDeclaredLength(request.header('content-length'));
  return decodeJsonBody({
    contentType: request.header('content-type'),
    text: await request.text(),
    optional,
  });
}

function fallback(request: InboundRequest): never {
  const path = new URL(request.url).pathname;
  const below = path.startsWith(API_PREFIX) ? path.slice(API_PREFIX.length) : undefined;
  const match = below === undefined ? undefined : matchRoute(request.method, below);
  if (match?.kind === 'method-not-allowed') {
    throw new ProblemError({
      status: 405,
      kind: 'method-not-allowed',
      title: 'Method not allowed',
      detail: `${path} does not take ${request.method}; it takes ${match.allowed.join(', ')}.`,
      headers: { Allow: match.allowed.join(', ') },
    });
  }
  throw new ProblemError({
    status: 404,
    kind: 'route-not-found',
    title: 'No such endpoint',
    detail: `There is no endpoint at ${path}. The README lists the endpoints.`,
  });
}

export function createHandler(route: RouteDefinition, services: ServicesResolver): RouteHandler {
  const target = route.target;
  switch (target.kind) {
    case 'health':
      return handle(route.name, (_request, correlationId) =>
        Promise.resolve({
          status: 200,
          headers: { 'Content-Type': 'application/json', 'MS-CorrelationId': correlationId },
          body: JSON.stringify({ status: 'ok', service: 'referrals-facade', version }),
        }),
      );
    case 'readiness':
      return handle(route.name, async (_request, correlationId) => {
        const report = await checkReadiness(services, { service: 'referrals-facade', version });
        const ready = report.status === 'ready';
        return {
          status: ready ? 200 : 503,
          headers: {
            'Content-Type': 'application/json',
            'Cache-Control': 'no-store',
            'MS-CorrelationId': correlationId,
            ...(ready ? {} : { 'Retry-After': '30' }),
          },
          body: JSON.stringify(report),
        };
      });
    case 'read':
      return handle(route.name, (request, correlationId, record) => {
        const referralId = parseReferralId(request.params['id']);
        return services().facade.get({ referralId, correlationId, record });
      });
    case 'update':
      return handle(route.name, async (request, correlationId, record) => {
        const referralId = parseReferralId(request.params['id']);
        const patch = preparePatch(
          target.operation,
          await readJsonBody(request, target.operation.bodyOptional),
        );
        const returnRepresentation = wantsRepresentation(request.header('prefer'), request.query('return'));
        const ifMatch = normalizeIfMatch(request.header('if-match'));
        return services().facade.update({
          referralId,
          patch,
          returnRepresentation,
          correlationId,
          record,
          ...(ifMatch === undefined ? {} : { ifMatch }),
        });
      });
    case 'search':
      return handle(route.name, (request, correlationId, record) =>
        searchReferrals(request, correlationId, services, record),
      );
    case 'hook':
      return handle(route.name, (request, correlationId, record) =>
        receiveWebhook(request, correlationId, services, record),
      );
    case 'openapi':
      return handle(route.name, describeApi);
    case 'fallback':
      return handle(route.name, (request) => Promise.resolve(fallback(request)));
  }
}
