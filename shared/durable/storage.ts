/**
 * The Azure SDK clients for one storage connection: a connection string (Azurite locally), or the service URIs
 * with a managed identity in Azure, the same settings the Functions host reads for the queue trigger.
 */
import { TableClient } from '@azure/data-tables';
import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import type { DurableStorageConnection } from '../config';
import type { StorageNames } from './names';

export interface StorageClients {
  readonly queue: QueueClient;
  readonly poisonQueue: QueueClient;
  readonly table: TableClient;
  readonly names: StorageNames;
}

/** Azurite and other local endpoints are plain http; the SDK refuses those unless told. */
function isLocalHttp(connectionString: string): boolean {
  return (
    /(?:^|;)\s*(?:TableEndpoint|DefaultEndpointsProtocol)\s*=\s*http(?::|;|$)/i.test(connectionString) ||
    /UseDevelopmentStorage=true/i.test(connectionString)
  );
}

function credentialFor(clientId: string | undefined): TokenCredential {
  return clientId === undefined ? new DefaultAzureCredential() : new ManagedIdentityCredential({ clientId });
}

export function createStorageClients(
  connection: DurableStorageConnection,
  names: StorageNames,
): StorageClients {
  if (connection.kind === 'connection-string') {
    const service = QueueServiceClient.fromConnectionString(connection.connectionString);
    return {
      queue: service.getQueueClient(names.queue),
      poisonQueue: service.getQueueClient(names.poisonQueue),
      table: TableClient.fromConnectionString(connection.connectionString, names.table, {
        allowInsecureConnection: isLocalHttp(connection.connectionString),
      }),
      names,
    };
  }
  const credential = credentialFor(connection.clientId);
  const service = new QueueServiceClient(connection.queueServiceUri, credential);
  return {
    queue: service.getQueueClient(names.queue),
    poisonQueue: service.getQueueClient(names.poisonQueue),
    table: new TableClient(connection.tableServiceUri, names.table, credential),
    names,
  };
}

/**
 * Creates the queues and the table when missing. In Azure the template creates them; locally and in tests this
 * makes a fresh Azurite usable. Needs no more than the data roles the app has.
 */
export async function ensureStorage(clients: StorageClients): Promise<void> {
  await Promise.all([
    clients.queue.createIfNotExists(),
    clients.poisonQueue.createIfNotExists(),
    clients.table.createTable(),
  ]);
}
