/** Renders the API model as an OpenAPI 3.0 document, the one `GET /api/openapi.json` serves. */
import { version } from '../../package.json';
import type { ApiModel, ApiOperation, ApiParameter } from './api-model';
import type { JsonSchema } from './json-schema';
import { apiContact, apiLicense } from './publisher';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

function parameter(parameter: ApiParameter): JsonSchema {
  return {
    name: parameter.name,
    in: parameter.in,
    required: parameter.required,
    description: parameter.description,
    schema: { title: parameter.title, ...parameter.schema },
  };
}

function operation(op: ApiOperation): JsonSchema {
  const body = op.requestBody;
  return {
    operationId: op.operationId,
    summary: op.summary,
    description: op.description,
    parameters: op.parameters.map(parameter),
    ...(body
      ? {
          requestBody: {
            required: body.required,
            description: body.description,
            content: {
              'application/json': {
                schema: ref(body.schema),
                ...(body.examples.length > 0
                  ? {
                      examples: Object.fromEntries(
                        body.examples.map((example, index) => [
                          `example${String(index + 1)}`,
                          { summary: example.summary, value: example.value },
                        ]),
                      ),
                    }
                  : {}),
              },
            },
          },
        }
      : {}),
    responses: Object.fromEntries(
      op.responses.map((response) => [
        response.status,
        {
          description: response.description,
          ...(response.headers.length > 0
            ? {
                headers: Object.fromEntries(
                  response.headers.map((header) => [
                    header.name,
                    { description: header.description, schema: { type: 'string', title: header.title } },
                  ]),
                ),
              }
            : {}),
          ...(response.schema
            ? { content: { [response.contentType ?? 'application/json']: { schema: ref(response.schema) } } }
            : {}),
        },
      ]),
    ),
    security: op.secured ? [{ functionKey: [] }] : [],
  };
}

export function renderOpenApi3(model: ApiModel, serverUrl: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const op of model.operations) {
    (paths[op.path] ??= {})[op.method] = operation(op);
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'Referrals Facade',
      version,
      description:
        'Plain, validated endpoints for updating Microsoft Partner Center referrals (leads and co-sell opportunities) without writing JSON Patch. Errors are RFC 9457 problem details.',
      contact: apiContact,
      license: apiLicense,
    },
    servers: [{ url: serverUrl }],
    paths,
    components: {
      schemas: model.schemas,
      securitySchemes: {
        functionKey: {
          type: 'apiKey',
          in: 'header',
          name: 'x-functions-key',
          description: 'An Azure Functions function key (or send it as the code query parameter).',
        },
      },
    },
  };
}
