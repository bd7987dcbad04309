/**
 * A referral's deal registration, as Partner Center's certified Referrals connector writes it (reference: peers A1,
 * `CreateDealRegistrationByReferralId` and `PatchDealRegistrationByReferralId`; the connector swagger's
 * `DealRegistration` and `registrations` items). The REST pages document none of it, so every enumeration the
 * connector leaves open (`term`, `primaryDeploymentOn`, `pricingModel`) is accepted as any short text.
 */
import { z } from 'zod';
import { closingDateTimeSchema, currencySchema } from './fields';

/** The only registration type the connector sends (`add /registrations/-` with `type: AzureIPCoSell`). */
export const REGISTRATION_TYPE = 'AzureIPCoSell';

const amountRule =
  'must be a non-negative amount with at most 15 integer digits and 4 decimal places, as a number or a string such as "50000"';

/**
 * The connector types registration amounts as numbers (`format: float`), unlike the documentation's string deal
 * values; a decimal string from a low-code tool is accepted and sent as the number.
 */
export const registrationAmountSchema = z
  .union([z.number(), z.string()], { error: () => amountRule })
  .transform((raw, ctx) => {
    const text = typeof raw === 'number' ? (Number.isFinite(raw) ? String(raw) : '') : raw.trim();
    if (!/^\d{1,15}(\.\d{1,4})?$/.test(text)) {
      ctx.addIssue({ code: 'custom', message: amountRule });
      return z.NEVER;
    }
    return Number(text);
  })
  .meta({ title: 'Amount', description: 'A non-negative amount, sent as a number.', examples: [50000] });

/** A date or a date-time with a zone, as the UTC instant: the facade's one date rule. */
const instant = (title: string, description: string) =>
  closingDateTimeSchema.meta({ title, description, examples: ['2026-12-31'] });

/** Open enumerations of the connector: short text, no line breaks, passed through as given. */
const openText = (title: string, description: string, examples: readonly string[]) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(100, 'must be at most 100 characters')
    .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters or line breaks')
    .meta({ title, description, examples: [...examples] });

export const contractTermSchema = openText(
  'Contract Term',
  'The contract term as your CRM names it. Partner Center documents no list of values, so any short text is accepted.',
  ['12 months'],
);
export const primaryDeploymentOnSchema = openText(
  'Primary Deployment on',
  'Where the solution is mainly deployed. No list of values is documented; any short text is accepted.',
  ['Azure'],
);
export const pricingModelSchema = openText(
  'Pricing Model',
  'How the solution is priced. No list of values is documented; any short text is accepted.',
  ['Subscription'],
);

export const solutionIdSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .regex(/^[A-Za-z0-9._:-]+$/, 'must be letters, digits and . _ : - (a solution id such as "SOL-34104-EBB")')
  .meta({
    title: 'Solution ID',
    description: 'The ID of your co-sell solution in Partner Center.',
    examples: ['SOL-34104-EBB'],
  });

const marketplaceTransactionSchema = z
  .object({
    isMarketplaceTransacted: z.boolean(),
    marketplaceTransactionDateTime: closingDateTimeSchema.optional(),
  })
  .strict();

/** One `solutionDetails` entry, in Partner Center's shape. */
export const solutionDetailSchema = z
  .object({
    id: solutionIdSchema,
    value: registrationAmountSchema.optional(),
    currency: currencySchema.optional(),
    isDeployedOnAzure: z.boolean().optional(),
    primaryDeploymentOn: primaryDeploymentOnSchema.optional(),
    pricingModel: pricingModelSchema.optional(),
    marketplaceTransactionDetails: marketplaceTransactionSchema.optional(),
  })
  .strict();

export const contractSchema = z
  .object({
    value: registrationAmountSchema.optional(),
    currency: currencySchema.optional(),
    startDateTime: closingDateTimeSchema.optional(),
    endDateTime: closingDateTimeSchema.optional(),
    signDateTime: closingDateTimeSchema.optional(),
    term: contractTermSchema.optional(),
  })
  .strict();

/** The value of `add /registrations/-`, in Partner Center's shape; a raw PATCH is held to it too. */
export const registrationSchema = z
  .object({
    type: z.literal(REGISTRATION_TYPE, { error: () => `must be "${REGISTRATION_TYPE}"` }),
    solutionDetails: z.array(solutionDetailSchema).min(1, 'must name at least one solution').max(20),
    contract: contractSchema.optional(),
  })
  .strict();
export type Registration = z.output<typeof registrationSchema>;

/**
 * The `/registrations/0/…` paths the certified connector's update action writes, with the value each takes. The
 * connector's list also has `/registrations/0/solutionDetails/0/currency`, which its own registration schema
 * does not define for stored registrations; it is kept because the create action does send it.
 */
export const registrationUpdatePaths = {
  '/registrations/0/contract/startDateTime': instant('Contract Start', 'When the contract starts.'),
  '/registrations/0/contract/endDateTime': instant('Contract End', 'When the contract ends.'),
  '/registrations/0/contract/signDateTime': instant('Contract Signed', 'When the contract was signed.'),
  '/registrations/0/contract/term': contractTermSchema,
  '/registrations/0/contract/value': registrationAmountSchema,
  '/registrations/0/solutionDetails/0/value': registrationAmountSchema,
  '/registrations/0/solutionDetails/0/currency': currencySchema,
  '/registrations/0/solutionDetails/0/isDeployedOnAzure': z.boolean(),
  '/registrations/0/solutionDetails/0/primaryDeploymentOn': primaryDeploymentOnSchema,
  '/registrations/0/solutionDetails/0/pricingModel': pricingModelSchema,
  '/registrations/0/solutionDetails/0/marketplaceTransactionDetails/isMarketplaceTransacted': z.boolean(),
  '/registrations/0/solutionDetails/0/marketplaceTransactionDetails/marketplaceTransactionDateTime': instant(
    'Marketplace Transaction Date',
    'When the deal was transacted through the commercial marketplace.',
  ),
} as const;

/** Whether the referral already carries a registration of the facade's type. */
export function hasRegistration(referral: unknown): boolean {
  const registrations =
    typeof referral === 'object' && referral !== null
      ? (referral as { registrations?: unknown }).registrations
      : undefined;
  if (!Array.isArray(registrations)) return false;
  return registrations.some((entry: unknown) => {
    const type = typeof entry === 'object' && entry !== null ? (entry as { type?: unknown }).type : undefined;
    // An entry without a type is read as ours: appending a second could duplicate it.
    return type === undefined || (typeof type === 'string' && type.toLowerCase() === 'azureipcosell');
  });
}
