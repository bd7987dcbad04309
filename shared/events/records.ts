/**
 * What an event is, from Partner Center's notification to the enriched event subscribers receive, and the
 * messages the events queue carries. Partner Center's payload is documented loosely (reference §8), so it is read
 * leniently: property names in any case, unknown properties ignored.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { referralSchema } from '../referral/referral-schema';

/** The referral events Partner Center sends; the related-referral pair is unconfirmed (reference §8). */
export const referralEventTypes = [
  'referral-created',
  'referral-updated',
  'related-referral-created',
  'related-referral-updated',
] as const;
export const referralEventTypeSchema = z.enum(referralEventTypes);
export type ReferralEventType = z.infer<typeof referralEventTypeSchema>;

/** Partner Center's validation event: acknowledged, never fanned out. */
export const TEST_EVENT = 'test-created';

/** Who made the change: the facade's own write (matched by the ETag it produced), or anyone else. */
export const eventOriginSchema = z.enum(['facade', 'partner-center']);
export type EventOrigin = z.infer<typeof eventOriginSchema>;

/** How the facade learnt of the change: Partner Center's notification, or the reconciliation sweep. */
export const eventDetectionSchema = z.enum(['event', 'sweep']);
export type EventDetection = z.infer<typeof eventDetectionSchema>;

/** The event subscribers receive: the notification, enriched with the referral as it was read. */
export const referralEventSchema = z
  .object({
    id: z.string().meta({
      title: 'Event ID',
      description: 'Stable for one change: the same change is never delivered under two ids.',
    }),
    type: referralEventTypeSchema.meta({
      title: 'Event type',
      description: 'What happened to the referral.',
    }),
    referralId: z.string().meta({ title: 'Referral ID', description: 'The referral that changed.' }),
    changedAt: z.string().meta({
      title: 'Changed at',
      description: 'When Partner Center says the change happened (ISO 8601, UTC).',
    }),
    receivedAt: z.string().meta({ title: 'Received at', description: 'When the facade learnt of it.' }),
    origin: eventOriginSchema.meta({
      title: 'Origin',
      description:
        "facade: the change is the facade's own write (filter these out to keep a CRM sync from echoing); partner-center: anyone else's.",
    }),
    detectedBy: eventDetectionSchema.meta({
      title: 'Detected by',
      description:
        "event: Partner Center's notification; sweep: the reconciliation sweep found a change no event announced.",
    }),
    etag: z
      .string()
      .optional()
      .meta({ title: 'ETag', description: 'The referral version the event carries.' }),
    referral: referralSchema,
  })
  .meta({ title: 'Referral event', description: 'A referral change, with the referral as it was read.' });
export type ReferralEvent = z.infer<typeof referralEventSchema>;

/**
 * The key of one change. Partner Center's notifications carry no id (reference §8), so a change is named by its
 * type, its referral and Partner Center's change time; its ten delivery attempts share the key.
 */
export function eventKeyOf(type: string, referralId: string, changedAt: string): string {
  return createHash('sha256')
    .update(`${type}\n${referralId.toLowerCase()}\n${changedAt}`)
    .digest('base64url')
    .slice(0, 32);
}

/**
 * A referral version as a row-key-safe name (ETags may hold characters row keys refuse). Weak and strong, quoted
 * and bare forms of one ETag name one version: a write's ETag header and the referral's `eTag` property must meet.
 */
export function versionKeyOf(etag: string): string {
  const bare = etag
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1');
  return createHash('sha256').update(bare).digest('base64url').slice(0, 32);
}

// ---- the events queue --------------------------------------------------------------------------------------

/** Fan an event out to every subscriber whose filter it passes. */
export const fanOutMessageSchema = z.object({
  kind: z.literal('fan-out'),
  referralId: z.string().min(1).max(64),
  eventKey: z.string().min(1).max(64),
  correlationId: z.string().max(64).optional(),
  redrives: z.number().int().min(0).max(100).optional(),
});
export type FanOutMessage = z.infer<typeof fanOutMessageSchema>;

/** Deliver one event to one subscriber (its delivery row says which). */
export const deliverMessageSchema = z.object({
  kind: z.literal('deliver'),
  subscriptionId: z.string().min(1).max(64),
  deliveryKey: z.string().min(1).max(128),
  correlationId: z.string().max(64).optional(),
  /** How often the message came back from the poison queue (redrive.ts). */
  redrives: z.number().int().min(0).max(100).optional(),
});
export type DeliverMessage = z.infer<typeof deliverMessageSchema>;

export const eventMessageSchema = z.discriminatedUnion('kind', [fanOutMessageSchema, deliverMessageSchema]);
export type EventMessage = z.infer<typeof eventMessageSchema>;
