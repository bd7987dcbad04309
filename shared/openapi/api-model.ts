/**
 * One neutral description of every endpoint, built from the route table and the zod schemas. Both renderers
 * (OpenAPI 3 for `GET /api/openapi.json`, Swagger 2.0 for the Power Platform connector) read only this, so the two
 * documents cannot drift apart or away from the code.
 */
import type { z } from 'zod';
import { PROBLEM_CONTENT_TYPE, problemSchema } from '../failures/problem';
import { problemTypes, type ProblemKind, type ProblemType } from '../failures/problem-types';
import { documentedSamples } from '../operations/samples';
import type { OperationDefinition } from '../operations/definition';
import { REFERRAL_ID_PATTERN } from '../referral/referral-id';
import { referralSchema } from '../referral/referral-schema';
import { createReferralRequestSchema, rawCreateSchema } from '../operations/create';
import { syncRequestSchema } from '../operations/sync';
import { searchQuerySchema } from '../referral-search/query';
import { searchResultSchema } from '../referral-search/search';
import { webhookOutcomeSchema } from '../webhooks/intake';
import { notificationSchema } from '../events/notification';
import { eventReceiptSchema } from '../events/receiver';
import { operationStatusSchema } from '../durable/operations';
import { readinessReportSchema } from '../health/readiness';
import { referralEventSchema } from '../events/records';
import {
  createdWebhookSchema,
  deliveryListQuerySchema,
  deliveryListSchema,
  replayRequestSchema,
  replayResultSchema,
  SUBSCRIPTION_ID_PATTERN,
  subscriptionListSchema,
  subscriptionViewSchema,
  triggerSubscriptionRequestSchema,
  webhookSubscriptionRequestSchema,
  type TriggerDefinition,
} from '../events/subscription-schemas';
import { endpointTexts, healthSchema } from './endpoints';
import { jsonSchemaOf, type JsonSchema } from './json-schema';
import { titleCase, withTitleCase } from './title-case';

/** The parts of a route table entry the description needs (functions/routes.ts satisfies it structurally). */
export interface DescribedRoute {
  readonly name: string;
  readonly methods: readonly string[];
  readonly route: string;
  readonly authLevel: 'anonymous' | 'function';
  readonly target:
    | { readonly kind: 'update'; readonly operation: OperationDefinition }
    | { readonly kind: 'create'; readonly raw: boolean }
    | { readonly kind: 'subscription-trigger'; readonly trigger: TriggerDefinition }
    | {
        readonly kind:
          | 'health'
          | 'readiness'
          | 'read'
          | 'search'
          | 'hook'
          | 'event-receiver'
          | 'openapi'
          | 'fallback'
          | 'sync'
          | OperationEndpointKind
          | SubscriptionEndpointKind;
      };
}

/** The event subscribers' endpoints (docs/event-subscribers.md); the Power Automate triggers are their own kind. */
export type SubscriptionEndpointKind =
  | 'subscription-create'
  | 'subscription-list'
  | 'subscription-get'
  | 'subscription-delete'
  | 'subscription-replay'
  | 'subscription-deliveries';

/** The asynchronous mode's endpoints: polling one operation, and the operator's list and retries. */
export type OperationEndpointKind =
  'operation-status' | 'operation-list' | 'operation-retry' | 'operation-retry-failed';

export interface ApiParameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header';
  readonly required: boolean;
  readonly title: string;
  readonly description: string;
  /** What the connector tells makers instead, where `description` speaks HTTP. */
  readonly makerDescription?: string;
  readonly schema: JsonSchema;
  /** Shown only under "advanced" in low-code designers. */
  readonly advanced?: boolean;
  readonly enumNames?: readonly { readonly value: string; readonly displayName: string }[];
  /** Left out of the Power Platform connector, whose actions already offer the same choice another way. */
  readonly notInConnector?: boolean;
}

export interface ApiHeader {
  readonly name: string;
  readonly title: string;
  readonly description: string;
}

export interface ApiResponse {
  /** A status code, or a range such as `4XX` (OpenAPI 3 only: Swagger 2.0 has no ranges). */
  readonly status: string;
  readonly description: string;
  /** A key of `schemas`; absent for empty bodies. */
  readonly schema?: string;
  readonly contentType?: string;
  readonly headers: readonly ApiHeader[];
}

export interface ApiOperation {
  readonly operationId: string;
  readonly method: 'get' | 'post' | 'patch' | 'delete';
  /** OpenAPI path below the `api` prefix, e.g. `/referrals/{id}/close-won`. */
  readonly path: string;
  readonly summary: string;
  readonly description: string;
  readonly parameters: readonly ApiParameter[];
  readonly requestBody?: {
    readonly schema: string;
    readonly required: boolean;
    readonly title: string;
    readonly description: string;
    readonly examples: readonly { readonly summary: string; readonly value: unknown }[];
  };
  readonly responses: readonly ApiResponse[];
  readonly secured: boolean;
  /** Whether the Power Platform connector offers it as an action. */
  readonly inConnector: boolean;
  /** In the connector but never shown to makers: the unsubscribe call the platform makes itself. */
  readonly internal?: boolean;
  /**
   * A webhook trigger (the subscribe call of one): the connector marks it `x-ms-trigger: single` and describes
   * what the platform will receive at the callback URL (a property of the body marked `x-ms-notification-url`).
   */
  readonly trigger?: {
    readonly notificationSchema: string;
    readonly notificationDescription: string;
    readonly hint: string;
  };
}

