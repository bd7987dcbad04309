/**
 * Creating a referral (reference §5.3): a flat body for the three deal types the create page names, turned into
 * Partner Center's create body; and the raw create body for advanced callers, held to the referral schema
 * (§2.1–§2.7). Pure: no I/O.
 *
 * Deal types → create body. Only `consentToShareReferralWithMicrosoftSellers` is documented as the switch for a
 * private deal (§2.6, its polarity [UNCONFIRMED]); `type` follows the create and intro pages (§2.8, §3.1:
 * Independent is seen by one party, Shared by two working together):
 *   private      type Independent, not shared with Microsoft sellers, no target
 *   partner-led  type Independent, shared with Microsoft sellers, no help asked, no target
 *   co-sell      type Shared, shared, help asked (inviteContext), target: one SolutionProfile per solution
 * Every created referral is sent as New/Pending with qualification None, as the create example does; Partner
 * Center answers outgoing referrals as Active/Accepted (§3.2).
 */
import { z } from 'zod';
import {
  closingDateTimeSchema,
  currencySchema,
  dealValueSchema,
  externalReferenceIdSchema,
  notesSchema,
  teamMemberSchema,
} from '../referral/fields';
import { solutionIdSchema } from '../referral/registration';
import { describeAllowedPairs, isAllowedStatusPair } from '../referral/status';

export const dealTypes = ['private', 'partner-led', 'co-sell'] as const;
export type DealType = (typeof dealTypes)[number];

