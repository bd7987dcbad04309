/**
 * `npm run events:register -- --url <receiver url> [--events a,b] [--ms-signature-header] [--yes] [--validate]`:
 * registers the facade's event receiver with Partner Center's webhook registration API (reference
 * events-auth-and-senders.md §3, partner-center-referrals.md §8), as docs/events-partner-center.md describes.
 *
 * The registration API lives on api.partnercenter.microsoft.com and takes a token for that audience, not the
 * referrals API's. The token is minted from the facade's own stored refresh token (Key Vault mode), or taken
 * from PARTNER_CENTER_EVENTS_ACCESS_TOKEN (else PARTNER_CENTER_ACCESS_TOKEN) for local use. No token is ever
 * printed. Exit codes: 0 done, 1 failed, 2 refused (usage, unsupported events, a replacement not confirmed
 * without a terminal).
 */
import { referralEventTypes, TEST_EVENT } from '../shared/events/records';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { ConfigError, loadConfig } from '../shared/config';
import { createKeyVaultTokenSource, type KeyVaultSourceOptions } from '../shared/credentials/key-vault';
import { ProblemError } from '../shared/failures/problem';
import { sanitizeUpstreamText } from '../shared/failures/upstream-text';

export const DEFAULT_EVENTS_BASE_URL = 'https://api.partnercenter.microsoft.com/webhooks/v1';
/**
 * The v2-endpoint scope of the registration API's audience (§3: https://api.partnercenter.microsoft.com).
 * `.default` rather than `/user_impersonation`: it asks for what the app registration was granted (the
 * bootstrap's admin consent) instead of naming one permission, so an unattended refresh never needs consent
 * for a new scope; and it is the form the facade's own PARTNER_CENTER_TOKEN_SCOPE uses. Neither form is stated
 * by Microsoft's webhook pages [UNCONFIRMED]: PARTNER_CENTER_EVENTS_TOKEN_SCOPE overrides it.
 */
export const DEFAULT_EVENTS_TOKEN_SCOPE = 'https://api.partnercenter.microsoft.com/.default';
/** Asked for when --events is not given: every referral event the API lists, and test-created for --validate. */
export const DEFAULT_EVENTS = [...referralEventTypes, TEST_EVENT] as const;

export interface RegisterIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** Whether a person can answer the replacement question. */
  readonly interactive: boolean;
  /** Key Vault mode's test hooks (TLS for a local vault, a fake identity). */
  readonly keyVault?: KeyVaultSourceOptions;
  /** Waits between polls of a validation event's result (default 2 s), and the longest poll (default 60 s). */
  readonly pollIntervalMs?: number;
  readonly pollTimeoutMs?: number;
}

interface Arguments {
  readonly url: string;
  readonly events?: readonly string[];
  readonly yes: boolean;
  readonly validate: boolean;
  readonly msSignatureHeader: boolean;
}

const USAGE =
  'usage: npm run events:register -- --url <receiver url> [--events a,b] [--ms-signature-header] [--yes] [--validate]';

class Refusal extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
  }
}

function parseArguments(args: readonly string[]): Arguments {
  let url: string | undefined;
  let events: string[] | undefined;
  let yes = false;
  let validate = false;
  let msSignatureHeader = false;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index];
    const value = () => {
      const next = args[++index];
      if (next === undefined || next.startsWith('--'))
        throw new Refusal(`${arg ?? ''} needs a value\n${USAGE}`, 2);
      return next;
    };
    if (arg === '--url') url = value();
    else if (arg === '--events')
      events = value()
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean);
    else if (arg === '--yes' || arg === '-y') yes = true;
    else if (arg === '--validate') validate = true;
    else if (arg === '--ms-signature-header') msSignatureHeader = true;
    else throw new Refusal(`unknown argument ${arg ?? ''}\n${USAGE}`, 2);
  }
  if (url === undefined) throw new Refusal(`--url is required\n${USAGE}`, 2);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Refusal(
      '--url must be an absolute URL, such as https://<app>.azurewebsites.net/api/events/partner-center',
      2,
    );
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw new Refusal('--url must be an http(s) URL', 2);
  if (events?.length === 0) throw new Refusal('--events must name at least one event', 2);
  return { url: parsed.href, ...(events ? { events } : {}), yes, validate, msSignatureHeader };
}

