/**
 * Renders the API model as a Power Platform custom connector: `apiDefinition.swagger.json` (Swagger 2.0, the only
 * version Power Platform imports) and `apiProperties.json`. Made for makers: one action per simplified endpoint,
 * every field titled (`x-ms-summary`) and described, the Prefer and If-Match headers as advanced fields, and
 * response schemas so the referral's fields appear as dynamic content.
 */
import { version } from '../../package.json';
import type { ApiModel, ApiOperation, ApiParameter } from './api-model';
import type { JsonSchema } from './json-schema';
import { apiContact, publisher } from './publisher';

export const CONNECTOR_HOST_PLACEHOLDER = 'your-function-app.azurewebsites.net';
export const CONNECTOR_TITLE = 'Referrals Facade';
/** Power Platform rejects the default colours #007ee5 and #ffffff. */
export const CONNECTOR_BRAND_COLOR = '#0f6b5c';

function without(schema: JsonSchema, keys: readonly string[]): JsonSchema {
  return Object.fromEntries(Object.entries(schema).filter(([key]) => !keys.includes(key)));
}

const simpleTypes = new Set(['string', 'number', 'integer', 'boolean']);

/** JSON Schema (OpenAPI 3.0 flavour) → Swagger 2.0 schema, with the Power Platform display extensions. */
export function toSwaggerSchema(node: JsonSchema, where: string): JsonSchema {
  const result: JsonSchema = {};
  let source = node;
  const union = (node['anyOf'] ?? node['oneOf']) as JsonSchema[] | undefined;
  if (union) {
    // Swagger 2.0 has no unions. A union of plain types (a number or a decimal string) is offered as its first
    // branch; the facade still accepts every branch.
    const first = union[0];
    if (!first || !union.every((branch) => simpleTypes.has(String(branch['type'])))) {
      throw new Error(`${where}: a union of non-scalar types cannot be expressed in Swagger 2.0`);
    }
    source = { ...first, ...without(node, ['anyOf', 'oneOf']) };
  }
  for (const [key, value] of Object.entries(source)) {
    if (key === 'nullable') result['x-nullable'] = value;
    else if (key === 'const') result['enum'] = [value];
    else if (key === 'properties' && typeof value === 'object' && value !== null) {
      result[key] = Object.fromEntries(
        Object.entries(value as Record<string, JsonSchema>).map(([name, property]) => [
          name,
          toSwaggerSchema(property, `${where}.${name}`),
        ]),
      );
    } else if (
      (key === 'items' || key === 'additionalProperties') &&
      typeof value === 'object' &&
      value !== null
    ) {
      result[key] = toSwaggerSchema(value as JsonSchema, `${where}[]`);
    } else result[key] = value;
  }
  if (typeof result['title'] === 'string') result['x-ms-summary'] = result['title'];
  return result;
}

function parameter(p: ApiParameter): JsonSchema {
  // Swagger 2.0 allows `example` only in schemas, not on query/header/path parameters.
  const schema = without(toSwaggerSchema(p.schema, p.name), ['title', 'description', 'example']);
  return {
    name: p.name,
    in: p.in,
    required: p.required,
    ...schema,
    'x-ms-summary': p.title,
    description: p.makerDescription ?? p.description,
    ...(p.in === 'path' ? { 'x-ms-url-encoding': 'single' } : {}),
    ...(p.advanced ? { 'x-ms-visibility': 'advanced' } : {}),
    ...(p.enumNames ? { 'x-ms-enum-values': p.enumNames } : {}),
  };
}

const hasProperties = (schema: JsonSchema | undefined) =>
  typeof schema?.['properties'] === 'object' && Object.keys(schema['properties'] as object).length > 0;

