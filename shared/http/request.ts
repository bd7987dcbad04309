/**
 * Reading the parts of a facade request that are not JSON bodies (path id, Prefer, If-Match, correlation id)
 * and decoding JSON bodies. Framework-free: callers pass plain strings.
 */
import { randomUUID } from 'node:crypto';
import { findStructureProblem } from './json-structure';
import { invalidRequest, ProblemError, toPointer } from './problem';

export const MAX_BODY_BYTES = 64 * 1024;
/** The deepest facade body (a raw patch setting a team with contact preferences) nests 5 levels. */
export const MAX_JSON_DEPTH = 16;
const referralIdPattern = /^[A-Za-z0-9-]{1,64}$/;
const guidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const jsonMediaType = /^application\/(?:[\w.-]+\+)?json$/i;
/** Visible ASCII and spaces only: rules out CR/LF header injection and control characters in forwarded values. */
const headerSafe = /^[\x20-\x7e]*$/;
const MAX_ETAG_LENGTH = 256;

export function parseReferralId(raw: string | undefined): string {
  if (raw === undefined || !referralIdPattern.test(raw)) {
    throw invalidRequest('The referral id in the URL is not valid.', [
      {
        in: 'path',
        pointer: '/id',
        message: 'must be 1 to 64 letters, digits or hyphens, such as a Partner Center referral GUID',
      },
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

/** Checks size and media type, then parses. Every failure is a problem that says what to send instead. */
export function decodeJsonBody(input: JsonBodyInput): unknown {
  if (Buffer.byteLength(input.text, 'utf8') > MAX_BODY_BYTES) throw payloadTooLarge();
  if (input.text.trim() === '') {
    if (input.optional) return {};
    throw invalidRequest('This endpoint needs a JSON body.', [
      { in: 'body', pointer: '', message: 'is required: send a JSON object' },
    ]);
  }
  const type = mediaType(input.contentType);
  if (type === undefined || !jsonMediaType.test(type)) {
    throw new ProblemError({
      status: 415,
      kind: 'unsupported-media-type',
      title: 'Unsupported media type',
      detail: `The body must be JSON: send it with "Content-Type: application/json"${type ? ` (got "${type}")` : ''}.`,
    });
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

export function payloadTooLarge(): ProblemError {
  return new ProblemError({
    status: 413,
    kind: 'payload-too-large',
    title: 'Payload too large',
    detail: `The body is larger than ${String(MAX_BODY_BYTES / 1024)} KiB, the most this facade accepts.`,
  });
}

/** Declared lengths are checked before reading, so an oversized upload is refused without buffering it. */
export function checkDeclaredLength(contentLength: string | null | undefined): void {
  if (contentLength && Number(contentLength) > MAX_BODY_BYTES) throw payloadTooLarge();
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

/**
 * Partner Center's ETags are quoted strings; callers that copied the bare value from a JSON body get it quoted
 * here, because a missing pair of quotes is the classic cause of 412 responses.
 */
export function normalizeIfMatch(raw: string | null | undefined): string | undefined {
  const value = raw?.trim();
  if (!value) return undefined;
  const invalid = (message: string) =>
    invalidRequest('The If-Match header is not valid.', [{ in: 'header', pointer: '/If-Match', message }]);
  if (value.length > MAX_ETAG_LENGTH) throw invalid(`must be at most ${String(MAX_ETAG_LENGTH)} characters`);
  if (!headerSafe.test(value)) throw invalid('must contain only visible ASCII characters');
  if (value === '*' || value.startsWith('"') || value.startsWith('W/"')) {
    if (value !== '*' && !value.endsWith('"')) throw invalid('has an opening quote but no closing quote');
    return value;
  }
  if (value.includes('"')) throw invalid('must be an ETag such as "2500ec5a-0000-0000-0000-5bf4967d0000"');
  return `"${value}"`;
}
