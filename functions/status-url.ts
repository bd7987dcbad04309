import type { InboundRequest } from './inbound';
import { API_PREFIX } from './routes';

/**
 * Where a caller polls an operation: absolute, on the host the caller used (Power Automate follows it as
 * given), carrying the function key when the caller sent it as `?code=`, since the poll needs it too.
 */
export function statusUrlFor(request: InboundRequest): (operationId: string) => string {
  return apiUrlFor(request, 'operations');
}

/** Where a subscription lives: the Location Power Automate deletes to unsubscribe, keyed like a poll. */
export function subscriptionUrlFor(request: InboundRequest): (subscriptionId: string) => string {
  return apiUrlFor(request, 'events/subscriptions');
}

function apiUrlFor(request: InboundRequest, collection: string): (id: string) => string {
  const url = new URL(request.url);
  const code = url.searchParams.get('code');
  return (id) =>
    `${url.origin}${API_PREFIX}${collection}/${encodeURIComponent(id)}${
      code === null ? '' : `?code=${encodeURIComponent(code)}`
    }`;
}
