/**
 * The physical floor for any relay written in Node: node:http in, the facade's own undici keep-alive agent out,
 * the body buffered (as the facade must, to validate it) and passed through untouched. No routing, no
 * validation, no logging. The facade's overhead is measured against this.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { createUpstreamAgent } from '../shared/upstream/client';

export interface MinimalRelay {
  readonly url: string;
  close(): Promise<void>;
}

/** Hop-by-hop and per-connection headers stay on their own hop. */
function forwardable(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name === 'host' || name === 'connection' || name === 'keep-alive' || name === 'content-length')
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
      request(options.upstream + (incoming.url ?? '/'), {
        method: incoming.method as 'PATCH',
        headers: forwardable(incoming.headers),
        body: Buffer.concat(chunks),
        dispatcher: agent,
      })
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
