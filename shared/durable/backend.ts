/**
 * The storage side of the durable operations, built on first use: the Azure SDK clients, the table, the queue
 * and the worker. Imported dynamically, so neither the storage SDKs nor @azure/identity load at start-up or in
 * an app that never uses the asynchronous mode.
 */
import type { DurableStorageConnection, OperationRetrySettings } from '../config';
import type { ReferralsFacade } from '../facade/referrals-facade';
import type { StorageNames } from './names';
import { OperationStore } from './operation-store';
import { createStorageClients, ensureStorage, type StorageClients } from './storage';
import { OperationWorker } from './worker';
import { WorkQueue } from './work-queue';

export interface Backend {
  readonly clients: StorageClients;
  readonly store: OperationStore;
  readonly queue: WorkQueue;
  readonly worker: OperationWorker;
}

export interface BackendOptions {
  readonly connection: DurableStorageConnection;
  readonly names: StorageNames;
  readonly facade: ReferralsFacade;
  readonly retry: OperationRetrySettings;
  readonly leaseMs: number;
  readonly now: () => number;
}

export async function openBackend(options: BackendOptions): Promise<Backend> {
  const clients = createStorageClients(options.connection, options.names);
  // Locally (a connection string: Azurite) the queues and table are made here; in Azure the template makes
  // them, and the app's data roles could not.
  if (options.connection.kind === 'connection-string') await ensureStorage(clients);
  const store = new OperationStore(clients.table);
  const queue = new WorkQueue(clients.queue, clients.poisonQueue);
  const worker = new OperationWorker({
    store,
    queue,
    facade: options.facade,
    retry: options.retry,
    leaseMs: options.leaseMs,
    now: options.now,
  });
  return { clients, store, queue, worker };
}
