/**
 * The storage names the event receiver, the fan-out, the sweep, the local host and the infrastructure agree on.
 * Fixed, not settings: the queue trigger's name is declared when the entry point is imported.
 */
export const EVENTS_QUEUE = 'referral-events';
/** The Functions host's own name for a queue's poison queue. */
export const EVENTS_POISON_QUEUE = `${EVENTS_QUEUE}-poison`;

/** Where a deployment or a test keeps its events; tests give each run its own names on one Azurite. */
export interface EventStorageNames {
  readonly queue: string;
  readonly poisonQueue: string;
  /** Received events, one partition per referral, with the versions already announced. */
  readonly events: string;
  /** Power Automate triggers and signed webhooks. */
  readonly subscriptions: string;
  /** One row per event per subscriber: the delivery log, read by time for replays. */
  readonly deliveries: string;
  /** The sweep's cursor and the versions the facade's own writes produced (the loop guard). */
  readonly state: string;
}

export const defaultEventStorageNames: EventStorageNames = {
  queue: EVENTS_QUEUE,
  poisonQueue: EVENTS_POISON_QUEUE,
  events: 'referralEvents',
  subscriptions: 'eventSubscriptions',
  deliveries: 'eventDeliveries',
  state: 'eventState',
};

/** Names for an isolated run: `prefix` is lower-case letters and digits. */
export function eventStorageNamesFor(prefix: string): EventStorageNames {
  const queue = `${prefix}-events`;
  return {
    queue,
    poisonQueue: `${queue}-poison`,
    events: `${prefix}events`,
    subscriptions: `${prefix}subscriptions`,
    deliveries: `${prefix}deliveries`,
    state: `${prefix}eventstate`,
  };
}