export interface ApiModel {
  readonly operations: readonly ApiOperation[];
  readonly schemas: Readonly<Record<string, JsonSchema>>;
}

const pascal = (name: string) =>
  name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => (word[0] ?? '').toUpperCase() + word.slice(1))
    .join('');

const referralIdParameter: ApiParameter = {
  name: 'id',
  in: 'path',
  required: true,
  title: 'Referral ID',
  description: 'The Partner Center ID of the referral (a GUID), as in the referral link or a search result.',
  schema: { type: 'string', pattern: REFERRAL_ID_PATTERN.source },
};

const correlationIdParameter: ApiParameter = {
  name: 'MS-CorrelationId',
  in: 'header',
  required: false,
  title: 'Correlation ID',
  description:
    'A GUID to trace this call in logs and with Partner Center support; one is made up when left out.',
  schema: { type: 'string' },
  advanced: true,
};

const preferParameter: ApiParameter = {
  name: 'Prefer',
  in: 'header',
  required: false,
  title: 'Return the Updated Referral',
  description:
    'return=representation answers 200 with the updated referral (its fields become dynamic content); return=minimal, or leaving it out, answers 204 with no body.',
  makerDescription:
    'Choose Return the updated referral to get the referral as it is after the update, so later steps can use its fields. Leave empty when later steps do not need it.',
  schema: { type: 'string', enum: ['return=representation', 'return=minimal'] },
  advanced: true,
  enumNames: [
    { value: 'return=representation', displayName: 'Return the updated referral' },
    { value: 'return=minimal', displayName: 'Return nothing' },
  ],
};

/** The Prefer header's twin for callers that cannot set headers (many webhook senders). */
const returnQueryParameter: ApiParameter = {
  name: 'return',
  in: 'query',
  required: false,
  title: 'Return the Updated Referral',
  description:
    'For callers that cannot set headers: representation is the same as Prefer: return=representation, minimal the same as leaving it out. It wins over the header.',
  schema: { type: 'string', enum: ['representation', 'minimal'] },
  advanced: true,
  notInConnector: true,
};

/** The asynchronous mode (docs/reliability.md): answered 202 at once, finished in the background. */
const modeQueryParameter: ApiParameter = {
  name: 'mode',
  in: 'query',
  required: false,
  title: 'Finish in the Background',
  description:
    'Yes to have the update checked now and applied in the background, tried again for hours if Partner Center is down; the flow waits for the result without holding the connection.',
  schema: { type: 'string', enum: ['async', 'sync'] },
  advanced: true,
  enumNames: [
    { value: 'async', displayName: 'Yes' },
    { value: 'sync', displayName: 'No' },
  ],
};

const idempotencyKeyParameter: ApiParameter = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  title: 'Idempotency Key',
  description:
    'Asynchronous mode only: the same key with the same request returns the operation accepted first; with another request it is refused (422).',
  schema: { type: 'string' },
  advanced: true,
  notInConnector: true,
};

const operationIdParameter: ApiParameter = {
  name: 'id',
  in: 'path',
  required: true,
  title: 'Operation id',
  description: 'The operation id, from the Location of a 202 answer.',
  schema: { type: 'string' },
};

const ifMatchParameter: ApiParameter = {
  name: 'If-Match',
  in: 'header',
  required: false,
  title: 'ETag',
  description:
    "The referral's ETag from an earlier read: the update is refused (412) if the referral changed since. Leave empty to update regardless.",
  makerDescription:
    "The referral's ETag from an earlier Get a referral or Find referrals step: the update is refused if someone changed the referral since. Leave empty to update regardless.",
  schema: { type: 'string' },
  advanced: true,
};

const header = (name: string, title: string, description: string): ApiHeader => ({
  name,
  title,
  description,
});

/** Sent with every answer, success or problem. */
const correlationHeader = header(
  'MS-CorrelationId',
  'Correlation ID',
  'The ID of this call, yours or one made up; quote it when asking for support.',
);
const etagHeader = header(
  'ETag',
  'ETag',
  "The referral's ETag after the call, when Partner Center reports one; give it as the ETag of a later update.",
);
const preferenceAppliedHeader = header(
  'Preference-Applied',
  'Preference Applied',
  'return=representation when the answer carries the updated referral.',
);
const memberOutcomeHeader = header(
  'Member-Outcome',
  'Member Outcome',
  'added, or already-present when that email was already on the team and nothing was written.',
);
const representationStatusHeader = header(
  'Representation-Status',
  'Representation Status',
  'unavailable when the update was applied but the referral asked for could not be read back; do not send the update again.',
);
const registrationOutcomeHeader = header(
  'Registration-Outcome',
  'Registration Outcome',
  'registered, or already-registered when the referral had a deal registration and nothing was written.',
);
const retryAfterHeader = header(
  'Retry-After',
  'Retry After',
  'How many seconds to wait before sending the call again.',
);

