/**
 * Reading Partner Center's replies (the referral in a body, its ETag) and turning a successful one into the
 * caller's answer.
 */
import type { CallContext } from '../call/context';
import type { RenderedResponse } from '../failures/problem';
import { isEntityTag, quoteEtag } from '../http/etag';
import { needsNormalizing, normalizeReferral } from '../referral/representation';
import type { UpstreamReply } from '../upstream/client';

/**
 * The answers that say an update was applied (or a read answered): 200, 201 and 204. A 202 says only that the
 * request was taken for later, and another 2xx is not what the contract promises: neither is relayed as success.
 */
export const isApplied = (reply: UpstreamReply): boolean =>
  reply.status === 200 || reply.status === 201 || reply.status === 204;

/**
 * Each reply's body parsed once: a read is checked by the retry layer and then used by add-member, and a
 * representation is checked and then answered, so the same body would otherwise be parsed twice.
 */
const parsedReplies = new WeakMap<UpstreamReply, Record<string, unknown> | null>();

/** The referral in a reply body, or undefined when the body is not a JSON object. */
export function readReferral(reply: UpstreamReply): Record<string, unknown> | undefined {
  const known = parsedReplies.get(reply);
  if (known !== undefined) return known ?? undefined;
  let referral: Record<string, unknown> | null = null;
  try {
    const parsed = JSON.parse(reply.body) as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      referral = parsed as Record<string, unknown>;
  } catch {
    // Not JSON: recorded as null, so it is not parsed again either.
  }
  parsedReplies.set(reply, referral);
  return referral ?? undefined;
}

export const isReferralReply = (reply: UpstreamReply): boolean => readReferral(reply) !== undefined;

export function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The reply's ETag header, when it is a valid entity tag. */
export function etagHeaderOf(reply: UpstreamReply): string | undefined {
  const header = firstHeader(reply.headers['etag']);
  return header !== undefined && isEntityTag(header) ? header : undefined;
}

/**
 * The ETag header when the upstream sends a valid one, else the referral body's `eTag` property, quoted. An ETag
 * that is not a valid entity tag (a control character, a line break) is not used: it could neither be answered
 * in a header nor sent back in If-Match.
 */
export function etagOf(reply: UpstreamReply, referral: unknown): string | undefined {
  return etagHeaderOf(reply) ?? etagPropertyOf(referral);
}

/** The referral's own `eTag` property, quoted, when it is a valid entity tag. */
export function etagPropertyOf(referral: unknown): string | undefined {
  const property =
    typeof referral === 'object' && referral !== null ? (referral as { eTag?: unknown }).eTag : undefined;
  if (typeof property !== 'string' || property === '') return undefined;
  const quoted = quoteEtag(property);
  return isEntityTag(quoted) ? quoted : undefined;
}

export type ExtraHeaders = Readonly<Record<string, string>>;

const withEtag = (etag: string | undefined): ExtraHeaders => (etag ? { ETag: etag } : {});

/**
 * 200 with the referral the reply carries, its amounts as the decimal strings the descriptions declare. The
 * upstream's bytes are passed on as they are unless an amount must be reshaped.
 */
export function referralAnswer(
  call: CallContext,
  reply: UpstreamReply,
  extra: ExtraHeaders,
): RenderedResponse {
  const referral = readReferral(reply);
  return {
    status: 200,
    headers: {
      'Content-Type': 'application/json',
      'MS-CorrelationId': call.correlationId,
      ...withEtag(etagOf(reply, referral)),
      ...extra,
    },
    body: needsNormalizing(referral) ? JSON.stringify(normalizeReferral(referral)) : reply.body,
  };
}

/** 204, with the referral's ETag when it is known. */
export function noContentAnswer(
  call: CallContext,
  etag: string | undefined,
  extra: ExtraHeaders,
): RenderedResponse {
  return { status: 204, headers: { 'MS-CorrelationId': call.correlationId, ...withEtag(etag), ...extra } };
}

export const REPRESENTATION_APPLIED: ExtraHeaders = { 'Preference-Applied': 'return=representation' };

/**
 * Says that a write landed but the referral could not be read back for the representation the caller asked for:
 * the answer is then the write's own 204, without Preference-Applied, never a failure.
 */
export const REPRESENTATION_UNAVAILABLE: ExtraHeaders = { 'Representation-Status': 'unavailable' };
