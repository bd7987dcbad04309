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
};