/** The registration API's token source, by the same settings as the facade's (docs/credentials.md). */
async function registrationToken(io: RegisterIo): Promise<string> {
  const fixed = io.env['PARTNER_CENTER_EVENTS_ACCESS_TOKEN']?.trim() || undefined;
  if (fixed !== undefined) return fixed;
  const config = loadConfig(io.env);
  if (config.credentials.mode === 'static-token') return config.credentials.accessToken;
  const scope = io.env['PARTNER_CENTER_EVENTS_TOKEN_SCOPE']?.trim() || DEFAULT_EVENTS_TOKEN_SCOPE;
  // The same refresh token as the facade, redeemed for another audience: Entra ID binds a refresh token to the
  // user and the client, not to a resource (partner-center-referrals.md §7.2). The rotated token is written back.
  const source = createKeyVaultTokenSource(
    { ...config.credentials.keyVault, tokenScope: scope },
    io.keyVault,
  );
  return source.getAccessToken();
}

interface Registration {
  readonly WebhookUrl?: unknown;
  readonly WebhookEvents?: unknown;
  readonly SignatureTokenToMsSignatureHeader?: unknown;
  readonly SubscriberId?: unknown;
}

const eventsOf = (registration: Registration): string[] =>
  Array.isArray(registration.WebhookEvents)
    ? registration.WebhookEvents.filter((name): name is string => typeof name === 'string')
    : [];

const sameSet = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((name) => b.includes(name));

function describeRegistration(registration: Registration): string {
  return [
    `  WebhookUrl: ${typeof registration.WebhookUrl === 'string' ? registration.WebhookUrl : '(none)'}`,
    `  WebhookEvents: ${eventsOf(registration).join(', ') || '(none)'}`,
    `  SignatureTokenToMsSignatureHeader: ${registration.SignatureTokenToMsSignatureHeader === true ? 'true' : 'false'}`,
  ].join('\n');
}

async function ask(io: RegisterIo, question: string): Promise<boolean> {
  const lines = createInterface({ input: io.stdin, output: io.stdout, terminal: false });
  try {
    io.stdout.write(question);
    const answer = await new Promise<string>((resolve) => {
      lines.once('line', resolve);
      lines.once('close', () => {
        resolve('');
      });
    });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    lines.close();
  }
}

