/**
 * The request bodies of the documentation's PATCH samples (reference §4), in the simplified form. The generated
 * API description shows them as examples, and a test proves each still builds the documented patch.
 */
export interface DocumentedSample {
  readonly summary: string;
  readonly body: unknown;
}

export const documentedSamples: Readonly<Record<string, readonly DocumentedSample[]>> = {
  'update-details': [
    {
      summary: 'Documented sample: set the deal value and notes',
      body: { dealValue: '10000', notes: 'Lorem ipsum dolor sit amet.' },
    },
  ],
  'close-won': [
    { summary: 'Documented sample: mark as won', body: {} },
    {
      summary: 'Won, with the final deal value',
      body: { dealValue: 10000, currency: 'USD', closingDateTime: '2026-12-31' },
    },
  ],
  'add-member': [
    {
      summary: 'Documented sample: add a seller to the team',
      body: { email: 'jane.doe@contoso.com', firstName: 'Jane', lastName: 'Doe', phoneNumber: '0000000001' },
    },
  ],
  'set-status': [{ summary: 'Accept', body: { status: 'Active', substatus: 'Accepted' } }],
  patch: [
    {
      summary: 'Documented sample: deal value and notes as JSON Patch',
      body: [
        { op: 'replace', path: '/details/dealValue', value: '10000' },
        { op: 'replace', path: '/details/notes', value: 'Lorem ipsum dolor sit amet.' },
      ],
    },
  ],
  'register-deal': [
    {
      summary: 'Register an Azure IP co-sell deal with its contract',
      body: {
        solutions: [
          {
            id: 'SOL-34104-EBB',
            value: 50000,
            currency: 'USD',
            isDeployedOnAzure: true,
            primaryDeploymentOn: 'Azure',
            pricingModel: 'Subscription',
            isMarketplaceTransacted: true,
            marketplaceTransactionDateTime: '2026-11-30',
          },
        ],
        contractValue: 50000,
        contractCurrency: 'USD',
        contractStartDateTime: '2027-01-01',
        contractEndDateTime: '2027-12-31',
        contractSignDateTime: '2026-11-30',
        contractTerm: '12 months',
      },
    },
  ],
  'update-registration': [
    { summary: 'Extend the contract', body: { contractEndDateTime: '2028-12-31', contractValue: 95000 } },
  ],
  create: [
    {
      summary: 'A co-sell referral, idempotent by CRM ID',
      body: {
        dealType: 'co-sell',
        name: 'Fabrikam – Azure migration',
        externalReferenceId: 'OPP-2026-0042',
        customerName: 'Fabrikam Inc.',
        customerAddress: {
          addressLine1: '1 Microsoft Way',
          city: 'Redmond',
          state: 'WA',
          postalCode: '98052',
          country: 'US',
        },
        consentToContact: true,
        consentToShareInfoWithOthers: true,
        dealValue: 125000,
        currency: 'USD',
        closingDateTime: '2026-12-31',
        solutions: ['SOL-34104-EBB'],
        helpNeeded: 'ProofOfConceptOrDemo',
      },
    },
  ],
  sync: [
    {
      summary: "The CRM's current values; only what differs is written",
      body: { status: 'Active', substatus: 'Accepted', dealValue: 125000, currency: 'USD' },
    },
  ],
};
