/**
 * Deal registration in flat form: `register-deal` (one `add /registrations/-`), `update-registration` (`add` on
 * the `/registrations/0/…` paths the certified connector writes) and close-won's optional `registerDeal` block.
 * Pure: bodies in, JSON Patch out.
 */
import { z } from 'zod';
import { closingDateTimeSchema, currencySchema, optionalField } from '../referral/fields';
import {
  contractTermSchema,
  primaryDeploymentOnSchema,
  pricingModelSchema,
  registrationAmountSchema,
  REGISTRATION_TYPE,
  solutionIdSchema,
  type Registration,
} from '../referral/registration';
import type { PatchOperation } from '../referral/writable-paths';

const date = (title: string, description: string) =>
  closingDateTimeSchema.meta({ title, description, examples: ['2026-12-31'] });

// Optional fields take null as "not given", as every simplified body does (Power Automate's empty values).
const marketplaceFields = {
  isMarketplaceTransacted: optionalField(
    z.boolean().meta({
      title: 'Transacted in the Marketplace',
      description: 'Whether the deal was transacted through the Microsoft commercial marketplace.',
    }),
  ),
  marketplaceTransactionDateTime: optionalField(
    date(
      'Marketplace Transaction Date',
      'When the deal was transacted through the marketplace; only with Transacted in the marketplace set to true.',
    ),
  ),
};

const solutionFields = {
  isDeployedOnAzure: optionalField(
    z.boolean().meta({ title: 'Deployed on Azure', description: 'Whether the solution runs on Azure.' }),
  ),
  primaryDeploymentOn: optionalField(primaryDeploymentOnSchema),
  pricingModel: optionalField(pricingModelSchema),
  ...marketplaceFields,
};

type MarketplaceInput = { isMarketplaceTransacted?: boolean; marketplaceTransactionDateTime?: string };

/** A transaction date says the deal was transacted: it cannot stand beside "not transacted" or alone. */
function checkMarketplace(input: MarketplaceInput, ctx: z.RefinementCtx, at: (string | number)[]): void {
  if (input.marketplaceTransactionDateTime !== undefined && input.isMarketplaceTransacted !== true) {
    ctx.addIssue({
      code: 'custom',
      path: [...at, 'marketplaceTransactionDateTime'],
      message: 'is given only with isMarketplaceTransacted set to true',
    });
  }
}

const contractFields = {
  contractValue: optionalField(
    registrationAmountSchema.meta({
      title: 'Contract Value',
      description: 'The contract value, as a number or decimal string.',
    }),
  ),
  contractCurrency: optionalField(
    currencySchema.meta({
      title: 'Contract Currency',
      description: 'ISO 4217 code of the contract value.',
      examples: ['USD'],
    }),
  ),
  contractStartDateTime: optionalField(
    date('Contract Start', 'When the contract starts (ISO 8601 date or date-time).'),
  ),
  contractEndDateTime: optionalField(
    date('Contract End', 'When the contract ends (ISO 8601 date or date-time).'),
  ),
  contractSignDateTime: optionalField(date('Contract Signed', 'When the contract was signed.')),
  contractTerm: optionalField(contractTermSchema),
};

type ContractInput = {
  contractValue?: number;
  contractCurrency?: string;
  contractStartDateTime?: string;
  contractEndDateTime?: string;
  contractSignDateTime?: string;
  contractTerm?: string;
};

function checkContractDates(input: ContractInput, ctx: z.RefinementCtx, at: (string | number)[]): void {
  const { contractStartDateTime: start, contractEndDateTime: end } = input;
  if (start !== undefined && end !== undefined && Date.parse(end) < Date.parse(start)) {
    ctx.addIssue({
      code: 'custom',
      path: [...at, 'contractEndDateTime'],
      message: 'must not be before contractStartDateTime',
    });
  }
}

const solutionSchema = z
  .object({
    id: solutionIdSchema,
    value: registrationAmountSchema
      .optional()
      .meta({ title: 'Solution Value', description: 'What this solution is worth in the deal.' }),
    currency: currencySchema.optional(),
    ...solutionFields,
  })
  .strict()
  .meta({ title: 'Solution', description: 'One co-sell solution in the deal and how it is sold.' });

/** The flat register-deal body; also close-won's `registerDeal` block. */
export const registerDealSchema = z
  .object({
    solutions: z
      .array(solutionSchema)
      .min(1, 'must name at least one solution')
      .max(20, 'must name at most 20 solutions')
      .meta({ title: 'Solutions', description: 'The co-sell solutions the deal registers (at least one).' }),
    ...contractFields,
  })
  .strict()
  .superRefine((body, ctx) => {
    body.solutions.forEach((solution, index) => {
      checkMarketplace(solution, ctx, ['solutions', index]);
    });
    checkContractDates(body, ctx, []);
  })
  .meta({ title: 'Deal Registration', description: 'Register the deal with Microsoft (Azure IP co-sell).' });
