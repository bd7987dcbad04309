/**
 * The composition root, apart from the flow it wires: configuration → token source → upstream client → retrying
 * relay → facade, search and webhook intake. The lazy resolver builds it on first use and, while the
 * configuration is invalid, answers every call with a 503 problem instead.
 */
import { ConfigError, loadConfig, type CredentialsConfig, type FacadeConfig } from '../config';
import { StaticTokenSource, type CredentialSource } from '../credentials';
import { createKeyVaultTokenSource, type KeyVaultSourceOptions } from '../credentials/key-vault';
import { createReferralsFacade, type ReferralsFacade } from '../facade/referrals-facade';
import { misconfigured } from '../failures/failure-map';
import { createReferralSearch, type ReferralSearch } from '../referral-search/search';
import { PartnerCenterClient } from '../upstream/client';
import { defaultRetryStrategies, type RetryStrategy } from '../upstream/retry-strategies';
import { RetryingRelay, systemClock, type Clock } from '../upstream/retrying-relay';
import { ReferralList } from '../upstream/referral-list';
import { configuredWebhookIntake } from '../webhooks/configured-intake';
import type { WebhookIntake } from '../webhooks/intake';

export interface FacadeServices {
  readonly config: FacadeConfig;
  readonly credentials: CredentialSource;
  readonly facade: ReferralsFacade;
  readonly search: ReferralSearch;
  /** Built on first use; throws a 503 problem while the webhook configuration is invalid. */
  readonly webhooks: () => WebhookIntake;
  close(): Promise<void>;
}

export interface ServiceOptions {
  /** Clock, operator log and Azure SDK settings for the Key Vault mode. */
  readonly keyVault?: KeyVaultSourceOptions;
  /** Tests replace these so that retries neither wait for real nor depend on chance. */
  readonly clock?: Clock;
  readonly strategies?: readonly RetryStrategy[];
  /** A per-attempt limit below the configurable minimum, so timeouts can be exercised quickly. */
  readonly attemptTimeoutMs?: number;
  /** Readiness's word for a static token that nobody configured, such as the one `npm start` makes up. */
  readonly staticTokenDescription?: string;
}

function createCredentialSource(config: CredentialsConfig, options: ServiceOptions): CredentialSource {
  switch (config.mode) {
    case 'static-token':
      return new StaticTokenSource(config.accessToken, options.staticTokenDescription);
    case 'key-vault':
      return createKeyVaultTokenSource(config.keyVault, options.keyVault);
  }
}

export function createServices(config: FacadeConfig, options: ServiceOptions = {}): FacadeServices {
  const credentials = createCredentialSource(config.credentials, options);
  const client = new PartnerCenterClient({
    baseUrl: config.partnerCenterBaseUrl,
    tokens: credentials,
    timeoutMs: options.attemptTimeoutMs ?? config.upstreamTimeoutMs,
  });
  const relay = new RetryingRelay(
    client,
    {
      maxAttempts: config.retry.maxAttempts,
      deadlineMs: config.retry.deadlineMs,
      strategies: options.strategies ?? defaultRetryStrategies(),
    },
    options.clock ?? systemClock,
  );
  const search = createReferralSearch(new ReferralList(config.partnerCenterBaseUrl, relay));
  const facade = createReferralsFacade(relay, {
    findByExternalReference: async (call, externalReferenceId) => {
      // Two are enough to tell "one" from "several".
      const found = await search.search(call, { externalReferenceId, top: 2 });
      return { referrals: found.value, complete: found.complete };
    },
  });
  return {
    config,
    credentials,
    facade,
    search,
    webhooks: configuredWebhookIntake({ settings: config.webhooks, facade, search }),
    close: () => client.close(),
  };
}

export type ServicesResolver = () => FacadeServices;

/** Builds the services from `env` on first use; a configuration error is retried on the next call. */
export function lazyServices(
  env: Readonly<Record<string, string | undefined>>,
  options: ServiceOptions = {},
): ServicesResolver {
  let services: FacadeServices | undefined;
  return () => {
    if (services) return services;
    try {
      services = createServices(loadConfig(env), options);
      return services;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      throw misconfigured(error.problems);
    }
  };
}
