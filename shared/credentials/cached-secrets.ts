/**
 * Key Vault secrets kept in memory for a while: a secret rotated in Key Vault is picked up once the TTL runs
 * out, concurrent readers of one secret share one Key Vault call, and while Key Vault fails the last value read
 * keeps being served.
 */
import type { OperatorLog } from './operator-log';
import {
  SecretStoreError,
  type SecretAttributes,
  type SecretStore,
  type SecretStoreFailure,
  type StoredSecret,
} from './secret-store';

interface Entry {
  readonly secret: StoredSecret;
  readonly readAt: number;
}

export interface KeyVaultContact {
  readonly lastSuccessAt?: number;
  readonly lastFailure?: { readonly at: number; readonly reason: SecretStoreFailure };
}

export interface CachedSecretsOptions {
  readonly store: SecretStore;
  readonly ttlMs: number;
  readonly now: () => number;
  readonly log: OperatorLog;
}

function asStoreError(error: unknown, name: string): SecretStoreError {
  return error instanceof SecretStoreError
    ? error
    : new SecretStoreError('unavailable', name, { cause: error });
}

export class CachedSecrets {
  private readonly entries = new Map<string, Entry>();
  private readonly reads = new Map<string, Promise<StoredSecret>>();
  private contact: KeyVaultContact = {};

  constructor(private readonly options: CachedSecretsOptions) {}

  /** The secret, read again once older than the TTL; while Key Vault fails, the last value read. */
  async get(name: string): Promise<StoredSecret> {
    const entry = this.entries.get(name);
    if (entry && this.options.now() - entry.readAt < this.options.ttlMs) return entry.secret;
    try {
      return await this.reload(name);
    } catch (error) {
      if (!entry) throw error;
      this.options.log.warn('key-vault-read-failed-serving-cached', {
        secret: name,
        reason: asStoreError(error, name).reason,
        cachedAgeSeconds: Math.round((this.options.now() - entry.readAt) / 1_000),
      });
      return entry.secret;
    }
  }

  /** Reads the secret from Key Vault whatever its age in the cache. */
  reload(name: string): Promise<StoredSecret> {
    const pending = this.reads.get(name);
    if (pending) return pending;
    const read = this.options.store.get(name).then(
      (secret) => {
        this.entries.set(name, { secret, readAt: this.options.now() });
        this.contact = { ...this.contact, lastSuccessAt: this.options.now() };
        return secret;
      },
      (error: unknown) => {
        const failure = asStoreError(error, name);
        this.contact = { ...this.contact, lastFailure: { at: this.options.now(), reason: failure.reason } };
        throw failure;
      },
    );
    this.reads.set(name, read);
    void read.catch(() => undefined).finally(() => this.reads.delete(name));
    return read;
  }

  /** Writes a new version and caches it, so this instance uses what it wrote. */
  async write(name: string, value: string, attributes?: SecretAttributes): Promise<StoredSecret> {
    let written: StoredSecret;
    try {
      written = await this.options.store.set(name, value, attributes);
    } catch (error) {
      throw asStoreError(error, name);
    }
    this.entries.set(name, { secret: written, readAt: this.options.now() });
    return written;
  }

  get keyVaultContact(): KeyVaultContact {
    return this.contact;
  }
}