const success = (
  status: string,
  description: string,
  schema: string | undefined,
  headers: readonly ApiHeader[] = [],
): ApiResponse => ({
  status,
  description,
  ...(schema ? { schema } : {}),
  headers: [correlationHeader, ...headers],
});

/**
 * The problem kinds each kind of endpoint can answer. The statuses come from the failure map's table
 * (shared/failures/problem-types.ts), so a kind that changes status changes every description with it; a test
 * checks that every kind is declared somewhere but the local host's own answers to unknown paths and methods.
 */
const facadeKinds: readonly ProblemKind[] = ['invalid-request', 'internal-error', 'misconfigured'];
const tokenKinds: readonly ProblemKind[] = [
  'credentials-missing',
  'credentials-forbidden',
  'credentials-unavailable',
  'credentials-expired',
  'credentials-rejected',
  'credentials-mfa-required',
  'token-service-unavailable',
];
const upstreamKinds: readonly ProblemKind[] = [
  'upstream-rejected',
  'upstream-unauthorized',
  'upstream-forbidden',
  'upstream-throttled',
  'upstream-unavailable',
  'upstream-error',
  'upstream-timeout',
  'upstream-unreachable',
  'upstream-invalid-response',
];
const bodyKinds: readonly ProblemKind[] = ['payload-too-large', 'unsupported-media-type'];
const writeKinds: readonly ProblemKind[] = [
  'referral-not-found',
  'upstream-conflict',
  'etag-mismatch',
  'outcome-unknown',
  'referral-busy',
  'referral-unversioned',
];

export const problemKindsByEndpoint = {
  read: [...facadeKinds, ...tokenKinds, ...upstreamKinds, 'referral-not-found'],
  create: [
    ...facadeKinds,
    ...tokenKinds,
    ...upstreamKinds,
    ...bodyKinds,
    'upstream-conflict',
    'outcome-unknown',
    'upstream-not-found',
    'ambiguous-external-reference',
  ],
  sync: [
    ...facadeKinds,
    ...tokenKinds,
    ...upstreamKinds,
    ...bodyKinds,
    ...writeKinds,
    'transition-forbidden',
  ],
  search: [...facadeKinds, ...tokenKinds, ...upstreamKinds, 'upstream-not-found'],
  update: [
    ...facadeKinds,
    ...tokenKinds,
    ...upstreamKinds,
    ...bodyKinds,
    ...writeKinds,
    // The asynchronous mode's own: no storage to accept it, or an Idempotency-Key reused for another request.
    'storage-unavailable',
    'idempotency-key-reused',
  ],
  operations: [
    ...facadeKinds,
    'operation-not-found',
    'operation-superseded',
    'operation-not-replayable',
    'storage-unavailable',
  ],
  subscriptions: [
    ...facadeKinds,
    ...bodyKinds,
    'subscription-not-found',
    'destination-refused',
    'subscription-disabled',
    'storage-unavailable',
  ],
  hook: [
    ...facadeKinds,
    ...tokenKinds,
    ...upstreamKinds,
    ...bodyKinds,
    ...writeKinds,
    'upstream-not-found',
    'ambiguous-external-reference',
    'webhook-mapping-not-found',
    'webhook-signature-invalid',
    'webhook-unmappable',
    'webhooks-misconfigured',
    'transition-forbidden',
    'storage-unavailable',
  ],
  // POST /api/events/partner-center: the signature's kinds (shared/event-signature), then the receiver's own.
  'event-receiver': [
    ...facadeKinds,
    ...tokenKinds,
    ...upstreamKinds,
    ...bodyKinds,
    'event-signature-missing',
    'event-signature-invalid',
    'event-certificate-refused',
    'event-certificate-unavailable',
    'event-invalid',
    'event-referral-unavailable',
    'storage-unavailable',
  ],
} as const satisfies Record<string, readonly ProblemKind[]>;

/** Only the local host answers these (in Azure the platform does: an empty 404 or 405, its own 414 or 431). */
export const localHostOnlyKinds: readonly ProblemKind[] = [
  'route-not-found',
  'method-not-allowed',
  'uri-too-long',
  'headers-too-large',
];

const PLATFORM_401 = 'The function key is missing or wrong: the platform answers 401 with no body.';

function statusesOf(type: ProblemType): number[] {
  return [type.status, ...(type.statuses ?? [])];
}

