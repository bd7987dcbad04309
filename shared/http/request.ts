/**
 * Reading the parts of a facade request that are not JSON bodies (path id, Prefer, If-Match, correlation id)
 * and decoding JSON bodies. Framework-free: callers pass plain strings.
 */
import { randomUUID } from 'node:crypto';
import { invalidRequest, unsupportedMediaType } from '../failures/failure-map';
import { toPointer } from '../failures/problem';
import { isReferralId, REFERRAL_ID_RULE } from '../referral/referral-id';
import { findStructureProblem } from './json-structure';

/** The deepest facade body (a raw patch setting a team with contact preferences) nests 5 levels. */
export const MAX_JSON_DEPTH = 16;
const guidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const jsonMediaType = /^application\/(?:[\w.-]+\+)?json$/i;

export function parseReferralId(raw: string | undefined): string {
  if (raw === undefined || !isReferralId(raw)) {
    throw invalidRequest('The referral id in the URL is not valid.', [
      { in: 'path', pointer: '/id', message: REFERRAL_ID_RULE },
    ]);
  }
  return raw;
}

export function resolveCorrelationId(raw: string | null | undefined): string {
  const candidate = raw?.trim();
  return candidate && guidPattern.test(candidate) ? candidate : randomUUID();
}

export function isGuid(value: string): boolean {
  return guidPattern.test(value);
}

/** The media type without parameters, lower-cased; undefined when absent. */
function mediaType(contentType: string | null | undefined): string | undefined {
  const type = contentType?.split(';', 1)[0]?.trim().toLowerCase();
  return type === '' ? undefined : type;
}

export interface JsonBodyInput {
  readonly contentType: string | null | undefined;
  readonly text: string;
  /** An empty body stands for `{}` (operations whose fields are all optional). */
  readonly optional: boolean;
}

/**
 * Checks the media type, then parses. Every failure is a problem that says what to send instead. (The body's
 * size was checked when it was read: http/body-limit.)
 */
export function decodeJsonBody(input: JsonBodyInput): unknown {
  if (input.text.trim() === '') {
    if (input.optional) return {};
    throw invalidRequest('This endpoint needs a JSON body.', [
      { in: 'body', pointer: '', message: 'is required: send a JSON object' },
    ]);
  }
  const type = mediaType(input.contentType);
  if (type === undefined || !jsonMediaType.test(type)) {
    throw unsupportedMediaType(type);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(input.text) as unknown;
  } catch (error) {
    const reason = error instanceof SyntaxError ? error.message : 'it could not be parsed';
    throw invalidRequest(`The body is not valid JSON: ${reason}.`, [
      { in: 'body', pointer: '', message: 'must be well-formed JSON' },
    ]);
  }
  const problem = findStructureProblem(input.text, MAX_JSON_DEPTH);
  if (problem?.kind === 'duplicate-key') {
    const key = problem.path.at(-1) ?? '';
    throw invalidRequest(`The body names "${key}" twice in one object; send each field once.`, [
      { in: 'body', pointer: toPointer(problem.path), message: 'is given more than once' },
    ]);
  }
  if (problem?.kind === 'too-deep') {
    throw invalidRequest(`The body nests deeper than ${String(MAX_JSON_DEPTH)} levels.`, [
      { in: 'body', pointer: toPointer(problem.path), message: 'is nested too deeply' },
    ]);
  }
  return parsed;
}

/**
 * Whether the caller wants the updated referral back: `Prefer: return=representation` (RFC 7240), or
 * `?return=representation` for callers that cannot set headers. The query wins when both are given.
 */
export function wantsRepresentation(
  prefer: string | null | undefined,
  returnQuery: string | null | undefined,
): boolean {
  if (returnQuery !== null && returnQuery !== undefined) {
    if (returnQuery === 'representation') return true;
    if (returnQuery === 'minimal') return false;
    throw invalidRequest('The "return" query parameter is not valid.', [
      { in: 'query', pointer: '/return', message: 'must be "representation" or "minimal"' },
    ]);
  }
  if (!prefer) return false;
  return prefer
    .split(/[,;]/)
    .map((token) =>
      token
        .trim()
        .toLowerCase()
        .replace(/\s*=\s*/, '=')
        .replaceAll('"', ''),
    )
    .includes('return=representation');
}
