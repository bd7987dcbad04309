/**
 * What a subscriber asks for and what the facade says about a subscription: the filters, the two kinds (a Power
 * Automate trigger's callback, a signed webhook), the request bodies and the views the endpoints answer. These
 * zod schemas are the only description of those shapes: the validation and the generated API descriptions both
 * read them.
 */
import { z } from 'zod';
import { referralStatuses, referralSubstatuses } from '../referral/status';
import { referralEventTypeSchema, type ReferralEvent, type ReferralEventType } from './records';

/** An id the facade gives: `sub-` and 24 hex digits (row-key safe, unguessable enough to be no secret). */
export const SUBSCRIPTION_ID_PATTERN = /^sub-[0-9a-f]{24}$/;

export const subscriptionKindSchema = z.enum(['webhook', 'power-automate']);
export type SubscriptionKind = z.infer<typeof subscriptionKindSchema>;

export const subscriptionStateSchema = z.enum(['active', 'disabled']);
export type SubscriptionState = z.infer<typeof subscriptionStateSchema>;

const directionSchema = z.enum(['Incoming', 'Outgoing']).meta({
  title: 'Direction',
  description: 'Only referrals sent to you (Incoming) or sent by you (Outgoing); both when left out.',
});
const statusSchema = z.enum(referralStatuses).meta({
  title: 'Status',
  description: `Only referrals with this status after the change (${referralStatuses.join(', ')}); any when left out.`,
});
const substatusSchema = z.enum(referralSubstatuses).meta({
  title: 'Substatus',
  description: `Only referrals with this substatus after the change (${referralSubstatuses.join(', ')}); any when left out.`,
});
const includeFacadeChangesSchema = z.boolean().meta({
  title: 'Include facade changes',
  description:
    'Also deliver changes made through this facade (No by default, so a CRM sync does not hear its own writes back). Yes for an audit trail of every change.',
});

/** Which events a subscriber receives. Every filter left out lets everything through but the facade's own writes. */
export const subscriptionFiltersSchema = z
  .strictObject({
    eventTypes: z
      .array(
        referralEventTypeSchema.meta({
          title: 'Event type',
          description:
            'referral-created, referral-updated, related-referral-created or related-referral-updated.',
        }),
      )
      .min(1)
      .optional()
      .meta({ title: 'Event types', description: 'Only these event types; every type when left out.' }),
    direction: directionSchema.optional(),
    status: statusSchema.optional(),
    substatus: substatusSchema.optional(),
    includeFacadeChanges: includeFacadeChangesSchema.optional(),
  })
  .meta({ title: 'Filters', description: 'Which referral events the subscriber receives.' });
export type SubscriptionFilters = z.infer<typeof subscriptionFiltersSchema>;

/** Whether `event` passes `filters`: every filter given must hold. */
export function passesFilters(filters: SubscriptionFilters, event: ReferralEvent): boolean {
  if (event.origin === 'facade' && filters.includeFacadeChanges !== true) return false;
  if (filters.eventTypes !== undefined && !filters.eventTypes.includes(event.type)) return false;
  const referral = event.referral as { direction?: unknown; status?: unknown; substatus?: unknown };
  // Partner Center's casing is not promised (reference §8), so values compare without it.
  const same = (wanted: string | undefined, actual: unknown): boolean =>
    wanted === undefined || (typeof actual === 'string' && actual.toLowerCase() === wanted.toLowerCase());
  return (
    same(filters.direction, referral.direction) &&
    same(filters.status, referral.status) &&
    same(filters.substatus, referral.substatus)
  );
}

// ---- signed webhooks (Standard Webhooks) ---------------------------------------------------------------------

/** `whsec_` and the base64 of 24 to 64 random bytes, as Standard Webhooks' libraries make and read them. */
export const WEBHOOK_SECRET_PATTERN = /^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/;

export const webhookSubscriptionRequestSchema = z
  .strictObject({
    url: z.url({ error: 'must be an absolute URL' }).max(2048).meta({
      title: 'URL',
      description: 'Where each event is sent (POST, signed): a public https URL.',
    }),
    secret: z
      .string()
      .regex(WEBHOOK_SECRET_PATTERN, 'must be whsec_ followed by the base64 of 24 to 64 random bytes')
      .optional()
      .meta({
        title: 'Secret',
        description:
          'The Standard Webhooks signing secret (whsec_…). Made up and answered once when left out; never shown again.',
      }),
    description: z
      .string()
      .max(200)
      .optional()
      .meta({ title: 'Description', description: 'A note for operators: who receives these events.' }),
    filters: subscriptionFiltersSchema.optional(),
  })
  .meta({ title: 'Webhook subscription', description: 'A signed webhook subscriber and its filters.' });