function operation(op: ApiOperation, definitions: Record<string, JsonSchema>): JsonSchema {
  const body = op.requestBody;
  const bodyParameters =
    body && hasProperties(definitions[body.schema])
      ? [
          {
            name: 'body',
            in: 'body',
            required: body.required,
            'x-ms-summary': body.title,
            description: body.description,
            schema: { $ref: `#/definitions/${body.schema}` },
          },
        ]
      : [];
  // Every status by number, never `default`: certification refuses it, and a default with a schema makes the
  // designer report a schema mismatch instead of the real error. Swagger 2.0 has no ranges such as 4XX.
  const responses: Record<string, JsonSchema> = {};
  for (const response of op.responses.filter((candidate) => /^\d{3}$/.test(candidate.status))) {
    responses[response.status] = {
      description: response.description,
      ...(response.schema ? { schema: { $ref: `#/definitions/${response.schema}` } } : {}),
      // Declared headers become the action's outputs: Member-Outcome and ETag as dynamic content.
      headers: Object.fromEntries(
        response.headers.map((header) => [
          header.name,
          { type: 'string', 'x-ms-summary': header.title, description: header.description },
        ]),
      ),
    };
  }
  return {
    operationId: op.operationId,
    summary: op.summary,
    description: op.description,
    ...(op.internal === true ? { 'x-ms-visibility': 'internal' } : {}),
    // A webhook trigger: the platform calls this to subscribe with the body's notification URL, keeps the 201's
    // Location, and deletes it to unsubscribe; what it then receives is the notification content.
    ...(op.trigger
      ? {
          'x-ms-trigger': 'single',
          'x-ms-trigger-hint': op.trigger.hint,
          'x-ms-notification-content': {
            description: op.trigger.notificationDescription,
            schema: { $ref: `#/definitions/${op.trigger.notificationSchema}` },
          },
        }
      : {}),
    parameters: [
      ...op.parameters.filter((candidate) => candidate.notInConnector !== true).map(parameter),
      ...bodyParameters,
    ],
    responses,
  };
}

/** Every definition a JSON value refers to, transitively. */
function referencedDefinitions(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((item) => referencedDefinitions(item, found));
  else if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string') found.add(child.replace('#/definitions/', ''));
      else referencedDefinitions(child, found);
    }
  }
  return found;
}

export interface ConnectorFiles {
  readonly apiDefinition: JsonSchema;
  readonly apiProperties: JsonSchema;
}

export function renderConnector(model: ApiModel, options: { readonly host?: string } = {}): ConnectorFiles {
  const allDefinitions = Object.fromEntries(
    Object.entries(model.schemas).map(([name, schema]) => [name, toSwaggerSchema(schema, name)]),
  );
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const op of model.operations.filter((candidate) => candidate.inConnector)) {
    (paths[op.path] ??= {})[op.method] = operation(op, allDefinitions);
  }
  const used = referencedDefinitions(paths);
  const definitions = Object.fromEntries(Object.entries(allDefinitions).filter(([name]) => used.has(name)));
  const apiDefinition = {
    swagger: '2.0',
    info: {
      title: CONNECTOR_TITLE,
      description:
        'Update Partner Center referrals with plain actions: accept, decline, close as won or lost, add a seller, update deal details or set a status, and find referrals by your CRM ID.',
      version,
      contact: apiContact,
    },
    host: options.host ?? CONNECTOR_HOST_PLACEHOLDER,
    basePath: '/api',
    schemes: ['https'],
    consumes: ['application/json'],
    produces: ['application/json'],
    paths,
    definitions,
    parameters: {},
    responses: {},
    securityDefinitions: {
      api_key: { type: 'apiKey', in: 'header', name: 'x-functions-key' },
    },
    security: [{ api_key: [] }],
    tags: [],
    'x-ms-connector-metadata': [
      { propertyName: 'Website', propertyValue: publisher.url },
      { propertyName: 'Privacy policy', propertyValue: publisher.privacyPolicyUrl },
      { propertyName: 'Categories', propertyValue: publisher.categories },
    ],
  };
  const apiProperties = {
    properties: {
      connectionParameters: {
        api_key: {
          type: 'securestring',
          uiDefinition: {
            displayName: 'Function Key',
            description:
              "The host key named default of the facade's Function App (Azure portal: Function App, App keys, Host keys). A key of one function opens only that function's action.",
            tooltip: "Provide the facade's host key",
            constraints: { tabIndex: 2, clearText: false, required: 'true' },
          },
        },
      },
      iconBrandColor: CONNECTOR_BRAND_COLOR,
      capabilities: [],
      publisher: publisher.name,
      stackOwner: publisher.stackOwner,
    },
  };
  return { apiDefinition, apiProperties };
}
