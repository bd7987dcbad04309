/**
 * Desired-state sync: the values a CRM wants on a referral → the smallest JSON Patch that makes the referral as
 * read carry them, or the transition Partner Center would refuse. Pure: the facade reads and writes.
 *
 * The difference is fast-json-patch's `compare` between the referral's writable fields as read (normalised by the
 * same schemas that normalise the request, so `10000` and `"10000"`, or `2026-12-31T00:00:00Z` and
 * `2026-12-31T00:00:00.000Z`, are the same value) and the same fields with the desired values laid over them.
 */
import { compare } from 'fast-json-patch';
import { z } from 'zod';
import {
  closingDateTimeSchema,
  currencySchema,
  dealValueSchema,
  externalReferenceIdSchema,
  notesSchema,
  statusReasonSchema,
  statusSchema,
  substatusSchema,
  teamMemberSchema,
} from '../referral/fields';
import { describeAllowedPairs, isAllowedStatusPair, transitionRefusal } from '../referral/status';
import { isWritablePath, type PatchOperation } from '../referral/writable-paths';
import { teamMemberValue } from './team-member';

const syncFields = [
  'status',
  'substatus',
  'statusReason',
  'dealValue',
  'currency',
  'closingDateTime',
  'notes',
  'externalReferenceId',
  'teamMembers',
] as const;

export const syncRequestSchema = z
  .object({
    status: statusSchema.optional(),
    substatus: substatusSchema.optional(),
    statusReason: statusReasonSchema.optional(),
    dealValue: dealValueSchema.optional(),
    currency: currencySchema.optional(),
    closingDateTime: closingDateTimeSchema.optional(),
    notes: notesSchema.optional(),
    externalReferenceId: externalReferenceIdSchema.optional(),
    teamMembers: z
      .array(
        teamMemberSchema
          .omit({ contactPreference: true })
          .meta({ title: 'Team Member', description: 'A seller who must be on the team.' }),
      )
      .max(50, 'must list at most 50 members')
      .optional()
      .meta({
        title: 'Team Members',
        description:
          'Sellers who must be on the team (matched by email, in any case); members not listed are left as they are.',
      }),
  })
  .strict()
  .refine((body) => syncFields.some((field) => body[field] !== undefined), {
    message: `give at least one of ${syncFields.join(', ')}`,
  })
  .superRefine((body, ctx) => {
    if (body.status === undefined && body.substatus === undefined) return;
    if (body.status === undefined || body.substatus === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [body.status === undefined ? 'status' : 'substatus'],
        message: 'status and substatus are given together, so the pair can be checked',
      });
    } else if (!isAllowedStatusPair({ status: body.status, substatus: body.substatus })) {
      ctx.addIssue({
        code: 'custom',
        path: ['substatus'],
        message: `${body.substatus} is not allowed with status ${body.status} (allowed pairs: ${describeAllowedPairs()})`,
      });
    }
  })
  .meta({
    title: 'Desired State',
    description: 'The values the referral should have; fields left out are not looked at.',
  });
export type SyncRequest = z.output<typeof syncRequestSchema>;

export type SyncPlan =
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'patch'; readonly patch: PatchOperation[]; readonly changedPaths: string[] }
  | { readonly kind: 'forbidden'; readonly from: string; readonly to: string; readonly reason: string };

const record = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};

/** A stored value as the request's schema would write it, so equal values compare equal; else as stored. */
function normalised(schema: z.ZodType, value: unknown): unknown {
  if (value === undefined || value === null) return undefined;
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : value;
}

/**
 * The writable fields sync compares, in patch order; `details` is always an object so that a missing field is an
 * `add` at its own writable path, never an `add /details` that writes the whole object.
 */
function projection(referral: Record<string, unknown>): Record<string, unknown> {
  const details = record(referral['details']);
  return stripUndefined({
    status: referral['status'],
    substatus: referral['substatus'],
    statusReason: referral['statusReason'],
    details: stripUndefined({
      dealValue: normalised(dealValueSchema, details['dealValue']),
      currency: normalised(currencySchema, details['currency']),
      closingDateTime: normalised(closingDateTimeSchema, details['closingDateTime']),
      notes: details['notes'],
    }),
    externalReferenceId: referral['externalReferenceId'],
  });
}

