/**
 * zod schemas for the values of the referral fields the facade writes. They are the single source of truth for
 * what the simplified endpoints accept, what a raw PATCH may carry, and what the generated API description says.
 */
import { z } from 'zod';
import { referralStatuses, referralSubstatuses } from './status';

const decimalPattern = /^\d{1,15}(\.\d{1,4})?$/;

/**
 * An optional field of a simplified operation's body. Power Automate sends `null` for empty dynamic content (a CRM
 * column nobody filled in), so null means "not given", exactly like leaving the field out; the generated
 * descriptions say the field is nullable. To clear a text field, send an empty string instead. Raw JSON Patch
 * does not use this: there, RFC 6902 makes null a value, checked like any other.
 */
export function optionalField<T extends z.ZodType>(schema: T) {
  return schema.nullish().transform((value): z.output<T> | undefined => value ?? undefined);
}

/**
 * The documentation's samples send the deal value as a decimal string ("10000"); low-code tools often produce
 * numbers. Both are accepted and normalised to the decimal string the samples use.
 */
const dealValueRule =
  'must be a non-negative amount with at most 15 integer digits and 4 decimal places, as a number or a string such as "10000" or "2500.50" (no thousands separators or currency symbols)';

export const dealValueSchema = z
  .union([z.number(), z.string()], { error: () => dealValueRule })
  .transform((raw, ctx) => {
    const text = typeof raw === 'number' ? (Number.isFinite(raw) ? String(raw) : '') : raw.trim();
    if (!decimalPattern.test(text)) {
      ctx.addIssue({
        code: 'custom',
        message: dealValueRule,
      });
      return z.NEVER;
    }
    return text;
  })
  .meta({
    title: 'Deal value',
    description:
      'Estimated deal value, as a number or a decimal string. Sent to Partner Center as a decimal string.',
    examples: ['10000', 2500.5],
  });

export const currencySchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z]{3}$/, 'must be a three-letter ISO 4217 currency code such as "USD"')
  .transform((code) => code.toUpperCase())
  .meta({
    title: 'Currency',
    description: 'ISO 4217 currency code of the deal value.',
    examples: ['USD', 'EUR'],
  });

const isoDate = z.iso.date();
const isoDateTime = z.iso.datetime({ offset: true });

/**
 * A calendar date (midnight UTC) or a date-time with a zone, as the UTC instant Partner Center stores; undefined
 * for anything else. The one date rule of the facade: closing dates and the search's `updatedSince` use it.
 */
export function toUtcInstant(text: string): string | undefined {
  if (isoDate.safeParse(text).success) return `${text}T00:00:00.000Z`;
  if (!isoDateTime.safeParse(text).success) return undefined;
  const instant = new Date(text).toISOString();
  // A zone can carry 9999-12-31 past the year 9999, which ISO 8601's basic form cannot write (+010000-…).
  return /^\d{4}-/.test(instant) ? instant : undefined;
}

/** A calendar date or a date-time with a zone, normalised to the UTC instant Partner Center stores. */
export const closingDateTimeSchema = z
  .string()
  .trim()
  .transform((text, ctx) => {
    const instant = toUtcInstant(text);
    if (instant !== undefined) return instant;
    ctx.addIssue({
      code: 'custom',
      message:
        'must be an ISO 8601 date ("2026-12-31") or date-time with a time zone ("2026-12-31T17:00:00Z", "2026-12-31T17:00:00+01:00")',
    });
    return z.NEVER;
  })
  .meta({
    title: 'Estimated closing date',
    description: 'Estimated closing date: an ISO 8601 date or date-time with a time zone. Stored in UTC.',
    examples: ['2026-12-31', '2026-12-31T17:00:00Z'],
  });

export const notesSchema = z.string().meta({
  title: 'Notes',
  description: 'Free-text notes on the deal.',
  examples: ['Lorem ipsum dolor sit amet.'],
});

export const statusReasonSchema = z.string().meta({
  title: 'Status reason',
  description: 'Free text explaining the status, for example why the deal was lost.',
  examples: ['Customer chose a competitor'],
});

export const externalReferenceIdSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .meta({
    title: 'External reference id',
    description: 'Your own CRM ID for this referral, for example a Dynamics 365 opportunity ID.',
    examples: ['OPP-2026-0042'],
  });

export const statusSchema = z
  .enum(referralStatuses, { error: () => `must be one of ${referralStatuses.join(', ')}` })
  .meta({ title: 'Status', description: 'The referral status; it must fit the substatus.' });
export const substatusSchema = z
  .enum(referralSubstatuses, { error: () => `must be one of ${referralSubstatuses.join(', ')}` })
  .meta({ title: 'Substatus', description: 'The referral substatus; it must fit the status.' });

/** Control characters (C0, DEL, C1) and the bidirectional overrides and isolates that can disguise a name. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const unsafeInName = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
/** Something a reader can see: not only spaces, separators and invisible format characters (zero-width ones). */
const visible = /[^\p{Z}\p{Cf}\s]/u;

const nameSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .refine(
    (name) => !unsafeInName.test(name),
    'must not contain control characters, line breaks or direction overrides',
  )
  .refine((name) => visible.test(name), 'must contain a visible character');

/** RFC 5321 §4.5.3.1.1: a mailbox's local part is at most 64 octets. */
const localPartFits = (email: string): boolean =>
  Buffer.byteLength(email.slice(0, email.lastIndexOf('@')), 'utf8') <= 64;

export const phoneNumberSchema = z
  .string()
  .trim()
  .regex(/^[+0-9][0-9 ()./-]{0,31}$/, 'must be a phone number of digits, spaces and + ( ) . / -')
  .meta({
    title: 'Phone number',
    description: "The team member's phone number.",
    examples: ['0000000001'],
  });

export const teamMemberSchema = z
  .object({
    email: z
      .string()
      .trim()
      .pipe(z.email('must be an email address such as "jane.doe@contoso.com"'))
      .refine(localPartFits, 'must have at most 64 characters before the @')
      .meta({
        title: 'Email',
        description: "The team member's work email address.",
        examples: ['jane.doe@contoso.com'],
      }),
    firstName: nameSchema.meta({ title: 'First name', description: "The team member's first name." }),
    lastName: nameSchema.meta({ title: 'Last name', description: "The team member's last name." }),
    phoneNumber: phoneNumberSchema.optional(),
    contactPreference: z
      .object({
        locale: z.string().optional(),
        disableNotifications: z.boolean().optional(),
      })
      .strict()
      .optional()
      .meta({ title: 'Contact preference', description: 'Notification locale and opt-out.' }),
  })
  .strict();

export const solutionTagSchema = z
  .object({
    id: z.string().trim().min(1, 'must not be empty'),
    name: z.string().optional(),
    type: z.enum(['None', 'Category', 'Name']).optional(),
  })
  .strict();

export const salesStageSchema = z.enum(['Qualify', 'Develop', 'Propose', 'Close'], {
  error: () => 'must be one of Qualify, Develop, Propose, Close',
});
