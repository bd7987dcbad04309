/**
 * Partner Center's events, as the simulator plays them: the webhook registration API and signed deliveries.
 * Sources: reference events-auth-and-senders.md §3 ("§3" below) and partner-center-referrals.md §8 ("§8").
 * Where Partner Center's behaviour is not documented the simulator makes a plain choice and says so: the facade
 * must cope with it, not depend on it.
 */
import { randomUUID } from 'node:crypto';
import { referralEventTypes, TEST_EVENT } from '../../shared/events/records';
import { simulatorSigningChain, type SigningChain } from './test-ca';

/** §3: the referral events (the facade's own list of them), plus `test-created` for validation events. */
export const supportedEvents = [...referralEventTypes, TEST_EVENT] as const;
export type PartnerCenterEventName = (typeof supportedEvents)[number];

/** §3 / §8: the payload carries no referral data and no event id. */
export interface PartnerCenterEvent {
  readonly EventName: PartnerCenterEventName;
  readonly ResourceUri: string;
  readonly ResourceName: string;
  readonly AuditUri: null;
  readonly ResourceChangeUtcDate: string;
}

/** §3: the registration body; the answer adds `SubscriberId`. */
export interface WebhookRegistration {
  readonly SubscriberId: string;
  readonly WebhookUrl: string;
  readonly WebhookEvents: readonly PartnerCenterEventName[];
  readonly SignatureTokenToMsSignatureHeader: boolean;
}

export interface DeliveryAttempt {
  /** The receiver's status, when it answered. */
  readonly status?: number;
  /** Why there was no answer (unreachable, timeout, paused). */
  readonly error?: string;
  readonly at: string;
}

export interface EventDelivery {
  readonly event: PartnerCenterEvent;
  readonly attempts: readonly DeliveryAttempt[];
  /** `parked`: §3's offline queue after 10 attempts; never retried, never replayed. */
  readonly state: 'delivered' | 'parked' | 'pending';
}

export interface SignedHeaders {
  readonly headers: Record<string, string>;
}

export interface SimulatorEvents {
  /** The root the simulator's signing certificate chains to: EVENTS_TRUSTED_ROOTS for a facade under test. */
  readonly testCaPem: string;
  /** Where the signing certificate (leaf, then intermediate) is served; the X-MS-Certificate-Url of each event. */
  readonly certificateUrl: string;
  /** Every event sent or being sent, oldest first, with its attempts. */
  deliveries(): readonly EventDelivery[];
  /** The registration, as GET /webhooks/v1/registration would answer it. */
  registration(): WebhookRegistration | undefined;
  /** Deliveries fail as if the receiver were unreachable (nothing is sent) until `resume`. */
  pause(): void;
  resume(): void;
  /** The next `count` events are never sent and leave no trace: lost, as a receiver must expect some to be. */
  dropNext(count: number): void;
  /** Resolves when every delivery is delivered or parked, retries included. */
  flush(): Promise<void>;
  /** The headers Partner Center would send with `body`, for tests that forge or replay an event. */
  sign(body: string, options?: { readonly msSignatureHeader?: boolean }): SignedHeaders;
  /** Sends `eventName` about `referralId` to the registration, when it asks for that event. */
  emit(eventName: PartnerCenterEventName, referralId: string): void;
}

export interface EventOptions {
  /** The simulator's origin, known once it listens: the certificate URL is served there. */
  readonly origin: () => string;
  /**
   * Wait before the next attempt, given the attempts made so far. Partner Center does not publish its schedule;
   * the default doubles from 1 s to at most 60 s. Tests use milliseconds.
   */
  readonly retryDelayMs?: number | ((attemptsMade: number) => number);
  /** Longest wait for the receiver's answer to one attempt (undocumented; default 10 s). */
  readonly deliveryTimeoutMs?: number;
}

