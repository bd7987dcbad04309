/**
 * A facade with event delivery on, over a real Azurite: the local host serving the subscription endpoints, and
 * the events queue consumed by the same glue the Functions binding runs. Each stack has its own queue and table
 * names. Events are stored with EventStore.record and fanned out with a `fan-out` message, as the receiver does.
 * Subscribers are real HTTP servers on loopback that record what they receive and answer as told.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { createEventQueueHandler } from '../../functions/event-queue-handler';
import { createSweepHandler, type SweepHandler } from '../../functions/sweep-handler';
import { startQueueConsumer, type QueueConsumer } from '../../dev/host/queue-consumer';
import { closeServer, flatHeaders, listen, readBody } from '../../dev/node-http';
import { startLocalHost, type LocalHost } from '../../dev/host/server';
import { seedReferrals } from '../../dev/simulator/seed';
import type { Simulator } from '../../dev/simulator/server';
import type { Azurite } from '../../dev/storage/azurite';
import { createServices, type FacadeServices } from '../../shared/app/services';
import {
  defaultEventDeliverySettings,
  loadConfig,
  loadDurableSettings,
  type EventDeliverySettings,
} from '../../shared/config';
import type { Resolver } from '../../shared/events/destination';
import { decodeMessage } from '../../shared/durable/work-queue';
import { eventStorageNamesFor, type EventStorageNames } from '../../shared/events/names';
import {
  eventKeyOf,
  eventMessageSchema,
  type EventMessage,
  type FanOutMessage,
  type EventOrigin,
  type ReferralEvent,
  type ReferralEventType,
} from '../../shared/events/records';

export interface EventsFacade {
  readonly host: LocalHost;
  readonly services: FacadeServices;
  readonly api: string;
  readonly logs: string[];
  close(): Promise<void>;
}

export async function startEventsFacade(
  azurite: Azurite,
  delivery: Partial<EventDeliverySettings>,
  options: { resolve?: Resolver; consume?: boolean } = {},
): Promise<EventsFacade> {
  const env = {
    PARTNER_CENTER_BASE_URL: 'http://127.0.0.1:9',
    PARTNER_CENTER_ACCESS_TOKEN: randomBytes(16).toString('hex'),
    DURABLE_STORAGE: azurite.connectionString,
  };
  const services = createServices(loadConfig(env), {
    durable: () => loadDurableSettings(env),
    eventsOptions: {
      names: isolatedEventNames(),
      ...(options.resolve === undefined ? {} : { resolve: options.resolve }),
    },
    eventDelivery: () => ({ ...defaultEventDeliverySettings, ...delivery }),
  });
  const logs: string[] = [];
  const log = { info: (line: string) => logs.push(line), error: (line: string) => logs.push(line) };
  const host = await startLocalHost({ services: () => services, log: (_level, line) => logs.push(line) });
  const consumer: QueueConsumer | undefined =
    options.consume === false
      ? undefined
      : startQueueConsumer({
          queues: async () => (await services.events().backend()).clients,
          handler: createEventQueueHandler(() => services),
          log,
          settings: { maxPollingIntervalMs: 200, visibilityTimeoutSeconds: 1 },
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

let changes = 0;

/** Stores an event about a seeded referral, as the receiver would, and sends its fan-out message `times` times. */
export async function publish(
  facade: EventsFacade,
  event: {
    type?: ReferralEventType;
    origin?: EventOrigin;
    referral?: Record<string, unknown>;
    times?: number;
  } = {},
): Promise<ReferralEvent> {
  const [seeded] = seedReferrals();
  const referral = { ...seeded, ...event.referral } as ReferralEvent['referral'];
  const referralId = String((referral as { id: string }).id);
  const type = event.type ?? 'referral-updated';
  changes += 1;
  const changedAt = new Date(Date.UTC(2026, 0, 1) + changes * 1_000).toISOString();
  const stored: ReferralEvent = {
    id: eventKeyOf(type, referralId, changedAt),
    type,
    referralId,
    changedAt,
    receivedAt: new Date().toISOString(),
    origin: event.origin ?? 'partner-center',
    detectedBy: 'event',
    referral,
  };
  const backend = await facade.services.events().backend();
  await backend.store.record(stored);
  for (let sent = 0; sent < (event.times ?? 1); sent += 1) {
    await backend.queue.send({ kind: 'fan-out', referralId, eventKey: stored.id });
  }
  return stored;
}

export interface Received {
  readonly path: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** A subscriber: records every request; answers each path with the status set for it (200 by default). */
export interface Receiver {
  readonly url: string;
  readonly received: Received[];
  answer(path: string, status: number): void;
  at(path: string): Received[];
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const statuses = new Map<string, number>();
  const server: Server = createServer((request, response) => {
    void readBody(request).then((body) => {
      const url = new URL(request.url ?? '/', 'http://receiver');
      received.push({ path: url.pathname, url: url.href, headers: flatHeaders(request), body });
      response.writeHead(statuses.get(url.pathname) ?? 200, { 'content-type': 'text/plain' });
      response.end('ok');
    });
  });
  const port = await listen(server, 0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${String(port)}`,
    received,
    answer: (path, status) => statuses.set(path, status),
    at: (path) => received.filter((request) => request.path === path),
    close: () => closeServer(server),
  };
}

export { until } from './until';

/** The settings a facade needs to trust the simulator's signed events, as `npm start` sets them. */
export function trustingSimulatorEvents(simulator: Simulator): Record<string, string> {
  return {
    EVENTS_TRUSTED_ROOTS: simulator.events.testCaPem,
    EVENTS_CERTIFICATE_HOSTS: new URL(simulator.url).hostname,
    EVENTS_ALLOW_HTTP_CERTIFICATE_URLS: 'true',
  };
}

/** Event queue and table names of their own, so stacks sharing one Azurite never see each other's events. */
export function isolatedEventNames(): EventStorageNames {
  return eventStorageNamesFor(`e${randomBytes(5).toString('hex')}`);
}

/** Every message on the events queue, taken off it (for stacks that run no events consumer). */
export async function drainEventQueue(services: FacadeServices): Promise<EventMessage[]> {
  const { clients } = await services.events().backend();
  const messages: EventMessage[] = [];
  for (;;) {
    const received = await clients.queue.receiveMessages({ numberOfMessages: 32 });
    if (received.receivedMessageItems.length === 0) return messages;
    for (const item of received.receivedMessageItems) {
      messages.push(eventMessageSchema.parse(decodeMessage(item.messageText)));
      await clients.queue.deleteMessage(item.messageId, item.popReceipt);
    }
  }
}

/** The fan-out messages on the events queue, taken off it. */
export async function drainFanOuts(services: FacadeServices): Promise<FanOutMessage[]> {
  return (await drainEventQueue(services)).filter(
    (message): message is FanOutMessage => message.kind === 'fan-out',
  );
}

/**
 * The sweep's timer glue with no grace period and an hour's first look back, so a change made a moment ago is
 * found at once: `sweepNow(log)` runs one sweep for the services the facade has when it is called.
 */
export function immediateSweep(services: () => FacadeServices): SweepHandler {
  return createSweepHandler(services, () => ({ graceMs: 0, firstLookbackMs: 3_600_000 }));
}
