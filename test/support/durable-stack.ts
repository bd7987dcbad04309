/**
 * A stack with the asynchronous mode on: the Partner Center simulator, the local host and its queue consumer,
 * over a real Azurite (started once per test file). Each stack gets its own queue and table names, so stacks
 * in one file do not see each other's operations; a restarted facade reuses the names and finds its work.
 */
import { randomBytes } from 'node:crypto';
import { createQueueHandler } from '../../functions/queue-handler';
import {
  startQueueConsumer,
  type QueueConsumer,
  type QueueHostSettings,
} from '../../dev/host/queue-consumer';
import { startLocalHost, type LocalHost } from '../../dev/host/server';
import { startSimulator, type Simulator } from '../../dev/simulator/server';
import type { Azurite } from '../../dev/storage/azurite';
import {
  createServices,
  environmentOptions,
  type FacadeServices,
  type ServiceOptions,
} from '../../shared/app/services';
import { loadConfig } from '../../shared/config';
import { storageNamesFor, type StorageNames } from '../../shared/durable/names';

export interface DurableFacade {
  readonly host: LocalHost;
  readonly services: FacadeServices;
  readonly api: string;
  /** Every line the functions and the worker logged. */
  readonly logs: string[];
  /** Stops the host, the consumer (letting running messages finish) and the clients. */
  close(): Promise<void>;
}

export interface DurableStackOptions {
  readonly env?: Record<string, string>;
  readonly overrides?: ServiceOptions;
  readonly consumer?: Partial<QueueHostSettings>;
  /** False to start the facade without its queue consumer (acceptance only). */
  readonly consume?: boolean;
}

export function uniqueNames(): StorageNames {
  return storageNamesFor(`t${randomBytes(5).toString('hex')}`);
}

export async function startDurableFacade(
  azurite: Azurite,
  simulator: Simulator,
  accessToken: string,
  names: StorageNames,
  options: DurableStackOptions = {},
): Promise<DurableFacade> {
  const env = {
    PARTNER_CENTER_BASE_URL: simulator.url,
    PARTNER_CENTER_ACCESS_TOKEN: accessToken,
    DURABLE_STORAGE: azurite.connectionString,
    OPERATION_RETRY_BASE_SECONDS: '1',
    OPERATION_RETRY_MAX_SECONDS: '2',
    ...options.env,
  };
  const services = createServices(loadConfig(env), {
    ...environmentOptions(env),
    durableOptions: { names },
    ...options.overrides,
  });
  const logs: string[] = [];
  const log = {
    info: (message: string) => logs.push(message),
    error: (message: string) => logs.push(message),
  };
  const host = await startLocalHost({
    services: () => services,
    log: (_level, message) => logs.push(message),
  });
  const consumer: QueueConsumer | undefined =
    options.consume === false
      ? undefined
      : startQueueConsumer({
          queues: async () => (await services.operations().backend()).clients,
          handler: createQueueHandler(() => services),
          log,
          settings: { maxPollingIntervalMs: 200, visibilityTimeoutSeconds: 1, ...options.consumer },
          minPollingIntervalMs: 20,
        });
  return {
    host,
    services,
    api: `${host.url}/api`,
    logs,
    close: async () => {
      await host.close();
      await consumer?.stop();
      await services.close();
    },
  };
}

export async function startTestSimulator(): Promise<{ simulator: Simulator; accessToken: string }> {
  const accessToken = randomBytes(24).toString('base64url');
  return { simulator: await startSimulator({ accessToken }), accessToken };
}
