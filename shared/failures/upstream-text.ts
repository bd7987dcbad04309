/**
 * Partner Center's own error code and message, read from an error body for the problem's `upstream` member. It is
 * text from outside the facade that goes back to callers (and, through webhooks, to other systems), so it passes
 * `sanitizeUpstreamText` first: bounded, without control characters, and without anything credential-shaped.
 */

interface ErrorNode {
  error?: unknown;
  code?: unknown;
  message?: unknown;
  description?: unknown;
  innerError?: unknown;
}

/** Longest upstream code or message passed on. */
export const MAX_UPSTREAM_TEXT = 512;

/**
 * Credential shapes that an upstream or a gateway may echo back (an Authorization header, a token in a URL or a
 * JSON body): a bearer, basic or signature scheme followed by a credential-length value, a JWT (three base64url
 * parts, the first `eyJ`), a credential-named query parameter with a credential-length value, and long opaque
 * runs of token characters. The lengths keep ordinary words ("Signature validation failed", "code=400") intact.
 */
const credentialShapes: readonly RegExp[] = [
  /\b(?:bearer|basic|signature)\s+[A-Za-z0-9._~+/=-]{16,}/gi,
  /\beyJ[\w-]*\.[\w-]+\.[\w-]*/g,
  /\b(?:access_token|refresh_token|id_token|client_secret|code|sig)=[^\s&"',;]{8,}/gi,
  // No `/`: a URL path is not a token, and the token the facade sent is taken out before this runs.
  /[A-Za-z0-9+_-]{40,}={0,2}/g,
];
export const REDACTED = '[redacted]';

/** Control characters (C0, DEL, C1) and the bidirectional overrides that can disguise text. */
// eslint-disable-next-line no-control-regex -- removing control characters is the point
const unsafeCharacters = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]+/g;

export function sanitizeUpstreamText(text: string): string {
  let clean = text;
  for (const shape of credentialShapes) clean = clean.replace(shape, REDACTED);
  clean = clean
    .replace(unsafeCharacters, ' ')
    .replace(/\s{2,}/g, ' ')
    .trim();
  return clean.length > MAX_UPSTREAM_TEXT ? `${clean.slice(0, MAX_UPSTREAM_TEXT - 1)}…` : clean;
}

function asNode(value: unknown): ErrorNode | undefined {
  return typeof value === 'object' && value !== null ? value : undefined;
}

const text = (value: unknown): string | undefined => {
  if (typeof value !== 'string') return undefined;
  const clean = sanitizeUpstreamText(value.slice(0, 4 * MAX_UPSTREAM_TEXT));
  return clean === '' ? undefined : clean;
};

/**
 * Reads both documented error shapes: Partner REST's `{error:{code,message,innerError}}` (walking nested
 * `innerError` to its most specific code) and Partner Center REST's `{code,description}`.
 */
export function parseUpstreamError(body: string): { code?: string; message?: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return {};
  }
  const root = asNode(parsed);
  if (!root) return {};
  const node = asNode(root.error);
  if (!node) {
    const code = text(root.code) ?? (typeof root.code === 'number' ? String(root.code) : undefined);
    const message = text(root.description) ?? text(root.message);
    return { ...(code ? { code } : {}), ...(message ? { message } : {}) };
  }
  let code = text(node.code);
  let message = text(node.message);
  for (
    let inner = asNode(node.innerError), depth = 0;
    inner && depth < 8;
    inner = asNode(inner.innerError), depth++
  ) {
    code = text(inner.code) ?? code;
    message = text(inner.message) ?? message;
  }
  return { ...(code ? { code } : {}), ...(message ? { message } : {}) };
}

/**
 * Partner Center's answer to an App+User token without an MFA claim: 401 with error code 900421 (Microsoft's
 * FY26 CSP technical-changes briefing; the Partner Center authentication page announces the enforcement). The
 * body's shape for the referrals API is not documented, so the code is looked for in both of Partner Center's
 * error shapes: `{error:{code,innerError}}` and `{code,description}`.
 */
export const MFA_REQUIRED_CODE = '900421';

function hasMfaCode(node: unknown, depth: number): boolean {
  if (typeof node !== 'object' || node === null || depth > 8) return false;
  const { code, error, innerError } = node as { code?: unknown; error?: unknown; innerError?: unknown };
  if (String(code) === MFA_REQUIRED_CODE) return true;
  return hasMfaCode(error, depth + 1) || hasMfaCode(innerError, depth + 1);
}

export function isMfaRequired(status: number, body: string): boolean {
  if (status !== 401 || !body.includes(MFA_REQUIRED_CODE)) return false;
  try {
    return hasMfaCode(JSON.parse(body), 0);
  } catch {
    return false;
  }
}
