/**
 * The composition root: configuration → token source → upstream client → facade. The lazy resolver builds it on
 * first use and, while the configuration is invalid, answers every call with a 503 problem instead.
 */
import { ConfigError, loadConfig, type FacadeConfig } from '../config';
import { StaticTokenSource } from '../credentials';
import { ProblemError } from '../http/problem';
import { PartnerCenterClient } from '../upstream/client';
import { defaultRetryStrategies, type RetryStrategy } from '../upstream/retry-strategies';
import { RetryingRelay, systemClock, type Clock } from '../upstream/retrying-relay';
import { createReferralsFacade, type ReferralsFacade } from './referrals-facade';

export interface FacadeServices {
  readonly config: FacadeConfig;
  readonly facade: ReferralsFacade;
  close(): Promise<void>;
}

/** What tests replace so that retries neither wait for real nor depend on chance. */
export interface ServiceOverrides {
  readonly clock?: Clock;
  readonly strategies?: readonly RetryStrategy[];
  /** A per-attempt limit below the configurable minimum, so timeouts can be exercised quickly. */
  readonly attemptTimeoutMs?: number;
}

export function createServices(config: FacadeConfig, overrides: ServiceOverrides = {}): FacadeServices {
  const client = new PartnerCenterClient({
    baseUrl: config.partnerCenterBaseUrl,
    tokens: new StaticTokenSource(config.staticAccessToken),
    timeoutMs: overrides.attemptTimeoutMs ?? config.upstreamTimeoutMs,
  });
  const relay = new RetryingRelay(
    client,
    {
      maxAttempts: config.retry.maxAttempts,
      deadlineMs: config.retry.deadlineMs,
      strategies: overrides.strategies ?? defaultRetryStrategies(),
    },
    overrides.clock ?? systemClock,
  );
  return { config, facade: createReferralsFacade(relay), close: () => client.close() };
}

export type ServicesResolver = () => FacadeServices;

/** Builds the services from `env` on first use; a configuration error is retried on the next call. */
export function lazyServices(env: Readonly<Record<string, string | undefined>>): ServicesResolver {
  let services: FacadeServices | undefined;
  return () => {
    if (services) return services;
    try {
      services = createServices(loadConfig(env));
      return services;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      throw new ProblemError({
        status: 503,
        kind: 'misconfigured',
        title: 'The facade is not configured',
        detail: `An operator must fix the facade's settings: ${error.problems.join('; ')}.`,
        retryAfterSeconds: 300,
      });
    }
  };
}