function stripUndefined(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined));
}

function desiredOver(current: Record<string, unknown>, desired: SyncRequest): Record<string, unknown> {
  const details = record(current['details']);
  return stripUndefined({
    status: desired.status ?? current['status'],
    substatus: desired.substatus ?? current['substatus'],
    statusReason: desired.statusReason ?? current['statusReason'],
    details: stripUndefined({
      dealValue: desired.dealValue ?? details['dealValue'],
      currency: desired.currency ?? details['currency'],
      closingDateTime: desired.closingDateTime ?? details['closingDateTime'],
      notes: desired.notes ?? details['notes'],
    }),
    externalReferenceId: desired.externalReferenceId ?? current['externalReferenceId'],
  });
}

/** Patch order: a status move first, then the fields in update-details' order. */
const pathOrder = [
  '/status',
  '/substatus',
  '/details/dealValue',
  '/details/currency',
  '/details/closingDateTime',
  '/details/notes',
  '/externalReferenceId',
  '/statusReason',
];
const byPathOrder = (a: PatchOperation, b: PatchOperation): number =>
  pathOrder.indexOf(a.path) - pathOrder.indexOf(b.path);

const text = (value: unknown): string => (typeof value === 'string' ? value : String(value));

/** Members the caller wants who are not on the team yet, by email in any case. */
function missingMembers(
  referral: Record<string, unknown>,
  wanted: SyncRequest['teamMembers'],
): PatchOperation[] {
  const team = Array.isArray(referral['team']) ? (referral['team'] as unknown[]) : [];
  const present = new Set(
    team
      .map((member) => record(member)['email'])
      .filter((email) => typeof email === 'string')
      .map((email) => email.trim().toLowerCase()),
  );
  const patch: PatchOperation[] = [];
  for (const member of wanted ?? []) {
    const key = member.email.toLowerCase();
    if (present.has(key)) continue;
    present.add(key);
    patch.push({ op: 'add', path: '/team/-', value: teamMemberValue(member) });
  }
  return patch;
}

/** What sync must send to make `referral` (as read) carry `desired`. */
export function planSync(referral: unknown, desired: SyncRequest): SyncPlan {
  const current = record(referral);
  const before = projection(current);
  const after = desiredOver(before, desired);
  const diff = compare(before, after).filter(
    (operation): operation is PatchOperation & { op: 'add' | 'replace' } =>
      (operation.op === 'add' || operation.op === 'replace') && isWritablePath(operation.path),
  );
  const statusMoves = diff.some(
    (operation) => operation.path === '/status' || operation.path === '/substatus',
  );
  if (statusMoves && desired.status !== undefined && desired.substatus !== undefined) {
    const from = { status: text(current['status']), substatus: text(current['substatus']) };
    const to = { status: desired.status, substatus: desired.substatus };
    const reason = transitionRefusal(from, to);
    if (reason !== undefined) {
      return {
        kind: 'forbidden',
        from: `${from.status}/${from.substatus}`,
        to: `${to.status}/${to.substatus}`,
        reason,
      };
    }
  }
  // Partner Center checks the pair, so a move sends both halves even when only one differs (reference §11.1).
  const statusOps: PatchOperation[] = statusMoves
    ? [
        { op: 'replace', path: '/status', value: after['status'] },
        { op: 'replace', path: '/substatus', value: after['substatus'] },
      ]
    : [];
  const patch = [
    ...statusOps,
    ...diff
      .filter((operation) => operation.path !== '/status' && operation.path !== '/substatus')
      .map((operation): PatchOperation => ({
        op: operation.op,
        path: operation.path,
        value: operation.value,
      }))
      .sort(byPathOrder),
    ...missingMembers(current, desired.teamMembers),
  ];
  if (patch.length === 0) return { kind: 'unchanged' };
  return { kind: 'patch', patch, changedPaths: [...new Set(patch.map((operation) => operation.path))] };
}
