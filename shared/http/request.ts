/**
 * Reading the parts of a facade request that are not JSON bodies (path id, Prefer, If-Match, correlation id)
 * and decoding JSON bodies. Framework-free: callers pass plain strings.
 */
import { randomUUID } from 'node:crypto';
import { invalidRequest, unsupportedMediaType } from '../failures/failure-map';
import { toPointer, type ProblemError } from '../failures/problem';
import { isReferralId, REFERRAL_ID_RULE } from '../referral/referral-id';
import { findStructureProblem, quoteInexactNumbers, type StructureProblem } from './json-structure';

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
  readonly contentEncoding: string | null | undefined;
  readonly bytes: Buffer;
  /** An empty body stands for `{}` (operations whose fields are all optional). */
  readonly optional: boolean;
  /**
   * `refuse` (the facade's own bodies): a number a double cannot carry exactly is a 400 asking for a string.
   * `keep-as-text` (other systems' payloads): such a number becomes a string of its digits, so a field nobody maps
   * cannot fail the delivery, and a mapped amount keeps every digit.
   */
  readonly inexactNumbers?: 'refuse' | 'keep-as-text';
}

/** Fatal: a body that is not valid UTF-8 is refused, never read with replacement characters. Drops a BOM. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

function utf8Text(bytes: Buffer): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw invalidRequest('The body is not valid UTF-8 text; send JSON encoded as UTF-8.', [
      { in: 'body', pointer: '', message: 'must be UTF-8' },
    ]);
  }
}

/**
 * Checks the encoding and media type, then parses. Every failure is a problem that says what to send instead. (The body's
 * size was checked when it was read: http/body-limit.)
 */
export function decodeJsonBody(input: JsonBodyInput): unknown {
  checkEncoding(input);
  const text = utf8Text(input.bytes);
  if (text.trim() === '') {
    if (input.optional) return {};
    throw invalidRequest('This endpoint needs a JSON body.', [
      { in: 'body', pointer: '', message: 'is required: send a JSON object' },
    ]);
  }
  checkMediaType(input.contentType);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof SyntaxError ? error.message : 'it could not be parsed';
    throw invalidRequest(`The body is not valid JSON: ${reason}.`, [
      { in: 'body', pointer: '', message: 'must be well-formed JSON' },
    ]);
  }
  const keepAsText = input.inexactNumbers === 'keep-as-text';
  const problem = findStructureProblem(text, MAX_JSON_DEPTH, { checkNumbers: !keepAsText });
  if (problem) throw structureFailure(problem);
  if (!keepAsText) return parsed;
  const quoted = quoteInexactNumbers(text);
  return quoted === text ? parsed : (JSON.parse(quoted) as unknown);
}

/** Before the text is read: a compressed body is not UTF-8, and its answer is 415, not 400. */
function checkEncoding(input: JsonBodyInput): void {
  const coding = input.contentEncoding?.trim().toLowerCase();
  if (input.bytes.length === 0 || !coding || coding === 'identity') return;
  throw unsupportedMediaType(
    undefined,
    `The body must be sent uncompressed: this facade does not decode "Content-Encoding: ${coding}".`,
  );
}

function checkMediaType(contentType: string | null | undefined): void {
  const type = mediaType(contentType);
  if (type === 'application/merge-patch+json') {
    throw unsupportedMediaType(
      type,
      'JSON Merge Patch (application/merge-patch+json) is not what this facade applies: send a JSON Patch document (application/json-patch+json) to PATCH, or a JSON object (application/json) to the simple endpoints.',
    );
  }
  if (type === undefined || !jsonMediaType.test(type)) throw unsupportedMediaType(type);
}

function structureFailure(problem: StructureProblem): ProblemError {
  const pointer = toPointer(problem.path);
  switch (problem.kind) {
    case 'duplicate-key':
      return invalidRequest(
        `The body names "${problem.path.at(-1) ?? ''}" twice in one object; send each field once.`,
        [{ in: 'body', pointer, message: 'is given more than once' }],
      );
    case 'inexact-number':
      return invalidRequest(
        `The body holds the number ${problem.text}, which has more digits than a JSON number can carry exactly; send it as a string ("${problem.text}") so that no digit is lost.`,
        [
          {
            in: 'body',
            pointer,
            message: 'has more digits than a number can carry exactly: send it as a string',
          },
        ],
      );
    case 'too-deep':
      return invalidRequest(`The body nests deeper than ${String(MAX_JSON_DEPTH)} levels.`, [
        { in: 'body', pointer, message: 'is nested too deeply' },
      ]);
  }
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
  return preferences(prefer).get('return') === 'representation';
}

/**
 * RFC 7240 §2: a Prefer header is a comma-separated list of preferences, each `token [= value]` followed by
 * `;`-separated parameters that belong to it; names are case-insensitive, and the first instance of a preference
 * counts (§2, "the first"). So `handling=strict; return=representation` asks for strict handling, with a
 * parameter, and not for the representation.
 */
export function preferences(header: string | null | undefined): ReadonlyMap<string, string> {
  const found = new Map<string, string>();
  // Split at the commas between preferences, not inside a quoted value (RFC 9110 §5.6.4).
  for (const preference of (header ?? '').match(/(?:[^,"]|"[^"]*")+/g) ?? []) {
    const [head = ''] = preference.match(/^(?:[^;"]|"[^"]*")*/) ?? [];
    const separator = head.indexOf('=');
    const name = (separator < 0 ? head : head.slice(0, separator)).trim().toLowerCase();
    if (name === '' || found.has(name)) continue;
    const value =
      separator < 0
        ? ''
        : head
            .slice(separator + 1)
            .trim()
            .replace(/^"(.*)"$/, '$1');
    found.set(name, value.toLowerCase());
  }
  return found;
}

/**
 * Whether the caller asked for the asynchronous mode: `?mode=async` demands it (for callers that cannot set
 * headers); `Prefer: respond-async` (RFC 7240 §4.1) prefers it, and a preference may go unhonoured (§2) when the
 * deployment has no durable storage. `?mode=sync` demands the synchronous mode whatever Prefer says.
 */
export function asyncRequest(
  prefer: string | null | undefined,
  modeQuery: string | null | undefined,
): 'demanded' | 'preferred' | undefined {
  if (modeQuery !== null && modeQuery !== undefined) {
    if (modeQuery === 'async') return 'demanded';
    if (modeQuery === 'sync') return undefined;
    throw invalidRequest('The "mode" query parameter is not valid.', [
      { in: 'query', pointer: '/mode', message: 'must be "async" or "sync"' },
    ]);
  }
  return preferences(prefer).has('respond-async') ? 'preferred' : undefined;
}

/**
 * The `Idempotency-Key` header (draft-ietf-httpapi-idempotency-key-header): a Structured Fields string, so
 * `"key"`; the bare form many clients send is accepted too. Undefined when absent.
 */
export function parseIdempotencyKey(raw: string | null | undefined): string | undefined {
  if (raw === null || raw === undefined) return undefined;
  const trimmed = raw.trim();
  const key = /^".*"$/.test(trimmed) ? trimmed.slice(1, -1) : trimmed;
  if (!/^[\x20-\x7e]{1,255}$/.test(key) || key.includes('"') || key.includes('\\')) {
    throw invalidRequest('The Idempotency-Key header is not valid.', [
      {
        in: 'header',
        pointer: '/Idempotency-Key',
        message: 'must be 1-255 visible ASCII characters, without quotes or backslashes (a UUID works)',
      },
    ]);
  }
  return key;
}
