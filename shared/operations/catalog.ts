/**
 * The simplified operations: each turns a flat, validated body into the JSON Patch document Partner Center
 * expects. Pure: no I/O, no HTTP.
 */
import { z } from 'zod';
import {
  closingDateTimeSchema,
  currencySchema,
  dealValueSchema,
  externalReferenceIdSchema,
  notesSchema,
  optionalField,
  phoneNumberSchema,
  statusReasonSchema,
  statusSchema,
  substatusSchema,
  teamMemberSchema,
} from '../referral/fields';
import { describeAllowedPairs, isAllowedStatusPair } from '../referral/status';
import { defineOperation, type OperationDefinition } from './definition';
import { replaceGivenFields, replaceStatus } from './detail-fields';
import { rawPatchSchema } from './raw-patch';
import { teamMemberValue } from './team-member';
import {
  registerDealPatch,
  registerDealSchema,
  updateRegistrationPatch,
  updateRegistrationSchema,
} from './registration';

const closeWon = defineOperation({
  name: 'close-won',
  summary: 'Close a referral as won',
  description:
    'Sets the referral to Closed/Won and, optionally, records the final deal value, currency, closing date, notes and status reason in the same update, and registers the deal (registerDeal) in the same PATCH.',
  body: z
    .object({
      dealValue: optionalField(dealValueSchema),
      currency: optionalField(currencySchema),
      closingDateTime: optionalField(closingDateTimeSchema),
      notes: optionalField(notesSchema),
      statusReason: optionalField(statusReasonSchema),
      registerDeal: optionalField(registerDealSchema),
    })
    .strict(),
  bodyOptional: true,
  toPatch: ({ registerDeal, ...fields }) => [
    ...replaceStatus('Closed', 'Won'),
    ...replaceGivenFields(fields),
    ...(registerDeal === undefined ? [] : registerDealPatch(registerDeal)),
  ],
});

const registerDeal = defineOperation({
  name: 'register-deal',
  summary: 'Register the deal of a referral',
  description:
    'Registers the deal with Microsoft (type AzureIPCoSell): the solutions sold, with their value, deployment, pricing and marketplace transaction, and the contract. A referral carries one registration: when it has one already, nothing is written (Registration-Outcome: already-registered); change it with update-registration.',
  body: registerDealSchema,
  bodyOptional: false,
  toPatch: registerDealPatch,
});

const updateRegistration = defineOperation({
  name: 'update-registration',
  summary: 'Update the deal registration of a referral',
  description:
    "Changes the referral's deal registration: contract dates, term and value, and the first solution's value, currency, deployment, pricing and marketplace transaction. Fields left out are not changed.",
  body: updateRegistrationSchema,
  bodyOptional: false,
  toPatch: updateRegistrationPatch,
});

const closeLost = defineOperation({
  name: 'close-lost',
  summary: 'Close a referral as lost',
  description: 'Sets the referral to Closed/Lost, optionally with the reason and notes.',
  body: z
    .object({ statusReason: optionalField(statusReasonSchema), notes: optionalField(notesSchema) })
    .strict(),
  bodyOptional: true,
  toPatch: (input) => [...replaceStatus('Closed', 'Lost'), ...replaceGivenFields(input)],
});

const accept = defineOperation({
  name: 'accept',
  summary: 'Accept a referral',
  description: 'Accepts an incoming lead or co-sell opportunity: sets it to Active/Accepted.',
  body: z.object({}).strict(),
  bodyOptional: true,
  toPatch: () => replaceStatus('Active', 'Accepted'),
});

const decline = defineOperation({
  name: 'decline',
  summary: 'Decline a referral',
  description:
    'Declines an incoming lead or co-sell opportunity: sets it to Closed/Declined, optionally with a reason.',
  body: z.object({ statusReason: optionalField(statusReasonSchema) }).strict(),
  bodyOptional: true,
  toPatch: (input) => [...replaceStatus('Closed', 'Declined'), ...replaceGivenFields(input)],
});

const addMember = defineOperation({
  name: 'add-member',
  summary: 'Add a team member to a referral',
  description: "Adds a seller from your organisation to the referral's team.",
  body: teamMemberSchema
    .omit({ contactPreference: true })
    .extend({ phoneNumber: optionalField(phoneNumberSchema) })
    .strict(),
  bodyOptional: false,
  toPatch: (member) => [{ op: 'add', path: '/team/-', value: teamMemberValue(member) }],
});

const detailFieldNames = [
  'dealValue',
  'currency',
  'closingDateTime',
  'notes',
  'externalReferenceId',
] as const;

const updateDetails = defineOperation({
  name: 'update-details',
  summary: 'Update deal details of a referral',
  description:
    'Replaces any of the deal value, currency, estimated closing date, notes and your CRM reference ID. Fields left out are not changed.',
  body: z
    .object({
      dealValue: optionalField(dealValueSchema),
      currency: optionalField(currencySchema),
      closingDateTime: optionalField(closingDateTimeSchema),
      notes: optionalField(notesSchema),
      externalReferenceId: optionalField(externalReferenceIdSchema),
    })
    .strict()
    .refine((body) => detailFieldNames.some((field) => body[field] !== undefined), {
      message: `give at least one of ${detailFieldNames.join(', ')} (null counts as not given)`,
    }),
  bodyOptional: false,
  toPatch: (input) => replaceGivenFields(input),
});

const setStatus = defineOperation({
  name: 'set-status',
  summary: 'Set the status of a referral',
  description: `Sets any allowed status/substatus pair (${describeAllowedPairs()}), optionally with a status reason.`,
  body: z
    .object({
      status: statusSchema,
      substatus: substatusSchema,
      statusReason: optionalField(statusReasonSchema),
    })
    .strict()
    .superRefine((body, ctx) => {
      if (!isAllowedStatusPair(body)) {
        ctx.addIssue({
          code: 'custom',
          path: ['substatus'],
          message: `${body.substatus} is not allowed with status ${body.status} (allowed pairs: ${describeAllowedPairs()})`,
        });
      }
    }),
  bodyOptional: false,
  toPatch: (input) => [
    ...replaceStatus(input.status, input.substatus),
    ...replaceGivenFields({ statusReason: input.statusReason }),
  ],
});

const rawPatch = defineOperation({
  name: 'patch',
  summary: 'Apply a JSON Patch to a referral',
  description:
    'For advanced callers: an RFC 6902 document, relayed after validation. Only add and replace, only writable paths, values checked per path, and a status change must name an allowed pair.',
  body: rawPatchSchema,
  bodyOptional: false,
  toPatch: (patch) => patch,
});

export const operations = {
  closeWon,
  closeLost,
  accept,
  decline,
  addMember,
  updateDetails,
  setStatus,
  registerDeal,
  updateRegistration,
  rawPatch,
} as const satisfies Record<string, OperationDefinition>;

/** The operations reached as `POST /referrals/{id}/{name}`. */
export const simplifiedOperations: readonly OperationDefinition[] = [
  closeWon,
  closeLost,
  accept,
  decline,
  addMember,
  updateDetails,
  setStatus,
  registerDeal,
  updateRegistration,
];
