/**
 * The events hub as the composition root hands it out: its storage opened on first use, and what the receiver,
 * the fan-out, the subscriptions and the sweep share. A storage failure is a 503 problem: nothing was stored.
 */
import type { DurableSettings } from '../config';
import { eventsStorageUnavailable } from '../failures/failure-map';
import { ProblemError } from '../failures/problem';
import type { EventsBackend } from './backend';
import { defaultEventStorageNames, type EventStorageNames } from './names';

export interface EventsOptions {
  readonly names?: EventStorageNames;
  readonly now?: () => number;
}

export interface Events {
  readonly now: () => number;
  backend(): Promise<EventsBackend>;
  /** Runs `work` on the backend; a storage failure becomes the caller's 503 (`what` says what was being done). */
  guarded<T>(what: string, work: (backend: EventsBackend) => Promise<T>): Promise<T>;
}

export function createEvents(settings: DurableSettings, options: EventsOptions = {}): Events {
  const connection = settings.connection;
  if (!connection) {
    throw eventsStorageUnavailable(
      'no storage is configured for events (set DURABLE_STORAGE, or its __queueServiceUri and __tableServiceUri)',
    );
  }
  let opened: Promise<EventsBackend> | undefined;
  const backend = (): Promise<EventsBackend> => {
    opened ??= import('./backend.js')
      .then(({ openEventsBackend }) =>
        openEventsBackend(connection, options.names ?? defaultEventStorageNames),
      )
      .catch((error: unknown) => {
        opened = undefined;
        throw error;
      });
    return opened;
  };
  return {
    now: options.now ?? Date.now,
    backend,
    async guarded(what, work) {
      try {
        return await work(await backend());
      } catch (error) {
        if (error instanceof ProblemError) throw error;
        throw eventsStorageUnavailable(`the storage account did not answer while ${what}`);
      }
    },
  };
}
