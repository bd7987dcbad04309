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
  issuedTo: z.enum(['confidential-client', 'public-client']).optional().meta({
    description:
      'How the stored refresh token was issued (the bootstrap records it), and so how the facade redeems it.',
  }),
});

export const tokenCheckSchema = checkSchema.extend({
  expiresInSeconds: z.number().int().optional(),
});

export const appCredentialCheckSchema = checkSchema.extend({
  kind: z.enum(['client-secret', 'certificate']).optional(),
  expiresOn: z.iso.datetime().optional().meta({
    description:
      "When the app credential expires, as Key Vault knows it: the secret's expiry attribute, or the certificate's end of validity.",
  }),
  daysToExpiry: z.number().optional(),
});

export const mfaCheckSchema = checkSchema.extend({
  lastRefusedAt: z.iso.datetime().optional().meta({
    description: 'When Partner Center last refused a token for lacking MFA (401, error code 900421).',
  }),
});

export const credentialChecksSchema = z.object({
  keyVault: checkSchema,
  token: tokenCheckSchema,
  refreshToken: refreshTokenCheckSchema,
  appCredential: appCredentialCheckSchema,
  mfa: mfaCheckSchema,
});
export type CredentialChecks = z.infer<typeof credentialChecksSchema>;

export const credentialModeSchema = z.enum(['static-token', 'key-vault']);
export type CredentialMode = z.infer<typeof credentialModeSchema>;