/**
 * One response per status the kinds can answer, described by the kinds' titles, with Retry-After where a kind
 * sends it. A function-key route also declares the platform's bare 401.
 */
function problemResponses(kinds: readonly ProblemKind[], secured: boolean): ApiResponse[] {
  const byStatus = new Map<number, ProblemKind[]>();
  for (const kind of kinds) {
    const type: ProblemType = problemTypes[kind];
    for (const status of statusesOf(type)) byStatus.set(status, [...(byStatus.get(status) ?? []), kind]);
  }
  if (secured && !byStatus.has(401)) byStatus.set(401, []);
  const responses = [...byStatus.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, group]): ApiResponse => {
      const titles = [...new Set(group.map((kind) => problemTypes[kind].title))];
      const text = `${titles.join('; ')}.`;
      const retries = group.some((kind) => {
        const type: ProblemType = problemTypes[kind];
        return type.retryAfterSeconds !== undefined || kind === 'upstream-throttled';
      });
      return {
        status: String(status),
        description:
          status === 401 && secured
            ? `${PLATFORM_401}${group.length > 0 ? ` With a problem body: ${text}` : ''}`
            : text,
        ...(group.length > 0 ? { schema: 'Problem', contentType: PROBLEM_CONTENT_TYPE } : {}),
        headers: [correlationHeader, ...(retries ? [retryAfterHeader] : [])],
      };
    });
  return responses;
}

const queryParameters = (schema: z.ZodType): ApiParameter[] => {
  const json = jsonSchemaOf(schema, 'input') as { properties?: Record<string, JsonSchema> };
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    const { title, description, ...rest } = property;
    return {
      name,
      in: 'query',
      required: false,
      title: typeof title === 'string' ? title : name,
      description: typeof description === 'string' ? description : '',
      schema: rest,
    };
  });
};

type Describe = (route: DescribedRoute, schemas: Record<string, JsonSchema>) => ApiOperation[];

const pathOf = (route: DescribedRoute): string => `/${route.route}`;
const isSecured = (route: DescribedRoute): boolean => route.authLevel === 'function';

/** The operational endpoints: no parameters, described in endpoints.ts, kept out of the connector. */
const operational =
  (
    texts: Pick<ApiOperation, 'operationId' | 'summary' | 'description'>,
    responses: readonly ApiResponse[],
  ): Describe =>
  (route) => [
    {
      ...texts,
      method: 'get',
      path: pathOf(route),
      parameters: [],
      responses: isSecured(route) ? [...responses, ...problemResponses([], true)] : responses,
      secured: isSecured(route),
      inConnector: false,
    },
  ];

const describeRead: Describe = (route) => [
  {
    ...endpointTexts.read,
    method: 'get',
    path: pathOf(route),
    parameters: [referralIdParameter, correlationIdParameter],
    responses: [
      success('200', 'The referral; its ETag is also in the ETag header.', 'Referral', [etagHeader]),
      ...problemResponses(problemKindsByEndpoint.read, isSecured(route)),
    ],
    secured: isSecured(route),
    inConnector: true,
  },
];

const describeSearch: Describe = (route) => [
  {
    ...endpointTexts.search,
    method: 'get',
    path: pathOf(route),
    parameters: [...queryParameters(searchQuerySchema), correlationIdParameter],
    responses: [
      success('200', 'The matching referrals.', 'ReferralSearchResult'),
      ...problemResponses(problemKindsByEndpoint.search, isSecured(route)),
    ],
    secured: isSecured(route),
    inConnector: true,
  },
];

const mappingNameParameter: ApiParameter = {
  name: 'name',
  in: 'path',
  required: true,
  title: 'Mapping Name',
  description: 'The name of the webhook mapping that knows this sender (see docs/webhooks.md).',
  schema: { type: 'string' },
};

const describeHook: Describe = (route) => [
  {
    ...endpointTexts.hook,
    method: 'post',
    path: pathOf(route),
    parameters: [mappingNameParameter],
    requestBody: {
      schema: 'WebhookPayload',
      required: true,
      title: 'Payload',
      description: "The sender's own JSON payload, signed as its mapping requires.",
      examples: [],
    },
    responses: [
      success('200', 'The operation was applied.', 'WebhookOutcome'),
      success('202', 'No case of the mapping applies; nothing was changed.', 'WebhookOutcome'),
      ...problemResponses(problemKindsByEndpoint.hook, isSecured(route)),
    ],
    secured: isSecured(route),
    inConnector: false,
  },
];

