/**
 * The events hub as the composition root hands it out: its storage opened on first use, and what the receiver,
 * the fan-out, the subscriptions and the sweep share. A storage failure is a 503 problem: nothing was stored.
 */
import { defaultEventDeliverySettings, type DurableSettings, type EventDeliverySettings } from '../config';
import { eventsStorageUnavailable } from '../failures/failure-map';
import { ProblemError } from '../failures/problem';
import type { EventsBackend } from './backend';
import { systemResolver, type Resolver } from './destination';
import { defaultEventStorageNames, type EventStorageNames } from './names';

export interface EventsOptions {
  readonly names?: EventStorageNames;
  readonly now?: () => number;
  /** How subscribers are called (EVENTS_* settings); the defaults are Azure's. */
  readonly delivery?: EventDeliverySettings;
  /** Host name → addresses for the destination policy; tests play a rebinding name server with it. */
  readonly resolve?: Resolver;
}

export interface Events {
  readonly now: () => number;
  readonly delivery: EventDeliverySettings;
  readonly resolve: Resolver;
  backend(): Promise<EventsBackend>;
  /**
   * Runs `work` on the backend; a storage failure becomes the caller's 503 (`what` says what was being done), or
   * `failure`'s problem where "nothing was stored" would not be true.
   */
  guarded<T>(
    what: string,
    work: (backend: EventsBackend) => Promise<T>,
    failure?: (reason: string) => ProblemError,
  ): Promise<T>;
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
    delivery: options.delivery ?? defaultEventDeliverySettings,
    resolve: options.resolve ?? systemResolver,
    backend,
    async guarded(what, work, failure = eventsStorageUnavailable) {
      try {
        return await work(await backend());
      } catch (error) {
        if (error instanceof ProblemError) throw error;
        throw failure(`the storage account did not answer while ${what}`);
      }
    },
  };
}
