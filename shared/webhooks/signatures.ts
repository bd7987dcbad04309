/**
 * Verifies that a delivery comes from the holder of the mapping's secret, over the raw bytes received: Standard
 * Webhooks (https://www.standardwebhooks.com) through its reference library, or a plain HMAC-SHA256 compared in
 * constant time. Reasons are safe to return to the sender; they never contain the expected signature.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import type { HmacAuth, WebhookAuth } from './mapping';

export type Verification = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** The secret is not usable as a key for its scheme: the operator's problem, not the sender's. */
export class UnusableSecretError extends Error {
  override name = 'UnusableSecretError';
}

export interface SignedDelivery {
  readonly body: Buffer;
  /** Lower-case header name → value. */
  readonly header: (name: string) => string | undefined;
  /** Seconds since the epoch, injectable for tests. */
  readonly nowSeconds: number;
}

function verifyStandardWebhooks(secret: string, delivery: SignedDelivery): Verification {
  let webhook: Webhook;
  try {
    webhook = new Webhook(secret);
  } catch {
    throw new UnusableSecretError('a Standard Webhooks secret must be base64, optionally prefixed whsec_');
  }
  const headers: Record<string, string> = {};
  for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
    const value = delivery.header(name);
    if (value !== undefined) headers[name] = value;
  }
  try {
    // The library keeps its own clock and a fixed five-minute tolerance.
    webhook.verify(delivery.body.toString('utf8'), headers, { jsonParse: false });
    return { ok: true };
  } catch (error) {
    if (error instanceof WebhookVerificationError) return { ok: false, reason: error.message };
    throw error;
  }
}

function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

function verifyHmac(auth: HmacAuth, secret: string, delivery: SignedDelivery): Verification {
  const header = delivery.header(auth.signatureHeader)?.trim();
  if (!header) return { ok: false, reason: `Missing ${auth.signatureHeader} header` };
  let signedPrefix = '';
  if (auth.timestampHeader !== undefined) {
    const raw = delivery.header(auth.timestampHeader)?.trim();
    if (!raw) return { ok: false, reason: `Missing ${auth.timestampHeader} header` };
    if (!/^\d{1,12}$/.test(raw)) return { ok: false, reason: `${auth.timestampHeader} must be Unix seconds` };
    if (Math.abs(delivery.nowSeconds - Number(raw)) > auth.toleranceSeconds) {
      return {
        ok: false,
        reason: `Message timestamp outside the ${String(auth.toleranceSeconds)} s tolerance`,
      };
    }
    signedPrefix = `${raw}.`;
  }
  if (!header.startsWith(auth.signaturePrefix)) return { ok: false, reason: 'No matching signature found' };
  const given = header.slice(auth.signaturePrefix.length);
  const expected = createHmac('sha256', secret)
    .update(signedPrefix)
    .update(delivery.body)
    .digest(auth.encoding);
  const matches =
    auth.encoding === 'hex'
      ? constantTimeEqual(given.toLowerCase(), expected)
      : constantTimeEqual(given, expected);
  return matches ? { ok: true } : { ok: false, reason: 'No matching signature found' };
}

export function verifySignature(auth: WebhookAuth, secret: string, delivery: SignedDelivery): Verification {
  return auth.scheme === 'standard-webhooks'
    ? verifyStandardWebhooks(secret, delivery)
    : verifyHmac(auth, secret, delivery);
}
