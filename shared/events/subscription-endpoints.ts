/**
 * The subscription endpoints' answers: the request parts validated against the schemas in
 * subscription-schemas.ts, the work done by subscribers.ts, the answer written as JSON. functions/ reads the
 * request and hands the parts here.
 */
import type { z } from 'zod';
import type { CallContext } from '../call/context';
import { invalidRequest } from '../failures/failure-map';
import { toFieldErrors } from '../failures/field-errors';
import { renderJson, type RenderedResponse } from '../failures/problem';
import type { Events } from './events';
import {
  deliveryListQuerySchema,
  replayRequestSchema,
  triggerSubscriptionRequestSchema,
  webhookSubscriptionRequestSchema,
  type TriggerDefinition,
} from './subscription-schemas';
import {
  createTriggerSubscription,
  createWebhookSubscription,
  deleteSubscription,
  getSubscription,
  listDeliveries,
  listSubscriptions,
  replayDeliveries,
} from './subscribers';

/** Where a subscription lives in this API: absolute, on the host the caller used. */
export type SubscriptionUrl = (subscriptionId: string) => string;

// Answers may carry a secret made up for the caller, or say who subscribes to what.
const answer = (
  call: CallContext,
  status: number,
  body: unknown,
  extra: Record<string, string> = {},
): RenderedResponse =>
  renderJson(call.correlationId, status, body, { 'Cache-Control': 'no-store', ...extra });

function parsed<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query'): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw invalidRequest(
    where === 'body'
      ? 'The subscription request is not valid; see errors for each field.'
      : 'A query parameter is not valid; see errors for each one.',
    toFieldErrors(result.error.issues, where),
  );
}

export async function subscribeWebhook(
  events: Events,
  call: CallContext,
  body: unknown,
  urlOf: SubscriptionUrl,
): Promise<RenderedResponse> {
  const request = parsed(webhookSubscriptionRequestSchema, body, 'body');
  const created = await createWebhookSubscription(events, request);
  return answer(
    call,
    201,
    { ...created.subscription, ...(created.secret === undefined ? {} : { secret: created.secret }) },
    { Location: urlOf(created.subscription.id) },
  );
}

/** A Power Automate trigger's subscribe call: 201 with the Location the platform deletes to unsubscribe. */
export async function subscribeTrigger(
  events: Events,
  call: CallContext,
  trigger: TriggerDefinition,
  body: unknown,
  urlOf: SubscriptionUrl,
): Promise<RenderedResponse> {
  const request = parsed(triggerSubscriptionRequestSchema, body, 'body');
  const created = await createTriggerSubscription(events, trigger, request);
  return answer(call, 201, created.subscription, { Location: urlOf(created.subscription.id) });
}

export async function readSubscription(
  events: Events,
  call: CallContext,
  id: string | undefined,
): Promise<RenderedResponse> {
  return answer(call, 200, await getSubscription(events, id));
}

export async function listAllSubscriptions(events: Events, call: CallContext): Promise<RenderedResponse> {
  return answer(call, 200, { value: await listSubscriptions(events) });
}

export async function unsubscribe(
  events: Events,
  call: CallContext,
  id: string | undefined,
): Promise<RenderedResponse> {
  await deleteSubscription(events, id);
  return { status: 204, headers: { 'MS-CorrelationId': call.correlationId } };
}

export async function listSubscriptionDeliveries(
  events: Events,
  call: CallContext,
  id: string | undefined,
  query: Readonly<Record<string, string>>,
): Promise<RenderedResponse> {
  const criteria = parsed(deliveryListQuerySchema, query, 'query');
  return answer(call, 200, await listDeliveries(events, id, criteria));
}

export async function replay(
  events: Events,
  call: CallContext,
  id: string | undefined,
  body: unknown,
): Promise<RenderedResponse> {
  const request = parsed(replayRequestSchema, body, 'body');
  return answer(call, 200, await replayDeliveries(events, id, request, call.correlationId));
}
