/**
 * Partner Center's webhook registration API, at `/webhooks/v1` on the simulator's origin (in reality
 * `https://api.partnercenter.microsoft.com/webhooks/v1`). Sources: reference events-auth-and-senders.md §3
 * ("§3") and partner-center-referrals.md §8 ("§8"); Microsoft's REST reference pages "Webhook - Create
 * Validation Event" and "Webhook - Get Validation Events" for the validation answers. Errors take the Partner
 * Center REST shape `{code, description, data, source}` (partner-center-referrals.md §9.2: the shape of
 * api.partnercenter's errors).
 */
import { randomUUID } from 'node:crypto';
import { supportedEvents, type EventHub, type PartnerCenterEventName } from './events';

export const REGISTRATION_BASE = '/webhooks/v1';

export interface RegistrationReply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

export interface RegistrationApiOptions {
  /** The referrals API's token. */
  readonly accessToken: string;
  /** The registration API's token (audience https://api.partnercenter.microsoft.com, §3). */
  readonly registrationAccessToken: string;
  /** Validation events allowed per minute (§3, §8: 2). */
  readonly validationEventsPerMinute?: number;
  readonly now?: () => number;
}

const error = (status: number, code: string, description: string, headers?: Record<string, string>) => ({
  status,
  body: { code, description, data: [], source: 'PartnerWebhooks' },
  ...(headers ? { headers } : {}),
});

const isSupported = (name: unknown): name is PartnerCenterEventName =>
  typeof name === 'string' && (supportedEvents as readonly string[]).includes(name);

type RegistrationBody =
  | {
      readonly ok: true;
      readonly WebhookUrl: string;
      readonly WebhookEvents: PartnerCenterEventName[];
      readonly SignatureTokenToMsSignatureHeader: boolean;
    }
  | { readonly ok: false; readonly reply: RegistrationReply };

/** §3: `WebhookUrl`, `WebhookEvents[]`, `SignatureTokenToMsSignatureHeader`. */
function readRegistration(text: string): RegistrationBody {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, reply: error(400, 'invalidRequest', 'The request body is not valid JSON') };
  }
  const sent = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const url = sent['WebhookUrl'];
  let parsed: URL | undefined;
  try {
    parsed = typeof url === 'string' ? new URL(url) : undefined;
  } catch {
    parsed = undefined;
  }
  // Partner Center calls a public https URL; the simulator also takes http, for receivers on the loopback.
  if (parsed === undefined || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
    return { ok: false, reply: error(400, 'invalidRequest', 'WebhookUrl must be an absolute http(s) URL') };
  }
  const events = sent['WebhookEvents'];
  if (!Array.isArray(events) || events.length === 0) {
    return { ok: false, reply: error(400, 'invalidRequest', 'WebhookEvents must list at least one event') };
  }
  const unknown = events.filter((name) => !isSupported(name));
  if (unknown.length > 0) {
    return {
      ok: false,
      reply: error(400, 'invalidRequest', `Unsupported events: ${unknown.map(String).join(', ')}`),
    };
  }
  const flag = sent['SignatureTokenToMsSignatureHeader'];
  if (flag !== undefined && typeof flag !== 'boolean') {
    return {
      ok: false,
      reply: error(400, 'invalidRequest', 'SignatureTokenToMsSignatureHeader must be a boolean'),
    };
  }
  return {
    ok: true,
    WebhookUrl: parsed.href,
    WebhookEvents: [...new Set(events as PartnerCenterEventName[])],
    SignatureTokenToMsSignatureHeader: flag ?? false,
  };
}

export interface RegistrationApi {
  /** Whether `pathname` belongs to the registration API. */
  handles(pathname: string): boolean;
  act(
    method: string,
    pathname: string,
    headers: Readonly<Record<string, string>>,
    body: string,
  ): RegistrationReply;
  reset(): void;
}

