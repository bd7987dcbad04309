/**
 * RFC 9457 problem details: the one error shape every facade error takes. The zod schema documents it for the
 * generated API description; `ProblemError` carries a problem to the HTTP edge, where `renderProblem` writes it.
 */
import { z } from 'zod';
import { PROBLEM_TYPE_BASE, problemTypes, type ProblemKind, type ProblemType } from './problem-types';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export const fieldErrorSchema = z.object({
  in: z
    .enum(['body', 'path', 'query', 'header'])
    .meta({ title: 'Location', description: 'Which part of the request is wrong.' }),
  pointer: z.string().meta({
    title: 'Field',
    description: 'JSON Pointer (RFC 6901) to the field within that part, e.g. /dealValue or /0/path.',
  }),
  message: z.string().meta({ title: 'Message', description: 'What is wrong and what to send instead.' }),
});
export type FieldError = z.infer<typeof fieldErrorSchema>;

export const upstreamErrorSchema = z.object({
  status: z.number().int().meta({ title: 'Upstream status', description: "Partner Center's HTTP status." }),
  code: z.string().optional().meta({ title: 'Upstream code', description: "Partner Center's error code." }),
  message: z
    .string()
    .optional()
    .meta({ title: 'Upstream message', description: "Partner Center's error message." }),
});
export type UpstreamErrorInfo = z.infer<typeof upstreamErrorSchema>;

export const problemSchema = z
  .object({
    type: z
      .string()
      .meta({ title: 'Type', description: 'A URN naming the kind of problem; see docs/errors.md.' }),
    title: z.string().meta({ title: 'Title', description: 'A short summary of the kind of problem.' }),
    status: z.number().int().meta({ title: 'Status', description: 'The HTTP status of this answer.' }),
    detail: z.string().meta({ title: 'Detail', description: 'What happened and what to do about it.' }),
    correlationId: z
      .string()
      .meta({ title: 'Correlation id', description: 'The MS-CorrelationId of this call, for support.' }),
    errors: z
      .array(fieldErrorSchema.meta({ title: 'Field error', description: 'One field to fix.' }))
      .optional()
      .meta({ title: 'Errors', description: 'Each field to fix, for invalid requests.' }),
    upstream: upstreamErrorSchema
      .optional()
      .meta({ title: 'Upstream error', description: "Partner Center's own status and error." }),
  })
  .meta({ title: 'Problem', description: 'RFC 9457 problem details.' });
export type Problem = z.infer<typeof problemSchema>;

/** What a failure knows beyond its kind; status, title and the default Retry-After come from `problemTypes`. */
export interface ProblemFacts {
  readonly detail: string;
  /** Only where the kind allows another status than its own (its `statuses`). */
  readonly status?: number;
  readonly errors?: readonly FieldError[];
  readonly upstream?: UpstreamErrorInfo;
  /** Seconds the caller should wait before trying again; sent as `Retry-After`. */
  readonly retryAfterSeconds?: number;
  /** Extra response headers, such as `Allow`. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** A problem with every fact resolved: what the caller will be answered. */
export interface ProblemInit extends ProblemFacts {
  readonly kind: ProblemKind;
  readonly status: number;
  readonly title: string;
}

function statusFor(kind: ProblemKind, requested: number | undefined): number {
  const type: ProblemType = problemTypes[kind];
  if (requested === undefined || requested === type.status) return type.status;
  if (!(type.statuses?.includes(requested) ?? false))
    throw new RangeError(`Problem ${kind} cannot answer ${String(requested)}`);
  return requested;
}

/**
 * Carries a problem from wherever it is found to the HTTP edge. Only the failure map (failure-map.ts) makes them,
 * so every kind's facts come from one table. A problem is an answer, not a fault: nothing reads its stack, and
 * capturing one through the async call chain was the largest single cost of a rejected request (see
 * docs/performance.md), so none is captured.
 */
export class ProblemError extends Error {
  readonly problem: ProblemInit;

  constructor(kind: ProblemKind, facts: ProblemFacts) {
    const type: ProblemType = problemTypes[kind];
    const status = statusFor(kind, facts.status);
    const retryAfterSeconds = facts.retryAfterSeconds ?? type.retryAfterSeconds;
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(`${String(status)} ${type.title}: ${facts.detail}`);
    Error.stackTraceLimit = stackTraceLimit;
    this.problem = {
      ...facts,
      kind,
      status,
      title: type.title,
      ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
    };
    this.name = 'ProblemError';
  }
}

export interface RenderedResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

/** A JSON answer with the call's correlation id: the one way every success body is rendered. */
export function renderJson(
  correlationId: string,
  status: number,
  body: unknown,
  extra: Readonly<Record<string, string>> = {},
): RenderedResponse {
  return {
    status,
    headers: { 'Content-Type': 'application/json', 'MS-CorrelationId': correlationId, ...extra },
    body: JSON.stringify(body),
  };
}

export function renderProblem(init: ProblemInit, correlationId: string): RenderedResponse {
  const problem: Problem = {
    type: PROBLEM_TYPE_BASE + init.kind,
    title: init.title,
    status: init.status,
    detail: init.detail,
    correlationId,
    ...(init.errors && init.errors.length > 0 ? { errors: [...init.errors] } : {}),
    ...(init.upstream ? { upstream: init.upstream } : {}),
  };
  const headers: Record<string, string> = {
    ...init.headers,
    'Content-Type': PROBLEM_CONTENT_TYPE,
    'MS-CorrelationId': correlationId,
  };
  if (init.retryAfterSeconds !== undefined)
    headers['Retry-After'] = String(Math.ceil(init.retryAfterSeconds));
  return { status: init.status, headers, body: JSON.stringify(problem) };
}

/** Escapes a JSON Pointer reference token (RFC 6901 §3). */
export function toPointer(path: readonly PropertyKey[]): string {
  return path.map((token) => '/' + String(token).replaceAll('~', '~0').replaceAll('/', '~1')).join('');
}
