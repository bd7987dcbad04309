/**
 * One neutral description of every endpoint, built from the route table and the zod schemas. Both renderers
 * (OpenAPI 3 for `GET /api/openapi.json`, Swagger 2.0 for the Power Platform connector) read only this, so the two
 * documents cannot drift apart or away from the code.
 */
import type { z } from 'zod';
import { problemSchema } from '../failures/problem';
import { documentedSamples } from '../operations/samples';
import type { OperationDefinition } from '../operations/definition';
import { REFERRAL_ID_PATTERN } from '../referral/referral-id';
import { referralSchema } from '../referral/referral-schema';
import { searchQuerySchema } from '../referral-search/query';
import { searchResultSchema } from '../referral-search/search';
import { webhookOutcomeSchema } from '../webhooks/intake';
import { operationStatusSchema } from '../durable/operations';
import { readinessReportSchema } from '../health/readiness';
import { endpointTexts, healthSchema } from './endpoints';
import { jsonSchemaOf, type JsonSchema } from './json-schema';

/** The parts of a route table entry the description needs (functions/routes.ts satisfies it structurally). */
export interface DescribedRoute {
  readonly name: string;
  readonly methods: readonly string[];
  readonly route: string;
  readonly authLevel: 'anonymous' | 'function';
  readonly target:
    | { readonly kind: 'update'; readonly operation: OperationDefinition }
    | {
        readonly kind:
          | 'health'
          | 'readiness'
          | 'read'
          | 'search'
          | 'hook'
          | 'openapi'
          | 'fallback'
          | OperationEndpointKind;
      };
}

/** The asynchronous mode's endpoints: polling one operation, and the operator's list and retries. */
export type OperationEndpointKind =
  'operation-status' | 'operation-list' | 'operation-retry' | 'operation-retry-failed';

export interface ApiParameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header';
  readonly required: boolean;
  readonly title: string;
  readonly description: string;
  readonly schema: JsonSchema;
  /** Shown only under "advanced" in low-code designers. */
  readonly advanced?: boolean;
  readonly enumNames?: readonly { readonly value: string; readonly displayName: string }[];
  /** Left out of the Power Platform connector, whose actions already offer the same choice another way. */
  readonly notInConnector?: boolean;
}

export interface ApiResponse {
  readonly status: string;
  readonly description: string;
  /** A key of `schemas`; absent for empty bodies. */
  readonly schema?: string;
  readonly contentType?: string;
}

export interface ApiOperation {
  readonly operationId: string;
  readonly method: 'get' | 'post' | 'patch';
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
  title: 'Referral id',
  description: 'The Partner Center id of the referral (a GUID), as in the referral link or a search result.',
  schema: { type: 'string', pattern: REFERRAL_ID_PATTERN.source },
};

const correlationIdParameter: ApiParameter = {
  name: 'MS-CorrelationId',
  in: 'header',
  required: false,
  title: 'Correlation id',
  description:
    'A GUID to trace this call in logs and with Partner Center support; one is made up when left out.',
  schema: { type: 'string' },
  advanced: true,
};

const preferParameter: ApiParameter = {
  name: 'Prefer',
  in: 'header',
  required: false,
  title: 'Return the updated referral',
  description:
    'return=representation answers 200 with the updated referral (its fields become dynamic content); return=minimal, or leaving it out, answers 204 with no body.',
  schema: { type: 'string', enum: ['return=representation', 'return=minimal'] },
  advanced: true,
  enumNames: [
    { value: 'return=representation', displayName: 'Yes' },
    { value: 'return=minimal', displayName: 'No' },
  ],
};

/** The Prefer header's twin for callers that cannot set headers (many webhook senders). */
const returnQueryParameter: ApiParameter = {
  name: 'return',
  in: 'query',
  required: false,
  title: 'Return the updated referral',
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
  title: 'Finish in the background',
  description:
    'async: the update is checked, stored and answered 202 at once with a Location to poll (Power Automate polls it by itself); it is applied in the background, retried for hours if Partner Center is down. The same as Prefer: respond-async.',
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
  title: 'Idempotency key',
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
  schema: { type: 'string' },
  advanced: true,
};

const problem = (status: string, description: string): ApiResponse => ({
  status,
  description,
  schema: 'Problem',
  contentType: 'application/problem+json',
});

