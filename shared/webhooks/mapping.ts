/**
 * The webhook mapping configuration: for each named sender, how its calls are authenticated, where the referral
 * is named, and which simplified operation each payload becomes, with JMESPath expressions for every field.
 */
import { z } from 'zod';
import { simplifiedOperations } from '../operations/catalog';
import { createReferralRequestSchema } from '../operations/create';
import { syncRequestSchema } from '../operations/sync';
import { WEBHOOK_SECRET_SETTING_PREFIX as WEBHOOK_SECRET_PREFIX } from '../config';
import { expressionSchema } from './expression';

/**
 * The operations a mapping can name: every simplified operation, create (which names no existing referral) and
 * sync. Each body schema is the same one the endpoint uses.
 */
export const webhookOperationSchemas: ReadonlyMap<string, z.ZodType> = new Map<string, z.ZodType>([
  ...simplifiedOperations.map((operation) => [operation.name, operation.body] as const),
  ['create', createReferralRequestSchema],
  ['sync', syncRequestSchema],
]);
const operationNames = [...webhookOperationSchemas.keys()] as [string, ...string[]];
export const CREATE_OPERATION = 'create';

const secretSetting = z
  .string()
  .regex(
    new RegExp(`^${WEBHOOK_SECRET_PREFIX}[A-Z0-9_]+$`),
    `must name an app setting that starts with ${WEBHOOK_SECRET_PREFIX}, such as ${WEBHOOK_SECRET_PREFIX}HUBSPOT`,
  );

const headerName = z
  .string()
  .regex(/^[A-Za-z0-9-]{1,64}$/, 'must be an HTTP header name')
  .transform((name) => name.toLowerCase());

const standardWebhooksAuth = z.object({ scheme: z.literal('standard-webhooks'), secretSetting }).strict();

const hmacAuth = z
  .object({
    scheme: z.literal('hmac-sha256'),
    secretSetting,
    signatureHeader: headerName,
    encoding: z.enum(['hex', 'base64']).default('hex'),
    /** Text before the signature in the header, such as `sha256=`. */
    signaturePrefix: z.string().max(32).default(''),
    /** When set, the signed content is `{timestamp}.{body}` and stale timestamps are refused. */
    timestampHeader: headerName.optional(),
    toleranceSeconds: z.number().int().min(1).max(3600).default(300),
  })
  .strict();

export const authSchema = z.discriminatedUnion('scheme', [standardWebhooksAuth, hmacAuth], {
  error: () => 'scheme must be "standard-webhooks" or "hmac-sha256"',
});
export type WebhookAuth = z.output<typeof authSchema>;
export type HmacAuth = z.output<typeof hmacAuth>;

const locatorSchema = z.union(
  [z.object({ id: expressionSchema }).strict(), z.object({ externalReferenceId: expressionSchema }).strict()],
  { error: () => 'must be {"id": expression} or {"externalReferenceId": expression}' },
);
export type ReferralLocator = z.output<typeof locatorSchema>;

const caseSchema = z
  .object({
    /** The first case whose `when` is true (or that has none) is applied. */
    when: expressionSchema.optional(),
    operation: z.enum(operationNames, { error: () => `must be one of ${operationNames.join(', ')}` }),
    /** Operation field name → expression; a null result leaves the field out. */
    fields: z.record(z.string(), expressionSchema).default({}),
  })
  .strict();
export type MappingCase = z.output<typeof caseSchema>;

const mappingSchema = z
  .object({
    description: z.string().optional(),
    auth: authSchema,
    /** Where the payload names the referral; only a mapping whose every case creates can do without. */
    referral: locatorSchema.optional(),
    /** `async`: every delivery is accepted durably and answered 202 at once (docs/reliability.md). */
    delivery: z.enum(['sync', 'async']).default('sync'),
    cases: z.array(caseSchema).min(1, 'must list at least one case'),
  })
  .strict()
  .superRefine((mapping, ctx) => {
    const needsReferral = mapping.cases.some((mappingCase) => mappingCase.operation !== CREATE_OPERATION);
    if (needsReferral && mapping.referral === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['referral'],
        message: 'is required when a case updates an existing referral (every operation but create)',
      });
    }
  });
export type WebhookMapping = z.output<typeof mappingSchema>;

/** The fields each operation's body accepts, read from its own schema so the two cannot disagree. */
function acceptedFields(operationName: string): string[] {
  const body = webhookOperationSchemas.get(operationName);
  if (!body) return [];
  const schema = z.toJSONSchema(body, { io: 'input', unrepresentable: 'any' });
  return Object.keys((schema as { properties?: Record<string, unknown> }).properties ?? {});
}

/** Also checked on every delivery, before any lookup, so a request path cannot name anything but a mapping. */
export const MAPPING_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

export const mappingFileSchema = z
  .object({
    mappings: z.record(
      z.string().regex(MAPPING_NAME_PATTERN, 'mapping names are lower-case letters, digits and hyphens'),
      mappingSchema,
    ),
  })
  .strict()
  .superRefine((file, ctx) => {
    for (const [name, mapping] of Object.entries(file.mappings)) {
      mapping.cases.forEach((mappingCase, index) => {
        const accepted = acceptedFields(mappingCase.operation);
        for (const field of Object.keys(mappingCase.fields)) {
          if (!accepted.includes(field)) {
            ctx.addIssue({
              code: 'custom',
              path: ['mappings', name, 'cases', index, 'fields', field],
              message: `${mappingCase.operation} takes no field "${field}" (it takes ${accepted.join(', ') || 'no fields'})`,
            });
          }
        }
      });
    }
  });
export type MappingFile = z.output<typeof mappingFileSchema>;
