/**
 * Where signing secrets come from. The intake asks only this function type, so a Key Vault lookup plugs in beside
 * (or instead of) app settings, which in Azure may themselves be Key Vault references the platform resolves.
 */
import { isUnresolvedKeyVaultReference } from '../config';

/** The secret stored under `name`, or undefined when there is none. Throws when it exists but is unusable. */
export type SecretLookup = (name: string) => Promise<string | undefined>;

export class SecretUnavailableError extends Error {
  constructor(
    readonly settingName: string,
    reason: string,
  ) {
    super(`${settingName} ${reason}`);
    this.name = 'SecretUnavailableError';
  }
}

/** Secrets from app settings; an unresolved Key Vault reference is reported, never used as a key. */
export function secretsFromSettings(settings: ReadonlyMap<string, string>): SecretLookup {
  return (name) => {
    const value = settings.get(name);
    if (isUnresolvedKeyVaultReference(value)) {
      return Promise.reject(
        new SecretUnavailableError(
          name,
          "is an unresolved Key Vault reference: check that the app's identity can read the secret",
        ),
      );
    }
    return Promise.resolve(value === '' ? undefined : value);
  };
}
