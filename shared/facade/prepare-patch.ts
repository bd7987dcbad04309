import { buildPatch } from '../operations/build-patch';
import type { OperationDefinition } from '../operations/definition';
import { invalidRequest } from '../failures/failure-map';
import { toFieldErrors } from '../failures/field-errors';
import type { PatchOperation } from '../referral/writable-paths';

/**
 * A request body turned into the operation's JSON Patch, or a 400 problem naming each field to fix. Pure and
 * independent of configuration, so bad input is answered as bad input even while the facade is misconfigured.
 */
export function preparePatch(operation: OperationDefinition, body: unknown): readonly PatchOperation[] {
  const built = buildPatch(operation, body);
  if (!built.ok) {
    throw invalidRequest(
      `The body does not fit ${operation.name}; see errors for each field to fix.`,
      toFieldErrors(built.issues, 'body'),
    );
  }
  return built.patch;
}
