/**
 * The one-shot listener the browser sign-in redirects to (RFC 8252 §7.3, a loopback redirect): it serves
 * `http://localhost:<port>/` on the loopback addresses only, takes the first answer that carries this sign-in's
 * `state`, refuses any other (a forged or stale redirect must not hand the bootstrap someone else's code), and
 * gives up after a time limit.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, listen } from '../../dev/node-http';

export interface SignInAnswer {
  readonly code: string;
}

export interface LoopbackListener {
  readonly redirectUri: string;
  /** The authorization code of the first answer with the right state. */
  readonly answer: Promise<SignInAnswer>;
  close(): Promise<void>;
}

/** The sign-in could not complete; the message carries codes and reasons, never a code or a token. */
export class SignInError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SignInError';
  }
}

const page = (text: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>referrals-facade bootstrap</title></head><body><p>${text}</p></body></html>`;

const sameText = (a: string, b: string) => {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
};

/** Entra ID's error codes are plain identifiers; anything else is not echoed. */
const safeCode = (value: string | null) => (value && /^[\w.-]{1,64}$/.test(value) ? value : 'unknown');

export async function startLoopbackListener(options: {
  readonly port: number;
  readonly state: string;
  readonly timeoutMs: number;
  /** Told about a refused answer, so the operator sees it. */
  readonly onRefused: (reason: string) => void;
}): Promise<LoopbackListener> {
  let settle: { resolve: (answer: SignInAnswer) => void; reject: (error: Error) => void } | undefined;
  const answer = new Promise<SignInAnswer>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // Nobody may await the answer if starting the listener fails; the rejection is still delivered to whoever does.
  answer.catch(() => undefined);
  let done = false;
  let timer: NodeJS.Timeout | undefined = undefined;
  const finish = (outcome: { code: string } | Error) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    if (outcome instanceof Error) settle?.reject(outcome);
    else settle?.resolve(outcome);
  };

  const handler = (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (request.method !== 'GET' || url.pathname !== '/' || done) {
      response.writeHead(404, { 'content-type': 'text/html; charset=utf-8' }).end(page('Not found.'));
      return;
    }
    const query = url.searchParams;
    if (!sameText(query.get('state') ?? '', options.state)) {
      response
        .writeHead(400, { 'content-type': 'text/html; charset=utf-8' })
        .end(page('Refused: this answer does not belong to the running bootstrap (state mismatch).'));
      options.onRefused('an answer whose state did not match this sign-in was refused');
      return;
    }
    const error = query.get('error');
    if (error !== null) {
      response
        .writeHead(400, { 'content-type': 'text/html; charset=utf-8' })
        .end(page('The sign-in failed; see the terminal.'));
      const aadsts = /AADSTS\d+/.exec(query.get('error_description') ?? '')?.[0];
      finish(
        new SignInError(`Entra ID refused the sign-in (${safeCode(error)}${aadsts ? `, ${aadsts}` : ''}).`),
      );
      return;
    }
    const code = query.get('code');
    if (!code) {
      response
        .writeHead(400, { 'content-type': 'text/html; charset=utf-8' })
        .end(page('No authorization code.'));
      finish(new SignInError('The sign-in answer carried no authorization code.'));
      return;
    }
    response
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      .end(page('Signed in. You can close this window and return to the terminal.'));
    finish({ code });
  };

  const servers: Server[] = [];
  const primary = createServer(handler);
  const port = await listen(primary, options.port, '127.0.0.1');
  servers.push(primary);
  // `localhost` may resolve to ::1 in the browser; listen there too when the machine has IPv6 loopback.
  const v6 = createServer(handler);
  try {
    await listen(v6, port, '::1');
    servers.push(v6);
  } catch {
    // No IPv6 loopback: 127.0.0.1 is enough.
  }
  timer = setTimeout(() => {
    finish(new SignInError(`No sign-in arrived within ${String(Math.round(options.timeoutMs / 1_000))} s.`));
  }, options.timeoutMs);
  return {
    redirectUri: `http://localhost:${String(port)}`,
    answer,
    close: async () => {
      finish(new SignInError('The sign-in was abandoned.'));
      await Promise.all(servers.map((server) => closeServer(server)));
    },
  };
}
