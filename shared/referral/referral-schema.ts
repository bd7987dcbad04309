/**
 * The referral as the facade answers it, for the generated API descriptions (so flows get the fields as dynamic
 * content). Lenient on purpose: every field optional and nullable (Partner Center may send null for a field it has
 * no value for), unknown fields and unknown enum values kept, because the service adds values the documentation
 * does not list yet (reference §3.1). The one field the facade reshapes is the deal value, always a decimal string
 * in answers (representation.ts), so this schema holds whichever type the upstream sent.
 */
import { z } from 'zod';
import { referralStatuses, referralSubstatuses } from './status';

const text = (title: string, description: string) => z.string().nullable().meta({ title, description });

const memberSchema = z
  .looseObject({
    firstName: text('First name', "The person's first name."),
    lastName: text('Last name', "The person's last name."),
    email: text('Email', "The person's email address."),
    phoneNumber: text('Phone number', "The person's phone number."),
  })
  .partial()
  .meta({ title: 'Team member', description: 'A person on the referral.' });

const addressSchema = z
  .looseObject({
    addressLine1: text('Address line 1', 'First line of the street address.'),
    addressLine2: text('Address line 2', 'Second line of the street address.'),
    city: text('City', 'City.'),
    state: text('State', 'State or province.'),
    postalCode: text('Postal code', 'Postal or ZIP code.'),
    country: text('Country', 'ISO country code, such as US.'),
  })
  .partial()
  .nullable()
  .meta({ title: 'Address', description: "The customer's address." });

export const referralSchema = z
  .looseObject({
    id: text('Referral id', 'The Partner Center ID of the referral (a GUID).'),
    engagementId: text(
      'Engagement id',
      'Groups the copies of one shared deal, such as yours and Microsoft’s.',
    ),
    name: text('Name', 'The referral name.'),
    externalReferenceId: text('External reference id', 'Your own CRM ID for this referral.'),
    status: text('Status', `The status: ${referralStatuses.join(', ')}.`),
    substatus: text('Substatus', `The substatus: ${referralSubstatuses.join(', ')}.`),
    statusReason: text('Status reason', 'Free text explaining the status.'),
    direction: text('Direction', 'Incoming (sent to you) or Outgoing (sent by you).'),
    type: text('Type', 'Independent or Shared.'),
    qualification: text('Qualification', 'None, Direct, MarketingQualified or SalesQualified.'),
    salesStage: text('Sales stage', 'Qualify, Develop, Propose or Close.'),
    organizationId: text('Organization id', 'The organization that owns this copy of the referral.'),
    organizationName: text('Organization name', 'The name of the organization that owns this copy.'),
    createdDateTime: text('Created', 'When the referral was created (UTC, ISO 8601).'),
    updatedDateTime: text('Updated', 'When the referral was last changed (UTC, ISO 8601).'),
    expirationDateTime: text('Expires', 'When the referral expires (UTC, ISO 8601).'),
    eTag: text(
      'ETag',
      'Concurrency token: give it as the ETag of a later update, which is then refused if the referral changed in between.',
    ),
    customerProfile: z
      .looseObject({
        name: text('Customer name', 'The customer organization’s name.'),
        size: text('Customer size', 'The customer’s employee-count band.'),
        address: addressSchema,
        team: z
          .array(memberSchema)
          .nullable()
          .meta({ title: 'Customer contacts', description: 'The customer’s contacts.' }),
      })
      .partial()
      .nullable()
      .meta({ title: 'Customer', description: 'The customer the referral is about.' }),
    details: z
      .looseObject({
        dealValue: z
          .string()
          .nullable()
          .meta({
            title: 'Deal value',
            description:
              'Estimated deal value as a decimal string such as "125000" or "2500.50", whichever type Partner Center stored it as.',
            examples: ['125000'],
          }),
        currency: text('Currency', 'ISO 4217 currency code of the deal value.'),
        closingDateTime: text('Estimated closing date', 'Estimated closing date (UTC, ISO 8601).'),
        notes: text('Notes', 'Free-text notes on the deal.'),
      })
      .partial()
      .nullable()
      .meta({ title: 'Deal details', description: 'Deal value, currency, closing date and notes.' }),
    team: z
      .array(memberSchema)
      .nullable()
      .meta({ title: 'Team', description: 'Your sellers on the referral.' }),
  })
  .partial()
  .meta({ title: 'Referral', description: 'A Partner Center referral (lead or co-sell opportunity).' });

export type ReferralView = z.infer<typeof referralSchema>;
