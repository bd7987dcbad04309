/**
 * The storage names the queue trigger, the worker, the local host and the infrastructure agree on. Fixed, not
 * settings: the trigger's queue name is declared when the entry point is imported, before any setting is read.
 */
export const OPERATIONS_QUEUE = 'referral-operations';
/** The Functions host's own name for a queue's poison queue. */
export const POISON_QUEUE = `${OPERATIONS_QUEUE}-poison`;
/** Table names are letters and digits only. */
export const OPERATIONS_TABLE = 'referralOperations';

/** Where a deployment or a test keeps its operations; tests give each run its own names on one Azurite. */
export interface StorageNames {
  readonly queue: string;
  readonly poisonQueue: string;
  readonly table: string;
}

export const defaultStorageNames: StorageNames = {
  queue: OPERATIONS_QUEUE,
  poisonQueue: POISON_QUEUE,
  table: OPERATIONS_TABLE,
};

/** Names for an isolated run: `prefix` is lower-case letters and digits. */
export function storageNamesFor(prefix: string): StorageNames {
  const queue = `${prefix}-operations`;
  return { queue, poisonQueue: `${queue}-poison`, table: `${prefix}operations` };
}
