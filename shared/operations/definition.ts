import type { z } from 'zod';
import type { PatchOperation } from '../referral/writable-paths';

/** One simplified endpoint: the body it accepts and the JSON Patch document it stands for. */
export interface OperationDefinition {
  readonly name: string;
  /** Short, imperative; shown as the action name in generated API descriptions. */
  readonly summary: string;
  readonly description: string;
  readonly body: z.ZodType;
  /** When true an empty request body is read as `{}`, so callers that send nothing are served. */
  readonly bodyOptional: boolean;
  readonly toPatch: (input: unknown) => PatchOperation[];
}

/** Ties `toPatch` to the output type of its own schema while the table stays homogeneous. */
export function defineOperation<S extends z.ZodType>(definition: {
  name: string;
  summary: string;
  description: string;
  body: S;
  bodyOptional: boolean;
  toPatch: (input: z.output<S>) => PatchOperation[];
}): OperationDefinition {
  return { ...definition, toPatch: (input) => definition.toPatch(input as z.output<S>) };
}
