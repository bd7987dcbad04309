/**
 * The events' Azure SDK clients, on the operations' storage connection (one account, its own queue and tables).
 */
import type { TableClient } from '@azure/data-tables';
import type { QueueClient } from '@azure/storage-queue';
import type { DurableStorageConnection } from '../config';
import { queueServiceFor, tableClientFor } from '../durable/storage';
import type { EventStorageNames } from './names';

export interface EventStorageClients {
  readonly queue: QueueClient;
  readonly poisonQueue: QueueClient;
  readonly events: TableClient;
  readonly subscriptions: TableClient;
  readonly deliveries: TableClient;
  readonly state: TableClient;
  readonly names: EventStorageNames;
}

export function createEventStorageClients(
  connection: DurableStorageConnection,
  names: EventStorageNames,
): EventStorageClients {
  const service = queueServiceFor(connection);
  const table = (name: string) => tableClientFor(connection, name);
  return {
    queue: service.getQueueClient(names.queue),
    poisonQueue: service.getQueueClient(names.poisonQueue),
    events: table(names.events),
    subscriptions: table(names.subscriptions),
    deliveries: table(names.deliveries),
    state: table(names.state),
    names,
  };
}

/** Locally (Azurite) the queues and tables are made on first use; in Azure the template makes them. */
export async function ensureEventStorage(clients: EventStorageClients): Promise<void> {
  await Promise.all([
    clients.queue.createIfNotExists(),
    clients.poisonQueue.createIfNotExists(),
    clients.events.createTable(),
    clients.subscriptions.createTable(),
    clients.deliveries.createTable(),
    clients.state.createTable(),
  ]);
}
