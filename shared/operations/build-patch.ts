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

/** Validates a parsed request body against an operation and returns its JSON Patch, or the reasons it cannot. */
export function buildPatch(operation: OperationDefinition, body: unknown): BuildResult {
  const parsed = operation.body.safeParse(body, { error: requiredFieldMessage });
  if (!parsed.success) return { ok: false, issues: parsed.error.issues };
  return { ok: true, patch: operation.toPatch(parsed.data) };
}