const describeEventReceiver: Describe = (route) => [
  {
    ...endpointTexts['event-receiver'],
    method: 'post',
    path: pathOf(route),
    parameters: [],
    requestBody: {
      schema: 'PartnerCenterEvent',
      required: true,
      title: 'Event',
      description: "Partner Center's notification, as it signs it.",
      // The documented example (reference §8); the receiver reads the id after referrals/ in ResourceUri.
      examples: [
        {
          summary: 'A referral was updated',
          value: {
            EventName: 'referral-updated',
            ResourceUri:
              'https://api.partnercenter.microsoft.com/engagements/v1/referrals/6a3b9c1e-0d2f-4e5a-9b8c-7d6e5f4a3b2c',
            ResourceName: 'referral',
            AuditUri: null,
            ResourceChangeUtcDate: '2026-11-30T10:15:00.000Z',
          },
        },
      ],
    },
    responses: [
      success('200', 'The event was stored (or known, or not a referral change).', 'EventReceipt'),
      ...problemResponses(problemKindsByEndpoint['event-receiver'], isSecured(route)),
    ],
    secured: isSecured(route),
    inConnector: false,
  },
];

function updateResponses(operation: OperationDefinition, secured: boolean): ApiResponse[] {
  // add-member says whether it wrote anything, whether or not the referral is returned.
  const outcome =
    operation.name === 'add-member'
      ? [memberOutcomeHeader]
      : operation.name === 'register-deal'
        ? [registrationOutcomeHeader]
        : [];
  return [
    success(
      '202',
      'Accepted (asynchronous mode); poll Location until the answer is no longer 202.',
      'Operation',
      [locationOfOperationHeader, retryAfterHeader, preferenceAppliedHeader],
    ),
    success(
      '200',
      'Updated; the referral as it is now (when the updated referral was asked for).',
      'Referral',
      [etagHeader, preferenceAppliedHeader, ...outcome],
    ),
    success(
      '204',
      'Updated; no body (the default, or when the updated referral was asked for but could not be read back).',
      undefined,
      [etagHeader, representationStatusHeader, ...outcome],
    ),
    ...problemResponses(problemKindsByEndpoint.update, secured),
  ];
}

function updateBody(
  operation: OperationDefinition,
  schemaName: string,
  raw: boolean,
): NonNullable<ApiOperation['requestBody']> {
  return {
    schema: schemaName,
    required: !operation.bodyOptional,
    title: raw ? 'Patch Document' : 'Details',
    description: raw
      ? 'The RFC 6902 operations to apply.'
      : `What to record with this update; ${operation.bodyOptional ? 'every field is optional' : 'see each field'}.`,
    examples: (documentedSamples[operation.name] ?? []).map((sample) => ({
      summary: sample.summary,
      value: sample.body,
    })),
  };
}

function describeUpdate(operation: OperationDefinition): Describe {
  return (route, schemas) => {
    const schemaName = `${pascal(operation.name)}Request`;
    schemas[schemaName] = jsonSchemaOf(operation.body, 'input');
    const raw = route.methods[0]?.toLowerCase() === 'patch';
    return [
      {
        operationId: raw ? 'PatchReferral' : pascal(operation.name),
        method: raw ? 'patch' : 'post',
        path: pathOf(route),
        summary: operation.summary,
        description: operation.description,
        parameters: [
          referralIdParameter,
          preferParameter,
          returnQueryParameter,
          ifMatchParameter,
          modeQueryParameter,
          idempotencyKeyParameter,
          correlationIdParameter,
        ],
        requestBody: updateBody(operation, schemaName, raw),
        responses: updateResponses(operation, isSecured(route)),
        secured: isSecured(route),
        // The connector's point is to spare makers JSON Patch.
        inConnector: !raw,
      },
    ];
  };
}

const createOutcomeHeader = header(
  'Create-Outcome',
  'Create Outcome',
  'created, or existing when a referral already carried the externalReferenceId and nothing was created.',
);
const locationHeader = header('Location', 'Location', 'The URL of the new referral in this API.');
const syncOutcomeHeader = header(
  'Sync-Outcome',
  'Sync Outcome',
  'unchanged (nothing was written) or updated.',
);
const syncChangedPathsHeader = header(
  'Sync-Changed-Paths',
  'Sync Changed Paths',
  'The referral fields the sync wrote, comma-separated; empty when unchanged.',
);

function createResponses(secured: boolean): ApiResponse[] {
  return [
    success(
      '201',
      'Created (Create-Outcome: created); the new referral, whose ID is also in Location.',
      'Referral',
      [createOutcomeHeader, locationHeader, etagHeader],
    ),
    success(
      '200',
      'A referral already carries the externalReferenceId (Create-Outcome: existing); that referral, not a new one.',
      'Referral',
      [createOutcomeHeader, etagHeader],
    ),
    ...problemResponses(problemKindsByEndpoint.create, secured),
  ];
}