const upstreamProblems: readonly ApiResponse[] = [
  problem('404', 'The referral does not exist or the facade’s Partner Center user cannot see it.'),
  problem('429', 'Partner Center is throttling; retry after Retry-After seconds.'),
  problem('502', 'Partner Center failed or could not be reached.'),
  problem('503', 'The facade is not configured, or Partner Center is unavailable.'),
  problem('504', 'Partner Center did not answer in time.'),
];

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
      responses,
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
      {
        status: '200',
        description: 'The referral; its ETag is also in the ETag header.',
        schema: 'Referral',
      },
      problem('400', 'The referral id is not valid.'),
      ...upstreamProblems,
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
      { status: '200', description: 'The matching referrals.', schema: 'ReferralSearchResult' },
      problem('400', 'A search parameter is not valid; errors names each one.'),
      ...upstreamProblems.filter((response) => response.status !== '404'),
    ],
    secured: isSecured(route),
    inConnector: true,
  },
];

const mappingNameParameter: ApiParameter = {
  name: 'name',
  in: 'path',
  required: true,
  title: 'Mapping name',
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
      { status: '200', description: 'The operation was applied.', schema: 'WebhookOutcome' },
      {
        status: '202',
        description: 'No case of the mapping applies; nothing was changed.',
        schema: 'WebhookOutcome',
      },
      problem('401', 'The signature is missing, wrong or stale; nothing was changed.'),
      problem('404', 'No mapping of that name, or the referral was not found.'),
      problem('409', 'Several referrals carry the external reference id.'),
      problem('415', 'The payload is not JSON.'),
      problem('422', 'The payload does not yield what the mapping needs.'),
      ...upstreamProblems.filter((response) => response.status !== '404'),
    ],
    secured: isSecured(route),
    inConnector: false,
  },
];

const updateResponses: readonly ApiResponse[] = [
  {
    status: '202',
    description: 'Accepted (asynchronous mode); poll Location until the answer is no longer 202.',
    schema: 'Operation',
  },
  {
    status: '200',
    description: 'Updated; the referral as it is now (when the updated referral was asked for).',
    schema: 'Referral',
  },
  { status: '204', description: 'Updated; no body (the default).' },
  problem('400', 'The request is not valid; errors names each field to fix. Nothing was sent.'),
  problem('409', 'Partner Center reported a conflict with the referral’s state.'),
  problem('412', 'The referral changed since the ETag was read.'),
  problem('413', 'The body is too large.'),
  problem('415', 'The body is not JSON.'),
  ...upstreamProblems,
];

function updateBody(
  operation: OperationDefinition,
  schemaName: string,
  raw: boolean,
): NonNullable<ApiOperation['requestBody']> {
  return {
    schema: schemaName,
    required: !operation.bodyOptional,
    title: raw ? 'Patch document' : 'Details',
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
        responses: updateResponses,
        secured: isSecured(route),
        // The connector's point is to spare makers JSON Patch.
        inConnector: !raw,
      },
    ];
  };
}

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
        {
          status: kind === 'operation-status' ? '202' : '200',
          description: 'See the summary.',
          schema: 'Operation',
        },
        problem('404', 'No such operation.'),
        problem('409', 'The operation cannot be retried.'),
        problem('503', 'The storage account is not configured or did not answer.'),
      ],
      secured: isSecured(route),
      inConnector: false,
    },
  ];

function describerFor(target: DescribedRoute['target']): Describe {
  switch (target.kind) {
    case 'fallback':
      return () => [];
    case 'health':
      return operational(endpointTexts.health, [
        { status: '200', description: 'The service is up.', schema: 'Health' },
      ]);
    case 'readiness':
      return operational(endpointTexts.readiness, [
        { status: '200', description: 'Every check passed.', schema: 'Readiness' },
        { status: '503', description: 'A check failed; the report says which.', schema: 'Readiness' },
      ]);
    case 'openapi':
      return operational(endpointTexts.openapi, [
        { status: '200', description: 'The OpenAPI document.', schema: 'OpenApiDocument' },
      ]);
    case 'read':
      return describeRead;
    case 'search':
      return describeSearch;
    case 'hook':
      return describeHook;
    case 'update':
      return describeUpdate(target.operation);
    case 'operation-status':
    case 'operation-list':
    case 'operation-retry':
    case 'operation-retry-failed':
      return describeOperationEndpoint(target.kind);
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
    Operation: jsonSchemaOf(operationStatusSchema, 'output'),
    WebhookPayload: { type: 'object', title: 'Webhook payload', description: "The sender's own JSON." },
    OpenApiDocument: { type: 'object', title: 'OpenAPI document', description: 'An OpenAPI 3.0 document.' },
  };
  const operations = routes.flatMap((route) => describerFor(route.target)(route, schemas));
  return { operations, schemas };
}
