/**
 * The composition root, apart from the flow it wires: configuration → token source → upstream client → retrying
 * relay → facade, search and webhook intake. The lazy resolver builds it on first use and, while the
 * configuration is invalid, answers every call with a 503 problem instead.
 */
import {
  ConfigError,
  loadConfig,
  loadDurableSettings,
  loadEventDeliverySettings,
  type CredentialsConfig,
  type DurableSettings,
  type EventDeliverySettings,
  type FacadeConfig,
} from '../config';
import { StaticTokenSource, type CredentialSource } from '../credentials';
import { createKeyVaultTokenSource, type KeyVaultSourceOptions } from '../credentials/key-vault';
import { createReferralsFacade, type ReferralsFacade } from '../facade/referrals-facade';
import { createDurableOperations, type DurableOperations, type DurableOptions } from '../durable/operations';
import { createEvents, type Events, type EventsOptions } from '../events/events';
import { markingOwnWrites } from '../events/loop-guard';
import type { SignatureCheck } from '../events/receiver';
import { createEventSignatureVerifier, loadEventSignatureSettings } from '../event-signature';
import { misconfigured, storageUnavailable } from '../failures/failure-map';
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
  /** Built on first use; throws a 503 problem while no storage is configured or its settings are invalid. */
  readonly operations: () => DurableOperations;
  /** The events hub (receiver, subscriptions, fan-out, sweep) on the same storage; a 503 problem without it. */
  readonly events: () => Events;
  /** Partner Center's event signature check, built from its settings on first use. */
  readonly eventSignature: () => SignatureCheck;
  /** Whether storage is configured for the asynchronous mode; a preference for it is otherwise not honoured. */
  readonly operationsConfigured: () => boolean;
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
  /** The durable operations' settings, read on first use (`lazyServices` reads them from the environment). */
  readonly durable?: () => DurableSettings;
  /** Tests give each run its own queue and table names on one Azurite. */
  readonly durableOptions?: DurableOptions;
  /** Tests give each run its own event queue and table names on one Azurite, and a clock. */
  readonly eventsOptions?: EventsOptions;
  /** The event signature check (lazyServices builds it from the environment). */
  readonly eventSignature?: () => SignatureCheck;
  /** How subscribers are called, read on first use (`lazyServices` reads the EVENTS_* settings). */
  readonly eventDelivery?: () => EventDeliverySettings;
}

/** The storage settings; an invalid one is a 503 problem, read again on the next call. */
function storageSettings(options: ServiceOptions): DurableSettings {
  try {
    return options.durable?.() ?? loadDurableSettings({});
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw storageUnavailable(`the storage settings are invalid: ${error.problems.join('; ')}`);
  }
}

/**
 * Builds Partner Center's signature check from its settings on first use; an invalid setting is a 503 problem
 * (read again on the next event), so Partner Center retries instead of losing the event.
 */
function lazyEventSignature(env: Readonly<Record<string, string | undefined>>): () => SignatureCheck {
  let verifier: SignatureCheck | undefined;
  return () => {
    if (verifier) return verifier;
    try {
      verifier = createEventSignatureVerifier(loadEventSignatureSettings(env));
      return verifier;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      throw misconfigured(error.problems);
    }
  };
}

/** Builds the events hub on first use, on the operations' storage; a settings error is retried next time. */
function lazyEvents(options: ServiceOptions): () => Events {
  let events: Events | undefined;
  return () => {
    if (events) return events;
    let delivery: EventDeliverySettings | undefined;
    try {
      delivery = options.eventDelivery?.();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      throw misconfigured(error.problems);
    }
    events = createEvents(storageSettings(options), {
      ...options.eventsOptions,
      ...(delivery === undefined ? {} : { delivery }),
    });
    return events;
  };
}

/** Builds the durable operations on first use; a settings error is a 503 problem, retried on the next call. */
function lazyOperations(
  options: ServiceOptions,
  facade: ReferralsFacade,
  deadlineMs: number,
): () => DurableOperations {
  let operations: DurableOperations | undefined;
  return () => {
    if (operations) return operations;
    const settings = storageSettings(options);
    operations = createDurableOperations(settings, facade, deadlineMs, options.durableOptions);
    return operations;
  };
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
  const operationsConfigured = (): boolean => {
    try {
      return options.durable?.().connection !== undefined;
    } catch (error) {
      if (error instanceof ConfigError) return true; // configured, but wrongly: the caller should hear why
      throw error;
    }
  };
  const events = lazyEvents(options);
  const plainFacade = createReferralsFacade(relay, {
    findByExternalReference: async (call, externalReferenceId) => {
      // Two are enough to tell "one" from "several".
      const found = await search.search(call, { externalReferenceId, top: 2 });
      return { referrals: found.value, complete: found.complete };
    },
  });
  // With storage, the facade's own writes are noted for the events' loop guard (docs/events.md).
  const facade = operationsConfigured() ? markingOwnWrites(plainFacade, events) : plainFacade;
  const operations = lazyOperations(options, facade, config.retry.deadlineMs);
  return {
    config,
    credentials,
    facade,
    search,
    operations,
    operationsConfigured,
    events,
    eventSignature: options.eventSignature ?? lazyEventSignature({}),
    webhooks: configuredWebhookIntake({
      settings: config.webhooks,
      facade,
      search,
      submit: (call, submission) => operations().submit(call, submission),
      canSubmit: operationsConfigured,
    }),
    close: () => client.close(),
  };
}

export type ServicesResolver = () => FacadeServices;

/** The settings read on first use, beside the facade's own: storage, event signature, event delivery. */
export function environmentOptions(env: Readonly<Record<string, string | undefined>>): ServiceOptions {
  return {
    durable: () => loadDurableSettings(env),
    eventSignature: lazyEventSignature(env),
    eventDelivery: () => loadEventDeliverySettings(env),
  };
}

/** Builds the services from `env` on first use; a configuration error is retried on the next call. */
export function lazyServices(
  env: Readonly<Record<string, string | undefined>>,
  options: ServiceOptions = {},
): ServicesResolver {
  let services: FacadeServices | undefined;
  return () => {
    if (services) return services;
    try {
      services = createServices(loadConfig(env), { ...environmentOptions(env), ...options });
      return services;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      throw misconfigured(error.problems);
    }
  };
}