/** §3: "10 attempts, then an offline queue with no further attempts and no replay". */
export const MAX_DELIVERY_ATTEMPTS = 10;
export const CERTIFICATE_PATH = '/certificates/partner-center-events.pem';
/** §8: the ResourceUri of a referral event, on api.partnercenter, not the referrals API's host. */
const resourceUri = (referralId: string) =>
  `https://api.partnercenter.microsoft.com/engagements/v1/referrals/${referralId}`;
/** Partner Center's webhook events page: a test event's ResourceUri is `{baseURL}/webhooks/v1/registration/validationEvents/{CorrelationId}`. */
const validationUri = (correlationId: string) =>
  `https://api.partnercenter.microsoft.com/webhooks/v1/registration/validationEvents/${correlationId}`;

interface LiveDelivery {
  readonly event: PartnerCenterEvent;
  readonly body: string;
  readonly url: string;
  readonly msSignatureHeader: boolean;
  readonly attempts: DeliveryAttempt[];
  state: EventDelivery['state'];
  readonly correlationId?: string;
  readonly settled: Promise<void>;
  settle(): void;
}

export interface EventHub extends SimulatorEvents {
  readonly servedPem: string;
  registrationState: WebhookRegistration | undefined;
  /** Sends a `test-created` event for a validation request; returns its correlation id. */
  validationEvent(): string;
  /** Attempts of the validation event `correlationId`, undefined when there is none. */
  validation(correlationId: string): LiveValidation | undefined;
  /** Forgets the registration and every delivery, pending ones included. */
  reset(): void;
  close(): void;
}

export interface LiveValidation {
  readonly state: EventDelivery['state'];
  readonly attempts: readonly DeliveryAttempt[];
}

const defaultDelay = (attemptsMade: number): number => Math.min(1_000 * 2 ** (attemptsMade - 1), 60_000);

