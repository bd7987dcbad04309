/**
 * JSON Schema validators for the facade's answers, built from the two generated descriptions exactly as they are
 * served and committed: OpenAPI 3 (`nullable`) and the connector's Swagger 2.0 (`x-nullable`).
 */
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { routes } from '../../functions/routes';
import { connectorFiles, openApiDocument } from '../../shared/openapi';

type Json = Record<string, unknown>;

/** Swagger 2.0's vendor `x-nullable` is OpenAPI 3.0's `nullable`, which Ajv understands. */
function swaggerToAjv(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(swaggerToAjv);
  if (typeof node !== 'object' || node === null) return node;
  return Object.fromEntries(
    Object.entries(node as Json).map(([key, value]) => [
      key === 'x-nullable' ? 'nullable' : key,
      swaggerToAjv(value),
    ]),
  );
}

export interface DescriptionValidators {
  /** Validates `value` against a named schema of one description; returns the errors, empty when it holds. */
  openApi(schema: string, value: unknown): string[];
  connector(schema: string, value: unknown): string[];
}

export function descriptionValidators(): DescriptionValidators {
  // Not strict: the descriptions carry annotations (x-ms-summary, example) that are not validation keywords.
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const openapi = openApiDocument(routes, 'https://example.invalid/api') as { components: Json };
  ajv.addSchema({ components: openapi.components }, 'openapi.json');
  const swagger = connectorFiles(routes).apiDefinition as { definitions: Json };
  ajv.addSchema({ definitions: swaggerToAjv(swagger.definitions) }, 'connector.json');
  const cache = new Map<string, ValidateFunction>();
  const check = (ref: string, value: unknown): string[] => {
    let validate = cache.get(ref);
    if (!validate) {
      validate = ajv.compile({ $ref: ref });
      cache.set(ref, validate);
    }
    if (validate(value)) return [];
    return (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? ''}`);
  };
  return {
    openApi: (schema, value) => check(`openapi.json#/components/schemas/${schema}`, value),
    connector: (schema, value) => check(`connector.json#/definitions/${schema}`, value),
  };
}
