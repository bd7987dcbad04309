/**
 * The physical floor for any relay written in Node: node:http in, the facade's own undici keep-alive agent out,
 * the body buffered (as the facade must, to validate it) and passed through untouched. No routing, no
 * validation, no logging. The facade's overhead is measured against this.
 *
 * With the RELAY_READ_FIRST_HEADER it first GETs the same URL and reads the reply, without looking at it: the
 * floor for an operation that must read before it writes, as the facade's idempotent add-member does.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { createUpstreamAgent } from '../shared/upstream/client';
import { RELAY_READ_FIRST_HEADER } from './fixtures';

export interface MinimalRelay {
  readonly url: string;
  close(): Promise<void>;
}

/** Hop-by-hop and per-connection headers stay on their own hop. */
function forwardable(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (
      name === 'host' ||
      name === 'connection' ||
      name === 'keep-alive' ||
      name === 'content-length' ||
      name === RELAY_READ_FIRST_HEADER
    )
      continue;
    if (typeof value === 'string') out[name] = value;
  }
  return out;
}

export async function startMinimalRelay(options: { upstream: string; port?: number }): Promise<MinimalRelay> {
  const agent = createUpstreamAgent();
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const url = options.upstream + (incoming.url ?? '/');
      const forwarded = forwardable(incoming.headers);
      const readFirst =
        incoming.headers[RELAY_READ_FIRST_HEADER] === undefined
          ? Promise.resolve()
          : request(url, {
              method: 'GET',
              headers: { authorization: forwarded['authorization'] ?? '', accept: 'application/json' },
              dispatcher: agent,
            }).then((read) => read.body.arrayBuffer());
      readFirst
        .then(() =>
          request(url, {
            method: incoming.method as 'PATCH',
            headers: forwarded,
            body: Buffer.concat(chunks),
            dispatcher: agent,
          }),
        )
        .then(async (reply) => {
          const body = Buffer.from(await reply.body.arrayBuffer());
          const headers: Record<string, string> = { 'content-length': String(body.length) };
          for (const name of ['content-type', 'etag'])
            if (typeof reply.headers[name] === 'string') headers[name] = reply.headers[name];
          outgoing.writeHead(reply.statusCode, headers).end(body);
        })
        .catch(() => outgoing.writeHead(502).end());
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
      await agent.close();
    },
  };
}
