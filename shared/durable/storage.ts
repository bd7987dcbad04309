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

const credentials = new Map<string | undefined, TokenCredential>();

/** One credential per identity, so the queue and table clients share its cached tokens. */
function credentialFor(clientId: string | undefined): TokenCredential {
  let credential = credentials.get(clientId);
  if (credential === undefined) {
    credential =
      clientId === undefined ? new DefaultAzureCredential() : new ManagedIdentityCredential({ clientId });
    credentials.set(clientId, credential);
  }
  return credential;
}

/** A queue service client for the connection: the events queues share the operations' account. */
export function queueServiceFor(connection: DurableStorageConnection): QueueServiceClient {
  return connection.kind === 'connection-string'
    ? QueueServiceClient.fromConnectionString(connection.connectionString)
    : new QueueServiceClient(connection.queueServiceUri, credentialFor(connection.clientId));
}

/** A table client for the connection; `name` is one of the tables the template makes. */
export function tableClientFor(connection: DurableStorageConnection, name: string): TableClient {
  return connection.kind === 'connection-string'
    ? TableClient.fromConnectionString(connection.connectionString, name, {
        allowInsecureConnection: isLocalHttp(connection.connectionString),
      })
    : new TableClient(connection.tableServiceUri, name, credentialFor(connection.clientId));
}

export function createStorageClients(
  connection: DurableStorageConnection,
  names: StorageNames,
): StorageClients {
  const service = queueServiceFor(connection);
  return {
    queue: service.getQueueClient(names.queue),
    poisonQueue: service.getQueueClient(names.poisonQueue),
    table: tableClientFor(connection, names.table),
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
