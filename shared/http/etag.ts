/**
 * ETags, as Partner Center gives them and as callers send them back: quoted strings (`"2500ec5a-…"`), which the
 * referral body's `eTag` property carries with its quotes inside the string. A missing pair of quotes is the
 * classic cause of 412 answers, so every ETag the facade reads or forwards passes through here.
 */
import { invalidRequest } from '../failures/failure-map';

const MAX_ETAG_LENGTH = 256;

/** RFC 9110 §8.8.3: entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE, etagc = %x21 / %x23-7E (obs-text refused). */
const tag = '(?:W/)?"[\\x21\\x23-\\x7e]*"';
const entityTag = new RegExp(`^${tag}$`);
/** `#entity-tag` (RFC 9110 §5.6.1): a comma-separated list whose empty elements are allowed and ignored. */
const entityTagList = new RegExp(`^[\\s,]*${tag}(?:\\s*,[\\s,]*${tag})*[\\s,]*$`);
/** What a caller may send unquoted: one bare value copied from a body's `eTag`, without quotes or separators. */
const bareEtag = /^[\x21\x23-\x2b\x2d-\x7e]+$/;

export const isEntityTag = (value: string): boolean =>
  value.length <= MAX_ETAG_LENGTH && entityTag.test(value);

/** An ETag in its header form: quoted unless it already is. */
export function quoteEtag(etag: string): string {
  return etag.startsWith('"') || etag.startsWith('W/"') ? etag : `"${etag}"`;
}

/**
 * Whether an If-Match pins one version of the referral, so that a resend after an applied-but-unanswered attempt
 * is refused (412) instead of applied twice. `*` matches every version: it guards nothing.
 */
export const pinsVersion = (ifMatch: string | undefined): ifMatch is string =>
  ifMatch !== undefined && ifMatch !== '*';

/**
 * The caller's If-Match, checked against RFC 9110's grammar (`*`, or a list of entity tags); undefined when the
 * header is absent. A single bare value is quoted, for callers who copied it from a JSON body. An empty or
 * malformed header is refused: treating it as absent would turn a guarded write into an unguarded one.
 */
export function normalizeIfMatch(raw: string | null | undefined): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  const value = raw.trim();
  const invalid = (message: string) =>
    invalidRequest('The If-Match header is not valid.', [{ in: 'header', pointer: '/If-Match', message }]);
  if (value === '') throw invalid("is empty: send the referral's ETag, or leave the header out");
  if (value.length > MAX_ETAG_LENGTH) throw invalid(`must be at most ${String(MAX_ETAG_LENGTH)} characters`);
  if (value === '*') return value;
  if (bareEtag.test(value) && !value.startsWith('W/')) return quoteEtag(value);
  // Forwarded without the empty elements, which a list may have but Partner Center need not accept.
  if (entityTagList.test(value)) return (value.match(new RegExp(tag, 'g')) ?? []).join(', ');
  throw invalid(
    'must be "*" or the ETag from a read, such as "2500ec5a-0000-0000-0000-5bf4967d0000" (quoted; several are separated by commas)',
  );
}

/**
 * The preconditions Partner Center's PATCH does not take. Ignoring one would turn the caller's guarded write into
 * an unguarded one, so it is refused; If-Match is the one that guards a write here.
 */
export function refuseUnsupportedPreconditions(header: (name: string) => string | undefined): void {
  const given = ['If-None-Match', 'If-Unmodified-Since'].filter(
    (name) => header(name.toLowerCase()) !== undefined,
  );
  if (given.length === 0) return;
  throw invalidRequest(
    `${given.join(' and ')} cannot guard an update here; use If-Match with the referral's ETag.`,
    [
      ...given.map((name) => ({
        in: 'header' as const,
        pointer: `/${name}`,
        message: "is not supported on updates: send If-Match with the referral's ETag instead",
      })),
    ],
  );
}