export async function main(args: readonly string[], io: RegisterIo): Promise<number> {
  const out = (line: string) => io.stdout.write(`${line}\n`);
  try {
    const options = parseArguments(args);
    const base = (io.env['PARTNER_CENTER_EVENTS_BASE_URL']?.trim() || DEFAULT_EVENTS_BASE_URL).replace(
      /\/+$/,
      '',
    );
    const token = await registrationToken(io);

    async function call(
      method: string,
      path: string,
      body?: unknown,
    ): Promise<{ status: number; json: unknown }> {
      let response: Response;
      try {
        response = await fetch(base + path, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'application/json',
            'ms-correlationid': randomUUID(),
            'ms-requestid': randomUUID(),
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(30_000),
        });
      } catch {
        throw new Refusal(`${method} ${base}${path}: no answer (no connection or no answer within 30 s)`, 1);
      }
      const text = await response.text();
      let json: unknown;
      try {
        json = text === '' ? undefined : JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: response.status, json };
    }

    /** A refusal with Partner Center's own words, cleaned of anything credential-shaped. */
    const failed = (what: string, answer: { status: number; json: unknown }): Refusal => {
      const body = (answer.json ?? {}) as Record<string, unknown>;
      const error = (
        typeof body['error'] === 'object' && body['error'] !== null ? body['error'] : body
      ) as Record<string, unknown>;
      const words = [error['code'], error['description'], error['message']]
        .filter((part): part is string | number => typeof part === 'string' || typeof part === 'number')
        .map((part) => sanitizeUpstreamText(String(part)))
        .join(': ');
      const hint =
        answer.status === 401
          ? ' (the token must be for https://api.partnercenter.microsoft.com, not the referrals API; see docs/events-partner-center.md)'
          : answer.status === 403
            ? " (the integration user's Partner Center role may not register webhooks)"
            : '';
      return new Refusal(
        `${what} failed: HTTP ${String(answer.status)}${words ? ` ${words}` : ''}${hint}`,
        1,
      );
    };

    const listed = await call('GET', '/registration/events');
    if (listed.status !== 200) throw failed('Listing the supported events', listed);
    // A bare array of names is what the simulator answers; an object wrapping one is read too.
    const listedBody = listed.json;
    const wrapped = (listedBody ?? {}) as Record<string, unknown>;
    const supportedRaw: unknown = Array.isArray(listedBody)
      ? listedBody
      : (wrapped['items'] ?? wrapped['value']);
    const supported = (Array.isArray(supportedRaw) ? (supportedRaw as unknown[]) : []).filter(
      (name): name is string => typeof name === 'string',
    );
    let wanted = options.events
      ? [...new Set(options.events)]
      : DEFAULT_EVENTS.filter((name) => supported.includes(name));
    const unsupported = wanted.filter((name) => !supported.includes(name));
    if (unsupported.length > 0) {
      throw new Refusal(
        `Partner Center does not offer ${unsupported.join(', ')}; it offers: ${supported.join(', ')}`,
        2,
      );
    }
    if (options.validate && !wanted.includes('test-created')) {
      if (!supported.includes('test-created'))
        throw new Refusal('--validate needs the test-created event, which is not offered', 2);
      // A validation event goes only to a registration for test-created (§8).
      wanted = [...wanted, 'test-created'];
      out('Adding test-created to the events: --validate needs it.');
    }
    const desired = {
      WebhookUrl: options.url,
      WebhookEvents: wanted,
      SignatureTokenToMsSignatureHeader: options.msSignatureHeader,
    };

    const current = await call('GET', '/registration');
    let existing: Registration | undefined;
    if (current.status === 200 && typeof current.json === 'object' && current.json !== null) {
      existing = current.json;
      // An empty registration (no URL) is read as none.
      if (typeof existing.WebhookUrl !== 'string' || existing.WebhookUrl === '') existing = undefined;
    } else if (current.status !== 404 && current.status !== 200 && current.status !== 204) {
      throw failed('Reading the current registration', current);
    }

    const unchanged =
      existing !== undefined &&
      existing.WebhookUrl === desired.WebhookUrl &&
      sameSet(eventsOf(existing), desired.WebhookEvents) &&
      (existing.SignatureTokenToMsSignatureHeader === true) === desired.SignatureTokenToMsSignatureHeader;
    if (existing !== undefined && unchanged) {
      out('Partner Center already has this registration; nothing to change:');
      out(describeRegistration(existing));
    } else {
      if (existing !== undefined) {
        // Partner Center keeps one URL per event (§3): replacing sends this partner's events elsewhere.
        out('Partner Center already has a registration that differs:');
        out(describeRegistration(existing));
        out('It would be replaced by:');
        out(describeRegistration(desired));
        if (!options.yes) {
          if (!io.interactive) {
            throw new Refusal(
              'Refusing to replace the existing registration without confirmation: run again with --yes to replace it.',
              2,
            );
          }
          if (!(await ask(io, 'Replace it? [y/N] ')))
            throw new Refusal('Left the registration unchanged.', 1);
        }
      }
      const saved = await call(existing === undefined ? 'POST' : 'PUT', '/registration', desired);
      if (saved.status < 200 || saved.status >= 300) {
        throw failed(existing === undefined ? 'Registering' : 'Replacing the registration', saved);
      }
      const result = (saved.json ?? desired) as Registration;
      out(existing === undefined ? 'Registered:' : 'Replaced the registration:');
      out(describeRegistration(result));
      if (typeof result.SubscriberId === 'string') out(`  SubscriberId: ${result.SubscriberId}`);
    }

    if (!options.validate) return 0;
    const posted = await call('POST', '/registration/validationEvents');
    if (posted.status < 200 || posted.status >= 300) throw failed('Sending a validation event', posted);
    const postedBody = posted.json;
    const correlationId =
      typeof postedBody === 'string'
        ? postedBody
        : (((postedBody ?? {}) as Record<string, unknown>)['correlationId'] ??
          ((postedBody ?? {}) as Record<string, unknown>)['CorrelationId']);
    if (typeof correlationId !== 'string' || !/^[\w-]{1,128}$/.test(correlationId)) {
      throw new Refusal('Sending a validation event: Partner Center answered no correlation id', 1);
    }
    out(`Validation event sent (correlation id ${correlationId}); waiting for its delivery…`);
    return await pollValidation(correlationId, call, io, out);
  } catch (error) {
    if (error instanceof Refusal) {
      io.stderr.write(`${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof ConfigError) {
      io.stderr.write(
        `${error.message}\n(For this command alone, PARTNER_CENTER_EVENTS_ACCESS_TOKEN may hold a token for https://api.partnercenter.microsoft.com instead.)\n`,
      );
      return 2;
    }
    if (error instanceof ProblemError) {
      io.stderr.write(`No token for the registration API: ${error.problem.detail}\n`);
      return 1;
    }
    throw error;
  }
}

