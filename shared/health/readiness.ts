/**
 * The readiness view: is the configuration valid, can the facade reach Key Vault, can it get a Partner Center
 * token, how old is the stored refresh token, when does the app credential expire. It reuses the credential
 * caches, so polling it costs at most one Key Vault read per cache TTL and one token exchange per token lifetime.
 * It answers within READINESS_BUDGET_MS (4 s) whatever Key Vault and Entra ID do. It never carries a secret.
 */
import { z } from 'zod';
import {
  checkSchema,
  credentialChecksSchema,
  credentialModeSchema,
  type Check,
  type CredentialChecks,
} from '../credentials/health';
import type { CredentialSource } from '../credentials';
import { READINESS_BUDGET_MS } from '../credentials/limits';
import type { QueueHealth } from '../durable/operations';
import { ProblemError } from '../failures/problem';

export const readinessReportSchema = z
  .object({
    status: z.enum(['ready', 'not-ready']),
    service: z.string(),
    version: z.string(),
    credentialMode: credentialModeSchema.optional(),
    checks: credentialChecksSchema.extend({ configuration: checkSchema }),
    operations: checkSchema
      .extend({
        queueDepth: z.number().int().optional().meta({ description: 'Messages in the queue (approximate).' }),
        oldestMessageAgeSeconds: z
          .number()
          .int()
          .optional()
          .meta({ description: 'Age of the oldest message the queue holds visible.' }),
        poisoned: z.number().int().optional().meta({ description: 'Messages in the poison queue.' }),
      })
      .optional()
      .meta({ description: 'The asynchronous mode: the storage account and the work queue.' }),
  })
  .meta({ title: 'Readiness', description: 'What the facade needs to serve calls, check by check.' });
export type ReadinessReport = z.infer<typeof readinessReportSchema>;

const notChecked: Check = { status: 'skipped', detail: 'Not checked: the configuration is invalid.' };

/** `credentials` resolves the configured credential source, or throws the configuration's 503 problem. */
export async function checkReadiness(
  credentials: () => CredentialSource,
  identity: { readonly service: string; readonly version: string },
): Promise<ReadinessReport> {
  let source: CredentialSource;
  try {
    source = credentials();
  } catch (error) {
    if (!(error instanceof ProblemError)) throw error;
    return {
      status: 'not-ready',
      ...identity,
      checks: {
        configuration: { status: 'fail', detail: error.problem.detail },
        keyVault: notChecked,
        token: notChecked,
        refreshToken: notChecked,
        appCredential: notChecked,
        mfa: notChecked,
      },
    };
  }
  const checks: CredentialChecks = await source.checkHealth(READINESS_BUDGET_MS);
  const failed = Object.values(checks).some((check) => check.status === 'fail');
  return {
    status: failed ? 'not-ready' : 'ready',
    ...identity,
    credentialMode: source.mode,
    checks: { configuration: { status: 'pass', detail: 'All settings are valid.' }, ...checks },
  };
}

export type OperationsCheck = NonNullable<ReadinessReport['operations']>;

/**
 * The asynchronous mode's check: skipped when no storage is configured (the synchronous calls do not need it),
 * failed when the storage account does not answer within the readiness budget.
 */
export async function checkOperations(health: () => Promise<QueueHealth>): Promise<OperationsCheck> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const depth = await Promise.race([
      health(),
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
          reject(new Error('timeout'));
        }, READINESS_BUDGET_MS);
      }),
    ]);
    return {
      status: 'pass',
      detail: 'The work queue and the operations table answer.',
      queueDepth: depth.messages,
      ...(depth.oldestAgeSeconds === undefined ? {} : { oldestMessageAgeSeconds: depth.oldestAgeSeconds }),
      poisoned: depth.poisoned,
    };
  } catch (error) {
    if (error instanceof ProblemError && error.problem.kind === 'storage-unavailable') {
      const configured = !error.problem.detail.includes('no storage is configured');
      return configured
        ? { status: 'fail', detail: error.problem.detail }
        : { status: 'skipped', detail: 'No storage is configured: the asynchronous mode is off.' };
    }
    return { status: 'fail', detail: 'The storage account did not answer in time.' };
  } finally {
    clearTimeout(timer);
  }
}