const describeCreate =
  (raw: boolean): Describe =>
  (route, schemas) => {
    const schemaName = raw ? 'CreateReferralRawRequest' : 'CreateReferralRequest';
    schemas[schemaName] = jsonSchemaOf(raw ? rawCreateSchema : createReferralRequestSchema, 'input');
    const texts = raw ? endpointTexts.createRaw : endpointTexts.create;
    return [
      {
        ...texts,
        method: 'post',
        path: pathOf(route),
        parameters: [correlationIdParameter],
        requestBody: {
          schema: schemaName,
          required: true,
          title: raw ? 'Create Body' : 'Referral',
          description: raw ? "Partner Center's create body." : 'The referral to create, in plain fields.',
          examples: (documentedSamples[raw ? 'create-raw' : 'create'] ?? []).map((sample) => ({
            summary: sample.summary,
            value: sample.body,
          })),
        },
        responses: createResponses(isSecured(route)),
        secured: isSecured(route),
        // Makers get the flat body; the raw one is for callers who already hold Partner Center's shape.
        inConnector: !raw,
      },
    ];
  };

const describeSync: Describe = (route, schemas) => {
  schemas['SyncRequest'] = jsonSchemaOf(syncRequestSchema, 'input');
  return [
    {
      ...endpointTexts.sync,
      method: 'post',
      path: pathOf(route),
      parameters: [
        referralIdParameter,
        preferParameter,
        returnQueryParameter,
        ifMatchParameter,
        correlationIdParameter,
      ],
      requestBody: {
        schema: 'SyncRequest',
        required: true,
        title: 'Desired State',
        description: 'The values the referral should have; fields left out are not looked at.',
        examples: (documentedSamples['sync'] ?? []).map((sample) => ({
          summary: sample.summary,
          value: sample.body,
        })),
      },
      responses: [
        success(
          '200',
          'The referral as it is now (when asked for); Sync-Outcome says unchanged or updated, Sync-Changed-Paths what was written.',
          'Referral',
          [etagHeader, preferenceAppliedHeader, syncOutcomeHeader, syncChangedPathsHeader],
        ),
        success(
          '204',
          'Done; Sync-Outcome says unchanged (nothing written) or updated, Sync-Changed-Paths what was written.',
          undefined,
          [etagHeader, syncOutcomeHeader, syncChangedPathsHeader],
        ),
        ...problemResponses(problemKindsByEndpoint.sync, isSecured(route)),
      ],
      secured: isSecured(route),
      inConnector: true,
    },
  ];
};

const locationOfOperationHeader = header(
  'Location',
  'Location',
  'Where to read the operation: GET it until the answer is no longer 202.',
);

const operationTexts: Record<
  OperationEndpointKind,
  Pick<ApiOperation, 'operationId' | 'summary' | 'description'>
> = {
  'operation-status': {
    operationId: 'GetOperation',
    summary: 'Get an asynchronous operation',
    description:
      '202 while the operation is pending; then the answer the synchronous call would have given (its status, headers and body, or its problem).',
  },
  'operation-list': {
    operationId: 'ListOperations',
    summary: 'List operations by state',
    description: 'For operators: failed operations (the default), or pending, rejected or succeeded ones.',
  },
  'operation-retry': {
    operationId: 'RetryOperation',
    summary: 'Retry a failed operation',
    description:
      'For operators: puts a failed operation back in line, unless a newer operation on its referral was applied since (409).',
  },
  'operation-retry-failed': {
    operationId: 'RetryFailedOperations',
    summary: 'Retry every failed operation',
    description: 'For operators: retries each failed operation; lists those retried and those refused.',
  },
};

const describeOperationEndpoint =
  (kind: OperationEndpointKind): Describe =>
  (route) => [
    {
      ...operationTexts[kind],
      method: kind === 'operation-status' || kind === 'operation-list' ? 'get' : 'post',
      path: pathOf(route),
      parameters:
        kind === 'operation-status' || kind === 'operation-retry'
          ? [operationIdParameter]
          : kind === 'operation-list'
            ? [
                {
                  name: 'state',
                  in: 'query',
                  required: false,
                  title: 'State',
                  description: 'failed (the default), pending, rejected or succeeded.',
                  schema: { type: 'string', enum: ['failed', 'pending', 'rejected', 'succeeded'] },
                },
              ]
            : [],
      responses: [
        success(kind === 'operation-status' ? '202' : '200', 'See the summary.', 'Operation'),
        ...problemResponses(problemKindsByEndpoint.operations, isSecured(route)),
      ],
      secured: isSecured(route),
      inConnector: false,
    },
  ];

const subscriptionIdParameter: ApiParameter = {
  name: 'subscriptionId',
  in: 'path',
  required: true,
  title: 'Subscription ID',
  description: 'The subscription, as its Location or the list names it.',
  schema: { type: 'string', pattern: SUBSCRIPTION_ID_PATTERN.source },
};

const subscriptionLocationHeader = header(
  'Location',
  'Location',
  'Where the subscription lives; delete it to unsubscribe.',
);

const subscriptionTexts: Record<
  SubscriptionEndpointKind,
  Pick<ApiOperation, 'operationId' | 'summary' | 'description'>
