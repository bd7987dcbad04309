/** A few referrals in different states, shaped like the documentation's examples, for demos and tests. */
export type Referral = Record<string, unknown> & {
  id: string;
  status: string;
  substatus: string;
  eTag?: string;
  team?: unknown[];
};

export const seededIds = {
  /** New/Pending: an incoming co-sell opportunity nobody has answered yet. */
  incoming: '0f1c2e3d-4b5a-4697-8a7b-1c2d3e4f5a60',
  /** New/Received. */
  received: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
  /** Active/Accepted: work in progress. */
  active: '2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e',
  /** Closed/Won: final. */
  closedWon: '3c4d5e6f-7a8b-4c9d-8e1f-2a3b4c5d6e7f',
} as const;

function referral(
  id: string,
  name: string,
  status: string,
  substatus: string,
  direction: 'Incoming' | 'Outgoing',
): Referral {
  return {
    id,
    engagementId: id.replace(/^./, 'e'),
    name,
    organizationId: '8b2a6c1e-0d3f-4e5a-9b7c-6d8e0f1a2b3c',
    organizationName: 'Contoso Partner Ltd',
    externalReferenceId: '',
    createdDateTime: '2026-10-01T09:00:00Z',
    updatedDateTime: '2026-10-01T09:00:00Z',
    expirationDateTime: '2026-12-31T00:00:00Z',
    status,
    substatus,
    statusReason: '',
    type: 'Shared',
    qualification: 'SalesQualified',
    salesStage: 'Qualify',
    campaignId: '',
    referralProgram: '',
    direction,
    customerProfile: {
      name: 'Fabrikam Inc.',
      address: {
        addressLine1: '1 Microsoft Way',
        city: 'Redmond',
        state: 'WA',
        postalCode: '98052',
        country: 'US',
      },
      size: '51to500employees',
      team: [
        { firstName: 'John', lastName: 'Smith', email: 'john.smith@fabrikam.com', phoneNumber: '1234567890' },
      ],
      ids: [],
    },
    consent: {
      consentToToShareInfoWithOthers: true,
      consentToContact: true,
      consentToShareReferralWithMicrosoftSellers: true,
    },
    details: {
      notes: '',
      dealValue: 0,
      currency: 'USD',
      closingDateTime: '2026-12-31T00:00:00Z',
      requirements: { industries: [], products: [], services: [], solutions: [] },
    },
    team: [],
    inviteContext: { notes: '', invitedBy: { organizationId: 'msft', organizationName: 'Microsoft' } },
    target: [],
    // Deal registrations: the connector's Referral schema has them as a read-only array (reference: peers A1).
    registrations: [],
  };
}

export function seedReferrals(): Referral[] {
  return [
    referral(seededIds.incoming, 'Fabrikam – Azure migration', 'New', 'Pending', 'Incoming'),
    referral(seededIds.received, 'Fabrikam – Data platform', 'New', 'Received', 'Incoming'),
    referral(seededIds.active, 'Fabrikam – Modern Work rollout', 'Active', 'Accepted', 'Outgoing'),
    referral(seededIds.closedWon, 'Fabrikam – Security assessment', 'Closed', 'Won', 'Outgoing'),
  ];
}
