/**
 * Builds the webhook intake from configuration on the first delivery. While the mappings are invalid every
 * delivery gets a 503 problem naming what to fix, and the rest of the facade keeps working.
 */
import type { WebhookSettings } from '../config';
import type { ReferralsFacade } from '../facade/referrals-facade';
import type { ReferralSearch } from '../referral-search/search';
import { webhooksMisconfigured } from '../failures/failure-map';
import { createWebhookIntake, type WebhookIntake, type WebhookIntakeDependencies } from './intake';
import { loadMappings, WebhookConfigError } from './load-mappings';
import { secretsFromSettings, type SecretLookup } from './secrets';

export interface ConfiguredIntakeOptions {
  readonly settings: WebhookSettings | undefined;
  readonly facade: ReferralsFacade;
  readonly search: ReferralSearch;
  /** Replaces the app-settings lookup, e.g. with Key Vault. */
  readonly secrets?: SecretLookup;
  readonly submit?: WebhookIntakeDependencies['submit'];
  readonly canSubmit?: WebhookIntakeDependencies['canSubmit'];
}

export function configuredWebhookIntake(options: ConfiguredIntakeOptions): () => WebhookIntake {
  let intake: WebhookIntake | undefined;
  return () => {
    if (intake) return intake;
    const settings = options.settings ?? { secrets: new Map<string, string>() };
    try {
      intake = createWebhookIntake({
        mappings: loadMappings(settings),
        secrets: options.secrets ?? secretsFromSettings(settings.secrets),
        facade: options.facade,
        search: options.search,
        ...(options.submit ? { submit: options.submit } : {}),
        ...(options.canSubmit ? { canSubmit: options.canSubmit } : {}),
      });
      return intake;
    } catch (error) {
      if (!(error instanceof WebhookConfigError)) throw error;
      throw webhooksMisconfigured(error.problems.join('; '));
    }
  };
}
