/**
 * The advanced caller's raw RFC 6902 document, held to what Partner Center accepts: only `add`/`replace`, only
 * the writable paths, each value valid for its path, and a status change that names an allowed pair.
 */
import { z } from 'zod';
import { describeAllowedPairs, isAllowedStatusPair } from '../referral/status';
import {
  isWritablePath,
  patchOps,
  writablePathNames,
  writablePaths,
  type PatchOperation,
} from '../referral/writable-paths';

export const MAX_PATCH_OPERATIONS = 50;

const rawOperationSchema = z
  .object({
    op: z.enum(patchOps, {
      error: () => 'must be "add" or "replace": Partner Center supports no other JSON Patch operation',
    }),
    path: z.enum(writablePathNames, {
      error: () => `must be one of the writable paths: ${writablePathNames.join(', ')}`,
    }),
    value: z.unknown().meta({ description: 'The new value; its type depends on the path.' }),
  })
  .strict()
  .transform((operation, ctx): PatchOperation => {
    const { op, path } = operation;
    if (!isWritablePath(path)) return z.NEVER;
    const target = writablePaths[path];
    if (!(target.ops as readonly string[]).includes(op)) {
      ctx.addIssue({
        code: 'custom',
        path: ['op'],
        message: `${path} appends to a list and takes only "add"`,
      });
      return z.NEVER;
    }
    const parsed = target.value.safeParse(operation.value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const missing =
          issue.code === 'invalid_type' && operation.value === undefined && issue.path.length === 0;
        ctx.addIssue({
          code: 'custom',
          path: ['value', ...issue.path],
          message: missing ? 'is required' : issue.message,
        });
      }
      return z.NEVER;
    }
    return { op, path, value: parsed.data };
  })
  .meta({ title: 'JSON Patch operation' });

/** The value the last operation on `path` leaves, as the upstream applies operations in order. */
function lastValue(patch: readonly PatchOperation[], path: string): unknown {
  return patch.findLast((operation) => operation.path === path)?.value;
}

export const rawPatchSchema = z
  .array(rawOperationSchema)
  .min(1, 'must contain at least one operation')
  .max(MAX_PATCH_OPERATIONS, `must contain at most ${MAX_PATCH_OPERATIONS} operations`)
  .superRefine((patch, ctx) => {
    const status = lastValue(patch, '/status');
    const substatus = lastValue(patch, '/substatus');
    if (status === undefined && substatus === undefined) return;
    if (typeof status !== 'string' || typeof substatus !== 'string') {
      ctx.addIssue({
        code: 'custom',
        message: 'a status change must set both /status and /substatus, so the pair can be checked',
      });
      return;
    }
    if (!isAllowedStatusPair({ status, substatus })) {
      ctx.addIssue({
        code: 'custom',
        message: `${status}/${substatus} is not an allowed status/substatus pair (allowed: ${describeAllowedPairs()})`,
      });
    }
  })
  .meta({
    title: 'JSON Patch document',
    description: 'An RFC 6902 document of add/replace operations on writable referral paths.',
    examples: [
      [
        { op: 'replace', path: '/details/dealValue', value: '10000' },
        { op: 'replace', path: '/details/notes', value: 'Lorem ipsum dolor sit amet.' },
      ],
    ],
  });
