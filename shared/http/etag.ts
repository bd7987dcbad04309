/**
 * ETags, as Partner Center gives them and as callers send them back: quoted strings (`"2500ec5a-…"`), which the
 * referral body's `eTag` property carries with its quotes inside the string. A missing pair of quotes is the
 * classic cause of 412 answers, so every ETag the facade reads or forwards passes through here.
 */
import { invalidRequest } from '../failures/failure-map';

const MAX_ETAG_LENGTH = 256;
/** Visible ASCII and spaces only: rules out CR/LF header injection and control characters in forwarded values. */
const headerSafe = /^[\x20-\x7e]*$/;

const isQuoted = (etag: string): boolean => etag.startsWith('"') || etag.startsWith('W/"');

/** An ETag in its header form: quoted unless it already is. */
export function quoteEtag(etag: string): string {
  return isQuoted(etag) ? etag : `"${etag}"`;
}

/**
 * Whether an If-Match pins one version of the referral, so that a resend after an applied-but-unanswered attempt
 * is refused (412) instead of applied twice. `*` matches every version: it guards nothing.
 */
export const pinsVersion = (ifMatch: string | undefined): ifMatch is string =>
  ifMatch !== undefined && ifMatch !== '*';

/** The caller's If-Match, checked and quoted; undefined when absent. */
export function normalizeIfMatch(raw: string | null | undefined): string | undefined {
  const value = raw?.trim();
  if (!value) return undefined;
  const invalid = (message: string) =>
    invalidRequest('The If-Match header is not valid.', [{ in: 'header', pointer: '/If-Match', message }]);
  if (value.length > MAX_ETAG_LENGTH) throw invalid(`must be at most ${String(MAX_ETAG_LENGTH)} characters`);
  if (!headerSafe.test(value)) throw invalid('must contain only visible ASCII characters');
  if (value === '*' || isQuoted(value)) {
    if (value !== '*' && !value.endsWith('"')) throw invalid('has an opening quote but no closing quote');
    return value;
  }
  if (value.includes('"')) throw invalid('must be an ETag such as "2500ec5a-0000-0000-0000-5bf4967d0000"');
  return quoteEtag(value);
}
