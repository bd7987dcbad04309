/**
 * What the generated API descriptions say about the endpoints that are not simplified operations (those carry
 * their own summary and description in shared/operations/catalog.ts).
 */
import { z } from 'zod';

export interface EndpointText {
  readonly operationId: string;
  readonly summary: string;
  readonly description: string;
}

export const healthSchema = z
  .object({
    status: z.literal('ok').meta({ title: 'Status', description: 'Always ok when the service answers.' }),
    service: z.string().meta({ title: 'Service', description: 'The service name.' }),
    version: z.string().meta({ title: 'Version', description: 'The deployed version.' }),
  })
  .meta({ title: 'Health', description: 'Liveness of the facade; it does not call Partner Center.' });

export const endpointTexts = {
  health: {
    operationId: 'GetHealth',
    summary: 'Check that the service is up',
    description: 'Answers without calling Partner Center or reading configuration. Needs no key.',
  },
  readiness: {
    operationId: 'GetReadiness',
    summary: 'Check that the service can reach Partner Center',
    description:
      'Checks the configuration, Key Vault, that a Partner Center token can be obtained, and the refresh token’s age. Never reveals a secret.',
  },
  read: {
    operationId: 'GetReferral',
    summary: 'Get a referral',
    description:
      'Reads one referral from Partner Center, with its ETag, so a later update can refuse to overwrite changes made in between.',
  },
  search: {
    operationId: 'FindReferrals',
    summary: 'Find referrals',
    description:
      'Finds referrals by status, substatus, direction, last change, team member or your CRM ID, most recently updated first. Reads at most 10 pages of Partner Center results.',
  },
  create: {
    operationId: 'CreateReferral',
    summary: 'Create a referral',
    description:
      'Creates a private, partner-led or co-sell referral from plain fields. With an externalReferenceId it is idempotent: a referral that already carries that CRM ID is answered (200, Create-Outcome: existing) instead of creating a second one.',
  },
  createRaw: {
    operationId: 'CreateReferralRaw',
    summary: "Create a referral from Partner Center's body",
    description:
      "For advanced callers: Partner Center's own create body, checked against the referral schema and relayed; idempotent by externalReferenceId like the plain create.",
  },
  sync: {
    operationId: 'SyncReferral',
    summary: 'Sync a referral with your values',
    description:
      'Makes the referral carry the values you send (deal details, status, team members) and writes only what differs: nothing at all when it already matches (Sync-Outcome: unchanged).',
  },
  hook: {
    operationId: 'ReceiveWebhook',
    summary: 'Receive a webhook',
    description:
      "Turns a signed webhook from a CRM or integration platform into one simplified operation, as the named mapping says. Authenticated by the mapping's signature scheme (Standard Webhooks or HMAC-SHA256), not by a function key.",
  },
  'event-receiver': {
    operationId: 'ReceivePartnerCenterEvent',
    summary: 'Receive a Partner Center event',
    description:
      "The one receiver registered with Partner Center (npm run events:register): verifies Partner Center's signature, reads the referral, stores the change once and fans it out to subscribers. Authenticated by the signature, not by a function key.",
  },
  openapi: {
    operationId: 'GetApiDescription',
    summary: 'Get this description',
    description: 'This OpenAPI 3.0 document, generated from the route table and the request schemas.',
  },
} as const satisfies Record<string, EndpointText>;
