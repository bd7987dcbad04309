/**
 * The route table: the single source of truth for the Azure Functions registrations, the local host and the
 * generated API description. Routes are relative to the `api` prefix (host.json `routePrefix`).
 */
import type { HttpMethod } from '@azure/functions';
import { operations, simplifiedOperations } from '../shared/operations/catalog';
import type { OperationDefinition } from '../shared/operations/definition';
import { triggers, type TriggerDefinition } from '../shared/events/subscription-schemas';
import type { OperationEndpointKind, SubscriptionEndpointKind } from '../shared/openapi/api-model';

export type RouteTarget =
  | { readonly kind: 'health' }
  | { readonly kind: 'readiness' }
  | { readonly kind: 'read' }
  | { readonly kind: 'update'; readonly operation: OperationDefinition }
  /** The flat create body, or (raw) Partner Center's own. */
  | { readonly kind: 'create'; readonly raw: boolean }
  | { readonly kind: 'sync' }
  | { readonly kind: 'search' }
  | { readonly kind: 'hook' }
  /** Partner Center's signed notifications (docs/events.md). */
  | { readonly kind: 'event-receiver' }
  | { readonly kind: 'openapi' }
  | { readonly kind: OperationEndpointKind }
  | { readonly kind: SubscriptionEndpointKind }
  | { readonly kind: 'subscription-trigger'; readonly trigger: TriggerDefinition }
  | { readonly kind: 'fallback' };

export interface RouteDefinition {
  /** The Azure Functions function name. */
  readonly name: string;
  readonly methods: readonly HttpMethod[];
  readonly route: string;
  /** `function` requires a function key in Azure; the local host does not check keys. */
  readonly authLevel: 'anonymous' | 'function';
  readonly target: RouteTarget;
}

export const API_PREFIX = '/api/';

/** The routes registered with the Functions host: all but the local host's catch-all. */
export function hostedRoutes(): readonly RouteDefinition[] {
  return routes.filter((route) => route.target.kind !== 'fallback');
}

