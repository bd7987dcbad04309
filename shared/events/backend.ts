/**
 * The events' storage side, opened on first use: the Azure SDK clients, the event store and the events queue.
 * Imported dynamically (as the operations' backend), so the storage SDKs load only when events are used.
 */
import type { DurableStorageConnection } from '../config';
import { EventQueue } from './event-queue';
import { EventStore } from './event-store';
import type { EventStorageNames } from './names';
import { createEventStorageClients, ensureEventStorage, type EventStorageClients } from './storage';

export interface EventsBackend {
  readonly clients: EventStorageClients;
  readonly store: EventStore;
  readonly queue: EventQueue;
}

export async function openEventsBackend(
  connection: DurableStorageConnection,
  names: EventStorageNames,
): Promise<EventsBackend> {
  const clients = createEventStorageClients(connection, names);
  // Locally (a connection string: Azurite) the queue and tables are made here; in Azure the template makes them.
  if (connection.kind === 'connection-string') await ensureEventStorage(clients);
  return {
    clients,
    store: new EventStore(clients.events, clients.state),
    queue: new EventQueue(clients.queue),
  };
}