export type WebhookSubscriptionRequest = z.infer<typeof webhookSubscriptionRequestSchema>;

/** The Standard Webhooks envelope: `type` is the event type with a dot (`referral.updated`). */
export function webhookTypeOf(type: ReferralEventType): string {
  return type.replace(/-(created|updated)$/, '.$1');
}

// ---- Power Automate triggers -----------------------------------------------------------------------------

export interface TriggerDefinition {
  /** The route's last segment and the Power Automate operation. */
  readonly name: 'referral-created' | 'referral-updated';
  readonly operationId: string;
  readonly summary: string;
  readonly description: string;
  readonly eventTypes: readonly ReferralEventType[];
}

/**
 * One trigger per event makers think of. The related-referral events are left to signed webhooks: whether
 * Partner Center sends them is unconfirmed (reference §3).
 */
export const triggers = [
  {
    name: 'referral-created',
    operationId: 'WhenAReferralIsCreated',
    summary: 'When a referral is created',
    description:
      'Starts the flow when a referral is created in Partner Center, with the referral as it was read then.',
    eventTypes: ['referral-created'],
  },
  {
    name: 'referral-updated',
    operationId: 'WhenAReferralIsUpdated',
    summary: 'When a referral is updated',
    description:
      'Starts the flow when a referral changes in Partner Center (status, deal value, team), with the referral as it is after the change.',
    eventTypes: ['referral-updated'],
  },
] as const satisfies readonly TriggerDefinition[];

/** The trigger's subscribe body: the platform fills in the callback; makers choose the filters. */
export const triggerSubscriptionRequestSchema = z
  .strictObject({
    callbackUrl: z.url({ error: 'must be an absolute URL' }).max(4096).meta({
      title: 'Callback URL',
      description: 'Where the platform wants the events; filled in by the platform.',
      'x-ms-notification-url': true,
      'x-ms-visibility': 'internal',
    }),
    direction: directionSchema.optional(),
    status: statusSchema.optional(),
    substatus: substatusSchema.optional(),
    includeFacadeChanges: includeFacadeChangesSchema.optional(),
  })
  .meta({ title: 'Trigger', description: 'Which referrals start the flow.' });
export type TriggerSubscriptionRequest = z.infer<typeof triggerSubscriptionRequestSchema>;

// ---- what the endpoints answer -------------------------------------------------------------------------------

export const subscriptionViewSchema = z
  .object({
    id: z.string().meta({ title: 'Subscription ID', description: 'Names the subscription in later calls.' }),
    kind: subscriptionKindSchema.meta({
      title: 'Kind',
      description: 'webhook (signed, Standard Webhooks) or power-automate (a flow trigger).',
    }),
    destination: z.string().meta({
      title: 'Destination',
      description:
        'Where events go, without its query (a Power Automate callback carries its signature there).',
    }),
    description: z.string().optional().meta({ title: 'Description', description: 'The operator note.' }),
    filters: subscriptionFiltersSchema,
    state: subscriptionStateSchema.meta({
      title: 'State',
      description: 'active, or disabled once the subscriber answered that it is gone.',
    }),
    createdAt: z.string().meta({ title: 'Created at', description: 'When it was made (ISO 8601, UTC).' }),
    disabledAt: z.string().optional().meta({ title: 'Disabled at', description: 'When it was disabled.' }),
    disabledReason: z
      .string()
      .optional()
      .meta({ title: 'Disabled reason', description: 'What the subscriber answered.' }),
  })
  .meta({ title: 'Event subscription', description: 'A subscriber and its filters; never its secret.' });
export type SubscriptionView = z.infer<typeof subscriptionViewSchema>;

export const createdWebhookSchema = subscriptionViewSchema
  .extend({
    secret: z.string().meta({
      title: 'Secret',
      description:
        'The signing secret, answered this once when the facade made it up; keep it where the receiver reads it.',
    }),
  })
  .partial({ secret: true })
  .meta({ title: 'Created webhook subscription', description: 'The subscription, with a made-up secret.' });

export const subscriptionListSchema = z
  .object({ value: z.array(subscriptionViewSchema) })
  .meta({ title: 'Event subscriptions', description: 'Every subscription, oldest first.' });

// ---- deliveries ------------------------------------------------------------------------------------------------