> = {
  'subscription-create': {
    operationId: 'CreateEventSubscription',
    summary: 'Subscribe a webhook to referral events',
    description:
      'Sends every referral event that passes the filters to the URL, signed as Standard Webhooks say (webhook-id, webhook-timestamp, webhook-signature). A secret is made up and answered once when none is given.',
  },
  'subscription-list': {
    operationId: 'ListEventSubscriptions',
    summary: 'List event subscriptions',
    description:
      'Every webhook and flow trigger subscribed to referral events, with its filters and state; never a secret or a callback signature.',
  },
  'subscription-get': {
    operationId: 'GetEventSubscription',
    summary: 'Get an event subscription',
    description: 'One subscription, with its filters and state; never its secret.',
  },
  'subscription-delete': {
    operationId: 'DeleteEventSubscription',
    summary: 'Delete an event subscription',
    description:
      'Stops delivering referral events to the subscriber; called by the platform when a flow is turned off or deleted.',
  },
  'subscription-deliveries': {
    operationId: 'ListEventDeliveries',
    summary: 'List deliveries of an event subscription',
    description:
      'For operators: the deliveries of a subscription in a time range, parked ones by default, each with its latest attempts.',
  },
  'subscription-replay': {
    operationId: 'ReplayEventDeliveries',
    summary: 'Replay deliveries of an event subscription',
    description:
      'For operators: sends the deliveries of a time range again, the parked ones by default or all, each with a fresh round of attempts.',
  },
};

const describeSubscriptionEndpoint =
  (kind: SubscriptionEndpointKind): Describe =>
  (route, schemas) => {
    const texts = subscriptionTexts[kind];
    const problems = problemResponses(problemKindsByEndpoint.subscriptions, isSecured(route));
    const common = { ...texts, path: pathOf(route), secured: isSecured(route) };
    switch (kind) {
      case 'subscription-create':
        schemas['WebhookSubscriptionRequest'] = jsonSchemaOf(webhookSubscriptionRequestSchema, 'input');
        schemas['CreatedWebhookSubscription'] = jsonSchemaOf(createdWebhookSchema, 'output');
        return [
          {
            ...common,
            method: 'post',
            parameters: [correlationIdParameter],
            requestBody: {
              schema: 'WebhookSubscriptionRequest',
              required: true,
              title: 'Subscription',
              description: 'The webhook URL, an optional secret and the filters.',
              examples: [
                {
                  summary: 'Incoming referrals, created or updated, from anyone but the facade',
                  value: {
                    url: 'https://crm.example.com/hooks/referrals',
                    filters: {
                      eventTypes: ['referral-created', 'referral-updated'],
                      direction: 'Incoming',
                    },
                  },
                },
              ],
            },
            responses: [
              success(
                '201',
                'Subscribed; the secret is in the body only when it was made up.',
                'CreatedWebhookSubscription',
                [subscriptionLocationHeader],
              ),
              ...problems,
            ],
            inConnector: false,
          },
        ];
      case 'subscription-list':
        schemas['EventSubscriptionList'] = jsonSchemaOf(subscriptionListSchema, 'output');
        return [
          {
            ...common,
            method: 'get',
            parameters: [],
            responses: [success('200', 'The subscriptions.', 'EventSubscriptionList'), ...problems],
            inConnector: false,
          },
        ];
      case 'subscription-get':
        return [
          {
            ...common,
            method: 'get',
            parameters: [subscriptionIdParameter],
            responses: [success('200', 'The subscription.', 'EventSubscription'), ...problems],
            inConnector: false,
          },
        ];
      case 'subscription-delete':
        return [
          {
            ...common,
            method: 'delete',
            parameters: [subscriptionIdParameter],
            responses: [success('204', 'Deleted; nothing more is delivered to it.', undefined), ...problems],
            // The platform calls it with the connection's key to unsubscribe a trigger; makers never do.
            inConnector: true,
            internal: true,
          },
        ];
      case 'subscription-deliveries':
        schemas['EventDeliveryList'] = jsonSchemaOf(deliveryListSchema, 'output');
        return [
          {
            ...common,
            method: 'get',
            parameters: [subscriptionIdParameter, ...queryParameters(deliveryListQuerySchema)],
            responses: [success('200', 'The deliveries, oldest first.', 'EventDeliveryList'), ...problems],
            inConnector: false,
          },
        ];
      case 'subscription-replay':
        schemas['ReplayRequest'] = jsonSchemaOf(replayRequestSchema, 'input');
        schemas['ReplayResult'] = jsonSchemaOf(replayResultSchema, 'output');
        return [
          {
            ...common,
            method: 'post',
            parameters: [subscriptionIdParameter],
            requestBody: {
              schema: 'ReplayRequest',
              required: true,
              title: 'Replay',
              description: 'The time range, and which deliveries in it.',
              examples: [
                {
                  summary: 'The parked deliveries of one day',
                  value: { from: '2026-03-02T00:00:00Z', to: '2026-03-03T00:00:00Z' },
                },
              ],
            },
            responses: [success('200', 'What was sent again.', 'ReplayResult'), ...problems],
            inConnector: false,
          },
        ];
    }
  };

