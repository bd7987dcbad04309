/**
 * zod → the JSON Schema dialect OpenAPI 3.0 documents use, tidied for API descriptions: no `$schema`, one
 * `example` instead of `examples` (3.0 schema objects have no `examples`), and no empty `additionalProperties`.
 */
import { z } from 'zod';

export type JsonSchema = Record<string, unknown>;

function tidy(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(tidy);
  if (typeof node !== 'object' || node === null) return node;
  const result: JsonSchema = {};
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    if (key === '$schema' || key === '$id') continue;
    if (key === 'examples' && Array.isArray(value)) {
      if (value.length > 0) result['example'] = value[0];
      continue;
    }
    // zod bounds every .int() by the safe-integer range; in a description that is noise.
    if ((key === 'minimum' || key === 'maximum') && Math.abs(Number(value)) === Number.MAX_SAFE_INTEGER)
      continue;
    if (
      key === 'additionalProperties' &&
      typeof value === 'object' &&
      value !== null &&
      Object.keys(value).length === 0
    )
      continue;
    result[key] = tidy(value);
  }
  return result;
}

/** `io: 'input'` for what a caller sends (before transforms), `'output'` for what the facade answers. */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  return tidy(z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' })) as JsonSchema;
}