export const deliveryStateSchema = z.enum([
  'pending',
  'retrying',
  'delivered',
  'parked',
  'gone',
  'cancelled',
]);
export type DeliveryState = z.infer<typeof deliveryStateSchema>;

export const deliveryAttemptSchema = z.object({
  attempt: z.number().int().meta({ title: 'Attempt', description: 'Counted from 1; a replay starts again.' }),
  at: z.string().meta({ title: 'At', description: 'When it was sent (ISO 8601, UTC).' }),
  durationMs: z
    .number()
    .meta({ title: 'Duration', description: 'Milliseconds until the answer or failure.' }),
  status: z.number().int().optional().meta({ title: 'Status', description: "The subscriber's answer." }),
  error: z.string().optional().meta({
    title: 'Error',
    description: 'Why no answer counted (a timeout, a refused destination); never a URL or secret.',
  }),
  replayed: z.boolean().optional().meta({ title: 'Replayed', description: 'Sent by an operator replay.' }),
});
export type DeliveryAttempt = z.infer<typeof deliveryAttemptSchema>;

export const deliveryViewSchema = z
  .object({
    deliveryKey: z
      .string()
      .meta({ title: 'Delivery key', description: 'Time-ordered name of the delivery.' }),
    eventId: z.string().meta({ title: 'Event ID', description: 'The event delivered.' }),
    eventType: referralEventTypeSchema,
    referralId: z.string().meta({ title: 'Referral ID', description: 'The referral the event is about.' }),
    receivedAt: z
      .string()
      .meta({ title: 'Received at', description: 'When the facade learnt of the event.' }),
    state: deliveryStateSchema.meta({
      title: 'State',
      description:
        'pending or retrying (on its way), delivered, parked (attempts spent: replay it), gone (the subscriber is gone), cancelled (the subscription was deleted).',
    }),
    attempts: z.number().int().meta({ title: 'Attempts', description: 'Attempts since the last replay.' }),
    nextAttemptAt: z.string().optional().meta({ title: 'Next attempt at', description: 'When retrying.' }),
    log: z
      .array(deliveryAttemptSchema)
      .meta({ title: 'Log', description: 'The latest attempts, oldest first.' }),
  })
  .meta({ title: 'Delivery', description: 'One event on its way to one subscriber.' });
export type DeliveryView = z.infer<typeof deliveryViewSchema>;

export const deliveryListQuerySchema = z.strictObject({
  state: z
    .union([deliveryStateSchema, z.literal('all')])
    .optional()
    .meta({
      title: 'State',
      description: 'Only deliveries in this state (parked by default); all for every state.',
    }),
  from: z.iso.datetime({ offset: true }).optional().meta({
    title: 'From',
    description: 'Only events received at or after this instant (ISO 8601).',
  }),
  to: z.iso.datetime({ offset: true }).optional().meta({
    title: 'To',
    description: 'Only events received before this instant (ISO 8601).',
  }),
  top: z.coerce.number().int().min(1).max(1000).optional().meta({
    title: 'Top',
    description: 'At most this many, oldest first (100 by default, at most 1000).',
  }),
});
export type DeliveryListQuery = z.infer<typeof deliveryListQuerySchema>;

export const deliveryListSchema = z
  .object({
    value: z.array(deliveryViewSchema),
    complete: z.boolean().meta({
      title: 'Complete',
      description: 'False when more deliveries match than were listed (narrow the range or raise top).',
    }),
  })
  .meta({ title: 'Deliveries', description: "A subscription's deliveries, oldest first." });

export const replayRequestSchema = z
  .strictObject({
    from: z.iso.datetime({ offset: true }).meta({
      title: 'From',
      description: 'Replay events received at or after this instant (ISO 8601).',
    }),
    to: z.iso.datetime({ offset: true }).meta({
      title: 'To',
      description: 'Replay events received before this instant (ISO 8601).',
    }),
    state: z.enum(['parked', 'all']).optional().meta({
      title: 'State',
      description:
        'parked (the default): only deliveries whose attempts were spent; all: every delivery in the range that is not on its way, delivered ones included.',
    }),
  })
  .meta({ title: 'Replay', description: 'Which deliveries to send again.' });
export type ReplayRequest = z.infer<typeof replayRequestSchema>;

export const replayResultSchema = z
  .object({
    replayed: z.number().int().meta({ title: 'Replayed', description: 'Deliveries sent again.' }),
    complete: z.boolean().meta({
      title: 'Complete',
      description: 'False when the range held more than one replay sends (1000): replay the rest again.',
    }),
  })
  .meta({ title: 'Replay result', description: 'What the replay sent again.' });