/** A Power Automate trigger: the subscribe call, with the event it will deliver as its output. */
const describeTrigger =
  (trigger: TriggerDefinition): Describe =>
  (route, schemas) => {
    schemas['TriggerSubscriptionRequest'] = jsonSchemaOf(triggerSubscriptionRequestSchema, 'input');
    return [
      {
        operationId: trigger.operationId,
        summary: trigger.summary,
        description: trigger.description,
        method: 'post',
        path: pathOf(route),
        parameters: [],
        requestBody: {
          schema: 'TriggerSubscriptionRequest',
          required: true,
          title: 'Trigger',
          description: 'Which referrals start the flow; the callback is filled in by the platform.',
          examples: [
            {
              summary: 'Incoming referrals only (the platform fills in the callback)',
              value: {
                callbackUrl: `https://prod-00.westeurope.logic.azure.com/workflows/example/triggers/manual/paths/invoke?api-version=2016-06-01`,
                direction: 'Incoming',
              },
            },
          ],
        },
        responses: [
          success('201', 'Subscribed; Location is deleted to unsubscribe.', 'EventSubscription', [
            subscriptionLocationHeader,
          ]),
          ...problemResponses(problemKindsByEndpoint.subscriptions, isSecured(route)),
        ],
        secured: isSecured(route),
        inConnector: true,
        trigger: {
          notificationSchema: 'ReferralEvent',
          notificationDescription: 'The referral event, with the referral as it was read.',
          hint: 'To see it work, change a referral in Partner Center; the flow starts within a minute or two.',
        },
      },
    ];
  };

function describerFor(target: DescribedRoute['target']): Describe {
  switch (target.kind) {
    case 'fallback':
      return () => [];
    case 'health':
      return operational(endpointTexts.health, [success('200', 'The service is up.', 'Health')]);
    case 'readiness':
      return operational(endpointTexts.readiness, [
        success('200', 'Every check passed.', 'Readiness'),
        success('503', 'A check failed; the report says which.', 'Readiness', [retryAfterHeader]),
      ]);
    case 'openapi':
      return operational(endpointTexts.openapi, [success('200', 'The OpenAPI document.', 'OpenApiDocument')]);
    case 'read':
      return describeRead;
    case 'search':
      return describeSearch;
    case 'hook':
      return describeHook;
    case 'event-receiver':
      return describeEventReceiver;
    case 'update':
      return describeUpdate(target.operation);
    case 'create':
      return describeCreate(target.raw);
    case 'sync':
      return describeSync;
    case 'operation-status':
    case 'operation-list':
    case 'operation-retry':
    case 'operation-retry-failed':
      return describeOperationEndpoint(target.kind);
    case 'subscription-create':
    case 'subscription-list':
    case 'subscription-get':
    case 'subscription-delete':
    case 'subscription-deliveries':
    case 'subscription-replay':
      return describeSubscriptionEndpoint(target.kind);
    case 'subscription-trigger':
      return describeTrigger(target.trigger);
  }
}

export function describeApi(routes: readonly DescribedRoute[]): ApiModel {
  const schemas: Record<string, JsonSchema> = {
    Referral: jsonSchemaOf(referralSchema, 'output'),
    ReferralSearchResult: jsonSchemaOf(searchResultSchema, 'output'),
    Problem: jsonSchemaOf(problemSchema, 'output'),
    Health: jsonSchemaOf(healthSchema, 'output'),
    Readiness: jsonSchemaOf(readinessReportSchema, 'output'),
    WebhookOutcome: jsonSchemaOf(webhookOutcomeSchema, 'output'),
    // Open, so a generated client can send any sender's payload: the mapping, not the schema, decides its shape.
    WebhookPayload: {
      type: 'object',
      title: 'Webhook payload',
      description: "The sender's own JSON.",
      additionalProperties: true,
    },
    OpenApiDocument: {
      type: 'object',
      title: 'OpenAPI document',
      description: 'An OpenAPI 3.0 document.',
      additionalProperties: true,
    },
    Operation: jsonSchemaOf(operationStatusSchema, 'output'),
    EventReceipt: jsonSchemaOf(eventReceiptSchema, 'output'),
    PartnerCenterEvent: jsonSchemaOf(notificationSchema, 'input'),
    ReferralEvent: jsonSchemaOf(referralEventSchema, 'output'),
    EventSubscription: jsonSchemaOf(subscriptionViewSchema, 'output'),
  };
  const operations = routes.flatMap((route) => describerFor(route.target)(route, schemas));
  // Labels in Title Case with "ID", as the Power Platform string guidance asks, in both descriptions alike.
  return {
    operations: operations.map((operation) => ({
      ...operation,
      parameters: operation.parameters.map((parameter) => ({
        ...parameter,
        title: titleCase(parameter.title),
      })),
    })),
    schemas: Object.fromEntries(
      Object.entries(schemas).map(([name, schema]) => [name, withTitleCase(schema)]),
    ),
  };
}
