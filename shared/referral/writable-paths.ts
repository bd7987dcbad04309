/**
 * The closed set of referral paths a PATCH may write, with the value each one takes. It follows the paths the
 * Partner Center Referrals connector exposes (reference: peers A1) and is the whitelist for raw PATCH calls.
 */
import { z } from 'zod';
import {
  closingDateTimeSchema,
  currencySchema,
  dealValueSchema,
  externalReferenceIdSchema,
  notesSchema,
  salesStageSchema,
  solutionTagSchema,
  statusReasonSchema,
  statusSchema,
  substatusSchema,
  teamMemberSchema,
} from './fields';
import { registrationSchema, registrationUpdatePaths } from './registration';

export const patchOps = ['add', 'replace'] as const;
export type PatchOp = (typeof patchOps)[number];

export interface PatchOperation {
  readonly op: PatchOp;
  readonly path: string;
  readonly value: unknown;
}

interface WritablePath {
  /** `/-` appends to an array, which only `add` can do (RFC 6902 §4.1). */
  readonly ops: readonly PatchOp[];
  readonly value: z.ZodType;
}

const anyOp = patchOps;
const appendOnly = ['add'] as const;

export const writablePaths = {
  '/status': { ops: anyOp, value: statusSchema },
  '/substatus': { ops: anyOp, value: substatusSchema },
  '/statusReason': { ops: anyOp, value: statusReasonSchema },
  '/details/dealValue': { ops: anyOp, value: dealValueSchema },
  '/details/currency': { ops: anyOp, value: currencySchema },
  '/details/closingDateTime': { ops: anyOp, value: closingDateTimeSchema },
  '/details/notes': { ops: anyOp, value: notesSchema },
  '/details/requirements/solutions': { ops: anyOp, value: z.array(solutionTagSchema).max(100) },
  '/details/requirements/solutions/-': { ops: appendOnly, value: solutionTagSchema },
  '/externalReferenceId': { ops: anyOp, value: externalReferenceIdSchema },
  '/salesStage': { ops: anyOp, value: salesStageSchema },
  '/campaignId': { ops: anyOp, value: z.string() },
  '/referralProgram': { ops: anyOp, value: z.string() },
  '/consent/consentToShareReferralWithMicrosoftSellers': { ops: anyOp, value: z.boolean() },
  '/team': { ops: anyOp, value: z.array(teamMemberSchema).max(100) },
  '/team/-': { ops: appendOnly, value: teamMemberSchema },
  '/customerProfile/team': { ops: anyOp, value: z.array(teamMemberSchema).max(100) },
  '/customerProfile/team/-': { ops: appendOnly, value: teamMemberSchema },
  '/registrations/-': { ops: appendOnly, value: registrationSchema },
  ...registrationFields(),
} as const satisfies Record<string, WritablePath>;

/**
 * `add` on an object member sets it whether or not it is there yet (RFC 6902 §4.1), which `replace` would refuse,
 * so the registration's fields take both.
 */
function registrationFields(): Record<keyof typeof registrationUpdatePaths, WritablePath> {
  const fields = {} as Record<keyof typeof registrationUpdatePaths, WritablePath>;
  for (const path of Object.keys(registrationUpdatePaths) as (keyof typeof registrationUpdatePaths)[]) {
    fields[path] = { ops: anyOp, value: registrationUpdatePaths[path] };
  }
  return fields;
}

export type WritablePathName = keyof typeof writablePaths;
export const writablePathNames = Object.keys(writablePaths) as [WritablePathName, ...WritablePathName[]];

export function isWritablePath(path: string): path is WritablePathName {
  return Object.hasOwn(writablePaths, path);
}
