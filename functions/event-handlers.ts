/**
 * HTTP glue for the event subscribers' endpoints: reads the route's parts and hands them to shared/events.
 */
import type { ServicesResolver } from '../shared/app/services';
import type { CallContext } from '../shared/call/context';
import type { RenderedResponse } from '../shared/failures/problem';
import {
  listAllSubscriptions,
  listSubscriptionDeliveries,
  readSubscription,
  replay,
  subscribeTrigger,
  subscribeWebhook,
  unsubscribe,
} from '../shared/events/subscription-endpoints';
import type { TriggerDefinition } from '../shared/events/subscription-schemas';
import type { SubscriptionEndpointKind } from '../shared/openapi/api-model';
import { readJsonBody } from './body';
import type { InboundRequest } from './inbound';
import { subscriptionUrlFor } from './status-url';

type Work = (request: InboundRequest, call: CallContext) => Promise<RenderedResponse>;

/** `code` carries the function key when a caller cannot set headers; it is the host's, not a filter. */
function queryOf(request: InboundRequest): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [name, value] of new URL(request.url).searchParams) {
    if (name !== 'code' && !(name in query)) query[name] = value;
  }
  return query;
}

export function triggerWork(trigger: TriggerDefinition, services: ServicesResolver): Work {
  return async (request, call) =>
    subscribeTrigger(
      services().events(),
      call,
      trigger,
      await readJsonBody(request, false),
      subscriptionUrlFor(request),
    );
}

export function subscriptionWork(kind: SubscriptionEndpointKind, services: ServicesResolver): Work {
  switch (kind) {
    case 'subscription-create':
      return async (request, call) =>
        subscribeWebhook(
          services().events(),
          call,
          await readJsonBody(request, false),
          subscriptionUrlFor(request),
        );
    case 'subscription-list':
      return (_request, call) => listAllSubscriptions(services().events(), call);
    case 'subscription-get':
      return (request, call) => readSubscription(services().events(), call, request.params['subscriptionId']);
    case 'subscription-delete':
      return (request, call) => unsubscribe(services().events(), call, request.params['subscriptionId']);
    case 'subscription-deliveries':
      return (request, call) =>
        listSubscriptionDeliveries(
          services().events(),
          call,
          request.params['subscriptionId'],
          queryOf(request),
        );
    case 'subscription-replay':
      return async (request, call) =>
        replay(
          services().events(),
          call,
          request.params['subscriptionId'],
          await readJsonBody(request, false),
        );
  }
}
