/** Signs deliveries the way each example sender would, so tests speak the real schemes. */
import { createHmac, randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

export function newHmacSecret(): string {
  return randomBytes(32).toString('hex');
}

export function newStandardWebhooksSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

export interface HmacSigning {
  readonly secret: string;
  readonly signatureHeader: string;
  readonly timestampHeader: string;
  readonly encoding: 'hex' | 'base64';
  readonly prefix?: string;
}

/** HMAC-SHA256 over `{timestamp}.{body}`, as the example HMAC mappings require. */
export function hmacHeaders(
  signing: HmacSigning,
  body: string,
  timestampSeconds = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const signature = createHmac('sha256', signing.secret)
    .update(`${String(timestampSeconds)}.${body}`)
    .digest(signing.encoding);
  return {
    [signing.signatureHeader]: `${signing.prefix ?? ''}${signature}`,
    [signing.timestampHeader]: String(timestampSeconds),
  };
}

export function standardWebhooksHeaders(
  secret: string,
  body: string,
  sentAt = new Date(),
  messageId = `msg_${randomBytes(8).toString('hex')}`,
): Record<string, string> {
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(messageId, sentAt, body),
  };
}
