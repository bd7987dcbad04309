/**
 * Reading Partner Center's replies (the referral in a body, its ETag) and turning a successful one into the
 * caller's answer.
 */
import type { CallContext } from '../call/context';
import type { RenderedResponse } from '../failures/problem';
import { quoteEtag } from '../http/etag';
import { needsNormalizing, normalizeReferral } from '../referral/representation';
import type { UpstreamReply } from '../upstream/client';

export const isSuccess = (reply: UpstreamReply): boolean => reply.status >= 200 && reply.status < 300;

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

/** The ETag header when the upstream sends one, else the referral body's `eTag` property. */
export function etagOf(reply: UpstreamReply, referral: unknown): string | undefined {
  const header = firstHeader(reply.headers['etag']);
  if (header) return header;
  const property =
    typeof referral === 'object' && referral !== null ? (referral as { eTag?: unknown }).eTag : undefined;
  return typeof property === 'string' && property !== '' ? quoteEtag(property) : undefined;
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
