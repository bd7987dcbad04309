import type { z } from 'zod';
import type { PatchOperation } from '../referral/writable-paths';
import type { OperationDefinition } from './definition';

export type BuildResult =
  | { readonly ok: true; readonly patch: PatchOperation[] }
  | { readonly ok: false; readonly issues: readonly z.core.$ZodIssue[] };

/**
 * A missing required field reads better as "is required" than as a type mismatch against undefined; null counts
 * as missing, as it does for the optional fields (Power Automate sends null for empty dynamic content).
 */
const requiredFieldMessage = (issue: z.core.$ZodRawIssue): string | undefined =>
  issue.code === 'invalid_type' && (issue.input === undefined || issue.input === null)
    ? 'is required'
    : undefined;

export type ParseResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly issues: readonly z.core.$ZodIssue[] };

/** A parsed request body checked against a request schema, with "is required" for missing fields. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): ParseResult<z.output<S>> {
  const parsed = schema.safeParse(body, { error: requiredFieldMessage });
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, issues: parsed.error.issues };
}

/** Validates a parsed request body against an operation and returns its JSON Patch, or the reasons it cannot. */
export function buildPatch(operation: OperationDefinition, body: unknown): BuildResult {
  const parsed = parseBody(operation.body, body);
  if (!parsed.ok) return parsed;
  return { ok: true, patch: operation.toPatch(parsed.value) };
}