/** Every route that answers GET also answers HEAD (RFC 9110 §9.3.2): the same headers, no body. */
export const routes: readonly RouteDefinition[] = [
  // Liveness: answers without touching any dependency, so platform health probes stay cheap.
  {
    name: 'health',
    methods: ['GET', 'HEAD'],
    route: 'health',
    authLevel: 'anonymous',
    target: { kind: 'health' },
  },
  // Readiness: checks Key Vault and the token; behind a function key because it does real work and describes
  // the deployment.
  {
    name: 'health-ready',
    methods: ['GET', 'HEAD'],
    route: 'health/ready',
    authLevel: 'function',
    target: { kind: 'readiness' },
  },
  // Anonymous so tools (Power Platform's "import from URL", API clients) can read it; it holds no data.
  {
    name: 'openapi',
    methods: ['GET', 'HEAD'],
    route: 'openapi.json',
    authLevel: 'anonymous',
    target: { kind: 'openapi' },
  },
  {
    name: 'referral-search',
    methods: ['GET', 'HEAD'],
    route: 'referrals',
    authLevel: 'function',
    target: { kind: 'search' },
  },
  {
    name: 'referral-create',
    methods: ['POST'],
    route: 'referrals',
    authLevel: 'function',
    target: { kind: 'create', raw: false },
  },
  {
    name: 'referral-create-raw',
    methods: ['POST'],
    route: 'referrals/raw',
    authLevel: 'function',
    target: { kind: 'create', raw: true },
  },
  {
    name: 'referral-get',
    methods: ['GET', 'HEAD'],
    route: 'referrals/{id}',
    authLevel: 'function',
    target: { kind: 'read' },
  },
  {
    name: 'referral-patch',
    methods: ['PATCH'],
    route: 'referrals/{id}',
    authLevel: 'function',
    target: { kind: 'update', operation: operations.rawPatch },
  },
  ...simplifiedOperations.map((operation): RouteDefinition => ({
    name: `referral-${operation.name}`,
    methods: ['POST'],
    route: `referrals/{id}/${operation.name}`,
    authLevel: 'function',
    target: { kind: 'update', operation },
  })),
  {
    name: 'referral-sync',
    methods: ['POST'],
    route: 'referrals/{id}/sync',
    authLevel: 'function',
    target: { kind: 'sync' },
  },
  // The asynchronous mode: a 202's Location, then the operator's list and retries (docs/reliability.md).
  {
    name: 'operation-status',
    methods: ['GET', 'HEAD'],
    route: 'operations/{id}',
    authLevel: 'function',
    target: { kind: 'operation-status' },
  },
  {
    name: 'operation-list',
    methods: ['GET', 'HEAD'],
    route: 'operations',
    authLevel: 'function',
    target: { kind: 'operation-list' },
  },
  {
    name: 'operation-retry',
    methods: ['POST'],
    route: 'operations/{id}/retry',
    authLevel: 'function',
    target: { kind: 'operation-retry' },
  },
  {
    name: 'operation-retry-failed',
    methods: ['POST'],
    route: 'operations/retry-failed',
    authLevel: 'function',
    target: { kind: 'operation-retry-failed' },
  },
  // Event subscribers (docs/event-subscribers.md): signed webhooks, and the connector's two triggers, whose 201
  // Location the platform deletes to unsubscribe. Behind a function key: a subscriber receives every referral.
  {
    name: 'event-subscription-list',
    methods: ['GET', 'HEAD'],
    route: 'events/subscriptions',
    authLevel: 'function',
    target: { kind: 'subscription-list' },
  },
  {
    name: 'event-subscription-create',
    methods: ['POST'],
    route: 'events/subscriptions',
    authLevel: 'function',
    target: { kind: 'subscription-create' },
  },
  ...triggers.map((trigger): RouteDefinition => ({
    name: `event-trigger-${trigger.name}`,
    methods: ['POST'],
    route: `events/subscriptions/power-automate/${trigger.name}`,
    authLevel: 'function',
    target: { kind: 'subscription-trigger', trigger },
  })),
  {
    name: 'event-subscription-get',
    methods: ['GET', 'HEAD'],
    route: 'events/subscriptions/{subscriptionId}',
    authLevel: 'function',
    target: { kind: 'subscription-get' },
  },
  {
    name: 'event-subscription-delete',
    methods: ['DELETE'],
    route: 'events/subscriptions/{subscriptionId}',
    authLevel: 'function',
    target: { kind: 'subscription-delete' },
  },
  {
    name: 'event-subscription-deliveries',
    methods: ['GET', 'HEAD'],
    route: 'events/subscriptions/{subscriptionId}/deliveries',
    authLevel: 'function',
    target: { kind: 'subscription-deliveries' },
  },
  {
    name: 'event-subscription-replay',
    methods: ['POST'],
    route: 'events/subscriptions/{subscriptionId}/replay',
    authLevel: 'function',
    target: { kind: 'subscription-replay' },
  },
  // Senders authenticate by the signature their mapping requires; most cannot send a function key header.
  {
    name: 'webhook',
    methods: ['POST'],
    route: 'hooks/{name}',
    authLevel: 'anonymous',
    target: { kind: 'hook' },
  },
  // Partner Center signs its events and cannot send a function key: the signature is the authentication.
  {
    name: 'events-partner-center',
    methods: ['POST'],
    route: 'events/partner-center',
    authLevel: 'anonymous',
    target: { kind: 'event-receiver' },
  },
  // The local host's answer to unknown paths: a problem+json 404, or 405 with Allow. Not registered in Azure:
  // the Functions host does not rank a catch-all below literal routes the way ASP.NET Core does (it orders routes
  // by function name; Azure/azure-functions-host#9876), so `{*path}` could shadow every real endpoint.
  {
    name: 'fallback',
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'],
    route: '{*path}',
    authLevel: 'anonymous',
    target: { kind: 'fallback' },
  },
];