interface Attempt {
  readonly at: string;
  readonly code: string;
  readonly message: string;
}

/** The attempts in "Get Validation Events"' answer; field names are read leniently (not all are documented). */
function attemptsIn(report: unknown): { attempts: Attempt[]; status: string } {
  const body = (report ?? {}) as Record<string, unknown>;
  const list = [body['webhooksRequestsSent'], body['webhookResponses'], body['value'], body['items']].find(
    Array.isArray,
  ) as unknown[] | undefined;
  const text = (value: unknown) =>
    typeof value === 'string' || typeof value === 'number' ? String(value) : '';
  const attempts = (list ?? []).map((entry) => {
    const attempt = (entry ?? {}) as Record<string, unknown>;
    return {
      at: text(attempt['dateTimeUtc'] ?? attempt['requestStartedTimestamp']),
      code: text(attempt['responseCode']),
      message: sanitizeUpstreamText(
        [text(attempt['responseMessage']), text(attempt['systemMessage'])].filter(Boolean).join(' — '),
      ),
    };
  });
  return { attempts, status: text(body['status']) };
}

async function pollValidation(
  correlationId: string,
  call: (method: string, path: string) => Promise<{ status: number; json: unknown }>,
  io: RegisterIo,
  out: (line: string) => void,
): Promise<number> {
  const interval = io.pollIntervalMs ?? 2_000;
  const deadline = Date.now() + (io.pollTimeoutMs ?? 60_000);
  let printed = 0;
  for (;;) {
    const answer = await call('GET', `/registration/validationEvents/${encodeURIComponent(correlationId)}`);
    if (answer.status === 200) {
      const { attempts, status } = attemptsIn(answer.json);
      for (const attempt of attempts.slice(printed)) {
        out(
          `  attempt ${String(printed + 1)}: ${attempt.at} ${attempt.code || '(no answer)'} ${attempt.message}`.trimEnd(),
        );
        printed++;
      }
      if (attempts.some((attempt) => /^2\d\d$/.test(attempt.code))) {
        out('The receiver accepted the validation event.');
        return 0;
      }
      if (/^(failed|completed)$/i.test(status)) {
        io.stderr.write('The receiver did not accept the validation event: see the attempts above.\n');
        return 1;
      }
    } else if (answer.status !== 404) {
      io.stderr.write(`Reading the validation result failed: HTTP ${String(answer.status)}\n`);
      return 1;
    }
    if (Date.now() >= deadline) {
      io.stderr.write(
        `No successful delivery yet; check later: GET /registration/validationEvents/${correlationId}\n`,
      );
      return 1;
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

if (require.main === module) {
  main(process.argv.slice(2), {
    env: process.env,
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    interactive: process.stdin.isTTY && process.stdout.isTTY,
  }).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
