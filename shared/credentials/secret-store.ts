/**
 * The facade's view of Key Vault: read and write named secrets. The Azure SDK adapter implements it; the cache
 * and the token source depend only on this.
 */

/** What Key Vault keeps beside a secret's value. None of it is secret. */
export interface SecretAttributes {
  readonly contentType?: string;
  readonly tags?: Readonly<Record<string, string>>;
}

export interface StoredSecret extends SecretAttributes {
  readonly value: string;
  /** When this version was written, if the store says. */
  readonly updatedOn?: Date;
  /** The secret's `expires` attribute, if one is set. */
  readonly expiresOn?: Date;
}

export interface SecretStore {
  get(name: string): Promise<StoredSecret>;
  set(
    name: string,
    value: string,
    attributes?: SecretAttributes & { readonly expiresOn?: Date },
  ): Promise<StoredSecret>;
}

/** `timeout`: Key Vault accepted the request but did not answer within `KEY_VAULT_TIMEOUT_MS` (limits.ts). */
export type SecretStoreFailure = 'not-found' | 'forbidden' | 'unavailable' | 'timeout';

/** A store call failed. The message names the secret, never its value. */
export class SecretStoreError extends Error {
  constructor(
    readonly reason: SecretStoreFailure,
    readonly secretName: string,
    options?: { cause?: unknown },
  ) {
    super(
      reason === 'not-found'
        ? `Key Vault has no secret named ${secretName}`
        : reason === 'forbidden'
          ? `Key Vault refused access to the secret ${secretName}`
          : reason === 'timeout'
            ? `Key Vault did not answer in time for the secret ${secretName}`
            : `Key Vault could not be reached for the secret ${secretName}`,
      options,
    );
    this.name = 'SecretStoreError';
  }
}
