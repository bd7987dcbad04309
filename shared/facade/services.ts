/**
 * The composition root: configuration → token source → upstream client → facade. The lazy resolver builds it on
 * first use and, while the configuration is invalid, answers every call with a 503 problem instead.
 */
import { ConfigError, loadConfig, type FacadeConfig } from '../config';
import { StaticTokenSource } from '../credentials';
import { ProblemError } from '../http/problem';
import { createReferralSearch, type ReferralSearch } from '../referral-search/search';
import { PartnerCenterClient } from '../upstream/client';
import { ReferralListClient } from '../upstream/referral-list';
import { configuredWebhookIntake } from '../webhooks/configured-intake';
import type { WebhookIntake } from '../webhooks/intake';
import { createReferralsFacade, type ReferralsFacade } from './referrals-facade';

export interface FacadeServices {
  readonly config: FacadeConfig;
  readonly facade: ReferralsFacade;
  readonly search: ReferralSearch;
  /** Built on first use; throws a 503 problem while the webhook configuration is invalid. */
  readonly webhooks: () => WebhookIntake;
  close(): Promise<void>;
}

export function createServices(config: FacadeConfig): FacadeServices {
  const client = new PartnerCenterClient({
    baseUrl: config.partnerCenterBaseUrl,
    tokens: new StaticTokenSource(config.staticAccessToken),
    timeoutMs: config.upstreamTimeoutMs,
  });
  const facade = createReferralsFacade(client);
  // The list has its own small connection pool: searches are rare next to updates.
  const listClient = new ReferralListClient({
    baseUrl: config.partnerCenterBaseUrl,
    tokens: new StaticTokenSource(config.staticAccessToken),
    timeoutMs: config.upstreamTimeoutMs,
  });
  const search = createReferralSearch(listClient);
  return {
    config,
    facade,
    search,
    webhooks: configuredWebhookIntake({ settings: config.webhooks, facade, search }),
    close: async () => {
      await Promise.all([client.close(), listClient.close()]);
    },
  };
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