export type RegisterDealInput = z.output<typeof registerDealSchema>;

const defined = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;

/** The flat body → the registration Partner Center stores, in the connector's shape. */
export function toRegistration(input: RegisterDealInput): Registration {
  const contract = defined({
    value: input.contractValue,
    currency: input.contractCurrency,
    startDateTime: input.contractStartDateTime,
    endDateTime: input.contractEndDateTime,
    signDateTime: input.contractSignDateTime,
    term: input.contractTerm,
  });
  return {
    type: REGISTRATION_TYPE,
    solutionDetails: input.solutions.map((solution) =>
      defined({
        id: solution.id,
        value: solution.value,
        currency: solution.currency,
        isDeployedOnAzure: solution.isDeployedOnAzure,
        primaryDeploymentOn: solution.primaryDeploymentOn,
        pricingModel: solution.pricingModel,
        marketplaceTransactionDetails:
          solution.isMarketplaceTransacted === undefined
            ? undefined
            : defined({
                isMarketplaceTransacted: solution.isMarketplaceTransacted,
                marketplaceTransactionDateTime: solution.marketplaceTransactionDateTime,
              }),
      }),
    ),
    ...(Object.keys(contract).length > 0 ? { contract } : {}),
  };
}

export const REGISTRATION_APPEND_PATH = '/registrations/-';

export const registerDealPatch = (input: RegisterDealInput): PatchOperation[] => [
  { op: 'add', path: REGISTRATION_APPEND_PATH, value: toRegistration(input) },
];

/** Each update-registration field and the connector path it writes, in patch order. */
const registrationFieldPaths = {
  contractValue: '/registrations/0/contract/value',
  contractStartDateTime: '/registrations/0/contract/startDateTime',
  contractEndDateTime: '/registrations/0/contract/endDateTime',
  contractSignDateTime: '/registrations/0/contract/signDateTime',
  contractTerm: '/registrations/0/contract/term',
  solutionValue: '/registrations/0/solutionDetails/0/value',
  solutionCurrency: '/registrations/0/solutionDetails/0/currency',
  isDeployedOnAzure: '/registrations/0/solutionDetails/0/isDeployedOnAzure',
  primaryDeploymentOn: '/registrations/0/solutionDetails/0/primaryDeploymentOn',
  pricingModel: '/registrations/0/solutionDetails/0/pricingModel',
  isMarketplaceTransacted:
    '/registrations/0/solutionDetails/0/marketplaceTransactionDetails/isMarketplaceTransacted',
  marketplaceTransactionDateTime:
    '/registrations/0/solutionDetails/0/marketplaceTransactionDetails/marketplaceTransactionDateTime',
} as const;
const registrationFieldNames = Object.keys(registrationFieldPaths);

/** The connector's update paths have no contract currency, so update-registration takes none. */
const { contractValue, contractStartDateTime, contractEndDateTime, contractSignDateTime, contractTerm } =
  contractFields;
const updatableContractFields = {
  contractValue,
  contractStartDateTime,
  contractEndDateTime,
  contractSignDateTime,
  contractTerm,
};

export const updateRegistrationSchema = z
  .object({
    ...updatableContractFields,
    solutionValue: optionalField(
      registrationAmountSchema.meta({
        title: 'Solution Value',
        description: "The first solution's value in the deal.",
      }),
    ),
    solutionCurrency: optionalField(
      currencySchema.meta({
        title: 'Solution Currency',
        description: "ISO 4217 code of the first solution's value.",
      }),
    ),
    ...solutionFields,
  })
  .strict()
  .refine(
    (body) => registrationFieldNames.some((field) => (body as Record<string, unknown>)[field] !== undefined),
    {
      message: `give at least one of ${registrationFieldNames.join(', ')}`,
    },
  )
  .superRefine((body, ctx) => {
    // Only a date given with "not transacted" contradicts itself; a date alone may complete an earlier flag.
    if (body.marketplaceTransactionDateTime !== undefined && body.isMarketplaceTransacted === false) {
      checkMarketplace(body, ctx, []);
    }
    checkContractDates(body, ctx, []);
  });
export type UpdateRegistrationInput = z.output<typeof updateRegistrationSchema>;

/**
 * `add`, not `replace`: on an object member it sets the value whether or not Partner Center stored one yet
 * (RFC 6902 §4.1), and sending it twice leaves what sending it once left.
 */
export function updateRegistrationPatch(input: UpdateRegistrationInput): PatchOperation[] {
  const patch: PatchOperation[] = [];
  for (const [field, path] of Object.entries(registrationFieldPaths)) {
    const value = (input as Record<string, unknown>)[field];
    if (value !== undefined) patch.push({ op: 'add', path, value });
  }
  return patch;
}
