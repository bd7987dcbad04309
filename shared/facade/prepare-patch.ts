import type { z } from 'zod';
import { buildPatch, parseBody } from '../operations/build-patch';
import { createReferralRequestSchema, rawCreateSchema, toCreateBody } from '../operations/create';
import { syncRequestSchema, type SyncRequest } from '../operations/sync';
import type { ReferralCreate } from './create-referral';
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

/** A body checked against a request schema, or a 400 problem naming each field to fix. */
function validBody<S extends z.ZodType>(name: string, schema: S, body: unknown): z.output<S> {
  const parsed = parseBody(schema, body);
  if (parsed.ok) return parsed.value;
  throw invalidRequest(
    `The body does not fit ${name}; see errors for each field to fix.`,
    toFieldErrors(parsed.issues, 'body'),
  );
}

/** The flat create body, or the raw one for advanced callers, as Partner Center's create body. */
export function prepareCreate(body: unknown, raw: boolean): ReferralCreate {
  if (raw) {
    const valid = validBody('a referral create body', rawCreateSchema, body);
    return {
      body: valid,
      ...(valid.externalReferenceId === undefined ? {} : { externalReferenceId: valid.externalReferenceId }),
    };
  }
  const valid = validBody('create', createReferralRequestSchema, body);
  return {
    body: toCreateBody(valid),
    ...(valid.externalReferenceId === undefined ? {} : { externalReferenceId: valid.externalReferenceId }),
  };
}

export const prepareSync = (body: unknown): SyncRequest => validBody('sync', syncRequestSchema, body);