export function createRegistrationApi(hub: EventHub, options: RegistrationApiOptions): RegistrationApi {
  const now = options.now ?? Date.now;
  const perMinute = options.validationEventsPerMinute ?? 2;
  let validationTimes: number[] = [];

  function authorized(headers: Readonly<Record<string, string>>): RegistrationReply | undefined {
    const authorization = headers['authorization'];
    if (authorization === `Bearer ${options.registrationAccessToken}`) return undefined;
    // §3: the registration API's audience is https://api.partnercenter.microsoft.com, not the referrals
    // API's (§7.1: https://api.partner.microsoft.com); a referrals token is refused here.
    const wrongAudience = authorization === `Bearer ${options.accessToken}`;
    return error(
      401,
      'unauthenticated',
      wrongAudience
        ? 'The token is for another audience: the webhook registration API needs one for https://api.partnercenter.microsoft.com'
        : 'A valid bearer token is required',
      { 'www-authenticate': 'Bearer' },
    );
  }

  function register(method: 'POST' | 'PUT', text: string): RegistrationReply {
    const existing = hub.registrationState;
    // §3: POST creates; "use PUT when one exists". The answer to a second POST is not documented: a conflict.
    if (method === 'POST' && existing !== undefined) {
      return error(409, 'conflict', 'A registration already exists for this partner: update it with PUT');
    }
    if (method === 'PUT' && existing === undefined) {
      return error(404, 'notFound', 'No registration exists for this partner: create one with POST');
    }
    const body = readRegistration(text);
    if (!body.ok) return body.reply;
    hub.registrationState = {
      SubscriberId: existing?.SubscriberId ?? randomUUID(),
      WebhookUrl: body.WebhookUrl,
      WebhookEvents: body.WebhookEvents,
      SignatureTokenToMsSignatureHeader: body.SignatureTokenToMsSignatureHeader,
    };
    return { status: 200, body: hub.registrationState };
  }

  function validationEvent(): RegistrationReply {
    const registration = hub.registrationState;
    if (registration === undefined) {
      return error(404, 'notFound', 'No registration exists for this partner');
    }
    // §8: a validation event requires a registration for test-created.
    if (!registration.WebhookEvents.includes('test-created')) {
      return error(400, 'invalidRequest', 'The registration does not include the test-created event');
    }
    // §3, §8: throttled to 2 requests a minute.
    const current = now();
    validationTimes = validationTimes.filter((time) => current - time < 60_000);
    if (validationTimes.length >= perMinute) {
      const oldest = validationTimes[0] ?? current;
      const retryAfter = Math.max(1, Math.ceil((oldest + 60_000 - current) / 1000));
      return error(429, 'tooManyRequests', `At most ${String(perMinute)} validation events a minute`, {
        'retry-after': String(retryAfter),
      });
    }
    validationTimes.push(current);
    // "Create Validation Event": 200 with the correlation id, a JSON string.
    return { status: 200, body: hub.validationEvent() };
  }

  function validationStatus(correlationId: string): RegistrationReply {
    const found = hub.validation(correlationId);
    if (found === undefined) return error(404, 'notFound', `No validation event ${correlationId}`);
    // "Get Validation Events": each attempt as a WebhookResponse (dateTimeUtc, responseCode, responseMessage,
    // systemMessage). The container's field names are not in the readable copy: these are the simulator's.
    const webhooksRequestsSent = found.attempts.map((attempt) => ({
      dateTimeUtc: attempt.at,
      responseCode: attempt.status === undefined ? '' : String(attempt.status),
      responseMessage:
        attempt.status === undefined ? (attempt.error ?? '') : `HTTP ${String(attempt.status)}`,
      systemMessage:
        attempt.status !== undefined && attempt.status >= 200 && attempt.status < 300
          ? 'Request completed successfully.'
          : 'Delivery failed.',
    }));
    return {
      status: 200,
      body: {
        correlationId,
        status:
          found.state === 'pending' ? 'inProgress' : found.state === 'delivered' ? 'completed' : 'failed',
        totalWebhookRequestsSent: webhooksRequestsSent.length,
        webhooksRequestsSent,
      },
    };
  }

  return {
    handles: (pathname) => pathname === REGISTRATION_BASE || pathname.startsWith(`${REGISTRATION_BASE}/`),
    act(method, pathname, headers, body) {
      const refused = authorized(headers);
      if (refused) return refused;
      const path = pathname.slice(REGISTRATION_BASE.length);
      if (path === '/registration/events' && method === 'GET')
        return { status: 200, body: [...supportedEvents] };
      if (path === '/registration') {
        switch (method) {
          case 'GET':
            return hub.registrationState === undefined
              ? error(404, 'notFound', 'No registration exists for this partner')
              : { status: 200, body: hub.registrationState };
          case 'POST':
          case 'PUT':
            return register(method, body);
          case 'DELETE':
            if (hub.registrationState === undefined) {
              return error(404, 'notFound', 'No registration exists for this partner');
            }
            hub.registrationState = undefined;
            return { status: 204 };
          default:
            return error(405, 'methodNotAllowed', 'Method not allowed');
        }
      }
      if (path === '/registration/validationEvents' && method === 'POST') return validationEvent();
      const match = /^\/registration\/validationEvents\/([^/]+)$/.exec(path);
      if (match?.[1] !== undefined && method === 'GET') return validationStatus(match[1]);
      return error(404, 'notFound', 'No such resource');
    },
    reset: () => {
      validationTimes = [];
    },
  };
}