/** Text a person typed: trimmed, one line, bounded. */
const line = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${String(max)} characters`)
    .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters or line breaks');

/**
 * Open enumerations ([UNCONFIRMED] value lists: the 2019 lists are out of date, §2.5): a single token such as
 * `51to500employees`, passed through as given.
 */
const token = (title: string, description: string, examples: readonly string[]) =>
  z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9][A-Za-z0-9&(),. -]{0,63}$/, 'must be a value such as ' + examples.join(', '))
    .meta({ title, description, examples: [...examples] });

const addressSchema = z
  .object({
    addressLine1: line(200).meta({ title: 'Address Line 1', description: 'Street address.' }),
    addressLine2: line(200).optional().meta({ title: 'Address Line 2', description: 'More of the address.' }),
    city: line(100).meta({ title: 'City', description: 'City.' }),
    state: line(100).optional().meta({ title: 'State', description: 'State or province.' }),
    postalCode: line(20).optional().meta({ title: 'Postal Code', description: 'Postal or ZIP code.' }),
    country: z
      .string()
      .trim()
      .regex(/^[A-Za-z]{2}$/, 'must be a two-letter ISO 3166 country code such as "US"')
      .transform((code) => code.toUpperCase())
      .meta({ title: 'Country', description: 'Two-letter ISO 3166 country code.', examples: ['US'] }),
    region: line(100).optional().meta({ title: 'Region', description: 'Region, where your CRM has one.' }),
  })
  .strict()
  .meta({ title: 'Customer Address', description: "The customer's address." });

const memberSchema = teamMemberSchema
  .omit({ contactPreference: true })
  .meta({ title: 'Person', description: 'A person on the referral.' });

/** The connector's values (§2.7, connector only: [UNCONFIRMED] in the REST docs); others are passed through. */
export const knownHelpCodes = [
  'GeneralOrOther',
  'CustomerTechnicalArchitecture',
  'ProofOfConceptOrDemo',
  'QuotesOrLicensing',
  'PostSalesCustomerSuccess',
  'WorkloadSpecificValueProposition',
] as const;

export const createReferralRequestSchema = z
  .object({
    dealType: z.enum(dealTypes, { error: () => `must be one of ${dealTypes.join(', ')}` }).meta({
      title: 'Deal Type',
      description:
        'private: not shared with Microsoft; partner-led: shared with Microsoft sellers, no help asked; co-sell: shared, asking Microsoft for help.',
    }),
    name: line(200).meta({
      title: 'Name',
      description: 'The referral name.',
      examples: ['Fabrikam – Azure migration'],
    }),
    externalReferenceId: externalReferenceIdSchema.optional().meta({
      title: 'External Reference ID',
      description:
        'Your CRM ID. When given, a referral that already carries it is answered instead of creating a second one.',
      examples: ['OPP-2026-0042'],
    }),
    customerName: line(200).meta({
      title: 'Customer Name',
      description: "The customer organization's name.",
    }),
    customerAddress: addressSchema,
    customerSize: token('Customer Size', "The customer's employee-count band.", [
      '51to500employees',
    ]).optional(),
    customerContacts: z
      .array(memberSchema)
      .max(20)
      .optional()
      .meta({ title: 'Customer Contacts', description: "The customer's contacts (not your sellers)." }),
    consentToContact: z.boolean().default(false).meta({
      title: 'Customer Consents to Contact',
      description: 'The customer agreed to be contacted about this deal (default false).',
    }),
    consentToShareInfoWithOthers: z.boolean().default(false).meta({
      title: 'Customer Consents to Sharing',
      description: 'The customer agreed to share their contact information with others (default false).',
    }),
    dealValue: dealValueSchema.optional(),
    currency: currencySchema.optional(),
    closingDateTime: closingDateTimeSchema.optional(),
    notes: notesSchema.optional(),
    solutions: z
      .array(solutionIdSchema)
      .max(20)
      .optional()
      .meta({ title: 'Solutions', description: 'Your co-sell solution ids; co-sell needs at least one.' }),
    helpNeeded: token(
      'How Microsoft Can Help',
      `For co-sell: what you ask Microsoft for, such as ${knownHelpCodes.join(', ')}.`,
      ['ProofOfConceptOrDemo'],
    ).optional(),
    helpNotes: notesSchema
      .optional()
      .meta({ title: 'Help Notes', description: 'For co-sell: more about the help you ask for.' }),
    team: z
      .array(memberSchema)
      .max(20)
      .optional()
      .meta({ title: 'Team', description: 'Your sellers on the referral.' }),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.dealType !== 'co-sell') {
      for (const field of ['helpNeeded', 'helpNotes'] as const) {
        if (body[field] !== undefined) {
          ctx.addIssue({ code: 'custom', path: [field], message: 'is given only for a co-sell deal' });
        }
      }
      return;
    }
    if ((body.solutions ?? []).length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['solutions'],
        message: 'a co-sell deal names at least one co-sell solution',
      });
    }
    if (body.helpNeeded === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['helpNeeded'],
        message: 'a co-sell deal says how Microsoft can help',
      });
    }
  })
  .meta({ title: 'New Referral', description: 'A referral to create, in plain fields.' });
export type CreateReferralRequest = z.output<typeof createReferralRequestSchema>;

const defined = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;

/** The flat body → Partner Center's create body (reference §5.3). */
export function toCreateBody(request: CreateReferralRequest): Record<string, unknown> {
  const coSell = request.dealType === 'co-sell';
  const solutions = request.solutions ?? [];
  return defined({
    name: request.name,
    externalReferenceId: request.externalReferenceId,
    type: coSell ? 'Shared' : 'Independent',
    qualification: 'None',
    status: 'New',
    substatus: 'Pending',
    customerProfile: defined({
      name: request.customerName,
      address: request.customerAddress,
      size: request.customerSize,
      team: request.customerContacts ?? [],
    }),
    consent: {
      consentToToShareInfoWithOthers: request.consentToShareInfoWithOthers,
      consentToContact: request.consentToContact,
      consentToShareReferralWithMicrosoftSellers: request.dealType !== 'private',
    },
    details: defined({
      dealValue: request.dealValue,
      currency: request.currency,
      closingDateTime: request.closingDateTime,
      notes: request.notes,
      requirements: { solutions: solutions.map((id) => ({ id })) },
    }),
    team: request.team ?? [],
    inviteContext: coSell
      ? defined({ notes: request.helpNotes ?? '', assistanceRequestCode: request.helpNeeded })
      : undefined,
    target: coSell ? solutions.map((id) => ({ type: 'SolutionProfile', id })) : undefined,
  });
}

/**
 * Fields Partner Center sets itself (§2.1): a create body that carries them is refused rather than relayed, so
 * a caller copying a read referral learns it before the upstream does.
 */
const serverFields = [
  'id',
  'eTag',
  'createdDateTime',
  'updatedDateTime',
  'acceptedDateTime',
  'expirationDateTime',
  'organizationId',
  'organizationName',
  'direction',
  'links',
  'registrations',
  '@odata.context',
] as const;

/**
 * The advanced caller's own create body, held to the referral schema: the four fields the create page requires
 * (§5.3), the documented enums for `type` and `qualification` (§3.1), a valid status pair when one is given, and
 * none of the server's fields. Everything else is passed through as sent, so fields the reference does not list
 * yet (Services co-sell's `partnerRole`, `solutionArea`, `solutionPlay`: [UNCONFIRMED]) still reach the service.
 */
export const rawCreateSchema = z
  .looseObject({
    type: z.enum(['Independent', 'Shared'], { error: () => 'must be Independent or Shared' }),
    qualification: z
      .enum(['None', 'Direct', 'MarketingQualified', 'SalesQualified'], {
        error: () => 'must be None, Direct, MarketingQualified or SalesQualified',
      })
      .optional(),
    name: z.string().optional(),
    externalReferenceId: externalReferenceIdSchema.optional(),
    status: z.string().optional(),
    substatus: z.string().optional(),
    customerProfile: z.looseObject({ name: line(200) }, { error: () => 'must be an object' }),
    consent: z.looseObject(
      {
        consentToToShareInfoWithOthers: z.boolean().optional(),
        consentToContact: z.boolean().optional(),
        consentToShareReferralWithMicrosoftSellers: z.boolean().optional(),
      },
      { error: () => 'must be an object' },
    ),
    details: z.looseObject(
      {
        dealValue: dealValueSchema.optional(),
        currency: currencySchema.optional(),
        closingDateTime: closingDateTimeSchema.optional(),
      },
      { error: () => 'must be an object' },
    ),
    team: z.array(teamMemberSchema).max(100).optional(),
    // Checked with the shape, so they are named beside any other field to fix.
    ...Object.fromEntries(
      serverFields.map((field) => [
        field,
        z.never({ error: () => 'is set by Partner Center; leave it out' }).optional(),
      ]),
    ),
  })
  .superRefine((body, ctx) => {
    const { status, substatus } = body;
    if (status === undefined && substatus === undefined) return;
    if (status === undefined || substatus === undefined || !isAllowedStatusPair({ status, substatus })) {
      ctx.addIssue({
        code: 'custom',
        path: ['substatus'],
        message: `status and substatus go together as an allowed pair (${describeAllowedPairs()})`,
      });
    }
  })
  .meta({
    title: 'Referral Create Body',
    description:
      "Partner Center's own create body (type, customerProfile, consent and details required), relayed after validation.",
  });
