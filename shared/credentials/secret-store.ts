/**
 * The facade's view of Key Vault: read and write named secrets. The Azure SDK adapter implements it; the cache
 * and the token source depend only on this.
 */
export interface StoredSecret {
  readonly value: string;
  /** When this version was written, if the store says. */
  readonly updatedOn?: Date;
}

export interface SecretStore {
  get(name: string): Promise<StoredSecret>;
  set(name: string, value: string): Promise<StoredSecret>;
}

export type SecretStoreFailure = 'not-found' | 'forbidden' | 'unavailable';

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
          : `Key Vault could not be reached for the secret ${secretName}`,
      options,
    );
    this.name = 'SecretStoreError';
  }
}
