/**
 * What the credential sources report to the readiness view. The zod schema is the single source of truth for
 * the shape; no field ever carries a secret or a token.
 */
import { z } from 'zod';

export const checkSchema = z
  .object({
    status: z.enum(['pass', 'warn', 'fail', 'skipped']),
    detail: z.string().meta({ description: 'What was checked and, on failure, what an operator should do.' }),
  })
  .meta({ title: 'ReadinessCheck' });
export type Check = z.infer<typeof checkSchema>;

export const refreshTokenCheckSchema = checkSchema.extend({
  storedAt: z.iso
    .datetime()
    .optional()
    .meta({ description: 'When Key Vault last received a refresh token.' }),
  ageDays: z.number().optional(),
  daysToExpiry: z.number().optional().meta({
    description: 'Days until the stored refresh token expires if the facade stops using it (90-day limit).',
  }),
});

export const tokenCheckSchema = checkSchema.extend({
  expiresInSeconds: z.number().int().optional(),
});

export const credentialChecksSchema = z.object({
  keyVault: checkSchema,
  token: tokenCheckSchema,
  refreshToken: refreshTokenCheckSchema,
});
export type CredentialChecks = z.infer<typeof credentialChecksSchema>;

export const credentialModeSchema = z.enum(['static-token', 'key-vault']);
export type CredentialMode = z.infer<typeof credentialModeSchema>;