export function createEventHub(options: EventOptions): EventHub {
  let chain: SigningChain | undefined;
  const signing = () => (chain ??= simulatorSigningChain());
  const certificateUrl = () => options.origin() + CERTIFICATE_PATH;
  const delayAfter = (attemptsMade: number): number =>
    typeof options.retryDelayMs === 'number'
      ? options.retryDelayMs
      : (options.retryDelayMs ?? defaultDelay)(attemptsMade);
  let live: LiveDelivery[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<AbortController>();
  let paused = false;
  let toDrop = 0;
  let closed = false;

  function sign(body: string, signOptions: { readonly msSignatureHeader?: boolean } = {}): SignedHeaders {
    const signature = signing().sign(body);
    return {
      headers: {
        'content-type': 'application/json; charset=utf-8',
        // §3: the signature goes in Authorization, or in x-ms-signature when SignatureTokenToMsSignatureHeader.
        ...(signOptions.msSignatureHeader === true
          ? { 'x-ms-signature': signature }
          : { authorization: `Signature ${signature}` }),
        'x-ms-certificate-url': certificateUrl(),
        'x-ms-signature-algorithm': 'rsa-sha256',
      },
    };
  }

  function schedule(delivery: LiveDelivery, delayMs: number): void {
    // A timer, never the caller's request: a PATCH answers before its event is sent (§3 delivers asynchronously).
    const timer = setTimeout(() => {
      timers.delete(timer);
      void attempt(delivery);
    }, delayMs);
    timer.unref();
    timers.add(timer);
  }

  /** Checked again after each await: a reset or close while an attempt was in flight ends the delivery. */
  const wanted = (delivery: LiveDelivery): boolean => !closed && delivery.state === 'pending';

  async function attempt(delivery: LiveDelivery): Promise<void> {
    if (!wanted(delivery)) return;
    const at = new Date().toISOString();
    let record: DeliveryAttempt;
    if (paused) {
      record = { error: 'unreachable: the receiver could not be reached (paused)', at };
    } else {
      const controller = new AbortController();
      inFlight.add(controller);
      const timeout = setTimeout(() => {
        controller.abort();
      }, options.deliveryTimeoutMs ?? 10_000);
      timeout.unref();
      try {
        const response = await fetch(delivery.url, {
          method: 'POST',
          headers: sign(delivery.body, { msSignatureHeader: delivery.msSignatureHeader }).headers,
          body: delivery.body,
          signal: controller.signal,
          redirect: 'manual',
        });
        await response.arrayBuffer().catch(() => undefined);
        record = { status: response.status, at };
      } catch (error) {
        record = {
          error: controller.signal.aborted ? 'timeout: no answer in time' : `unreachable: ${describe(error)}`,
          at,
        };
      } finally {
        clearTimeout(timeout);
        inFlight.delete(controller);
      }
    }
    if (!wanted(delivery)) return;
    delivery.attempts.push(record);
    if (record.status !== undefined && record.status >= 200 && record.status < 300) {
      delivery.state = 'delivered';
      delivery.settle();
    } else if (delivery.attempts.length >= MAX_DELIVERY_ATTEMPTS) {
      delivery.state = 'parked';
      delivery.settle();
    } else {
      schedule(delivery, delayAfter(delivery.attempts.length));
    }
  }

  function send(event: PartnerCenterEvent, correlationId?: string): void {
    const registration = hub.registrationState;
    if (closed || registration === undefined || !registration.WebhookEvents.includes(event.EventName)) return;
    if (toDrop > 0) {
      toDrop--;
      return;
    }
    let settle = () => {};
    const settled = new Promise<void>((resolve) => {
      settle = resolve;
    });
    const delivery: LiveDelivery = {
      event,
      body: JSON.stringify(event),
      url: registration.WebhookUrl,
      msSignatureHeader: registration.SignatureTokenToMsSignatureHeader,
      attempts: [],
      state: 'pending',
      ...(correlationId === undefined ? {} : { correlationId }),
      settled,
      settle,
    };
    live.push(delivery);
    schedule(delivery, 0);
  }

  function stopAll(): void {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    for (const controller of inFlight) controller.abort();
    for (const delivery of live) delivery.settle();
  }

  const hub: EventHub = {
    registrationState: undefined,
    get testCaPem() {
      return signing().root.certificatePem;
    },
    get certificateUrl() {
      return certificateUrl();
    },
    /** What CERTIFICATE_PATH serves: the leaf, then the intermediate. */
    get servedPem() {
      return signing().servedPem;
    },
    deliveries: () =>
      live.map((delivery) => ({
        event: delivery.event,
        attempts: [...delivery.attempts],
        state: delivery.state,
      })),
    registration: () => hub.registrationState,
    pause: () => {
      paused = true;
    },
    resume: () => {
      paused = false;
    },
    dropNext: (count) => {
      toDrop += count;
    },
    async flush() {
      for (;;) {
        const pending = live.filter((delivery) => delivery.state === 'pending' && !closed);
        if (pending.length === 0) return;
        await Promise.all(pending.map((delivery) => delivery.settled));
      }
    },
    sign,
    emit: (eventName, referralId) => {
      send({
        EventName: eventName,
        ResourceUri: resourceUri(referralId),
        ResourceName: 'referral',
        AuditUri: null,
        ResourceChangeUtcDate: new Date().toISOString(),
      });
    },
    validationEvent: () => {
      const correlationId = randomUUID();
      send(
        {
          EventName: 'test-created',
          ResourceUri: validationUri(correlationId),
          ResourceName: 'test',
          AuditUri: null,
          ResourceChangeUtcDate: new Date().toISOString(),
        },
        correlationId,
      );
      return correlationId;
    },
    validation: (correlationId) => {
      const delivery = live.find((candidate) => candidate.correlationId === correlationId);
      return delivery && { state: delivery.state, attempts: [...delivery.attempts] };
    },
    reset: () => {
      stopAll();
      live = [];
      hub.registrationState = undefined;
      paused = false;
      toDrop = 0;
    },
    close: () => {
      closed = true;
      stopAll();
    },
  };
  return hub;
}

function describe(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  if (typeof cause?.code === 'string') return cause.code;
  return error instanceof Error ? error.message : String(error);
}
