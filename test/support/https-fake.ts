/** The plumbing the local HTTPS fakes share: a server on an ephemeral loopback port and body reading. */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { closeServer, listen, readBody } from '../../dev/node-http';
import type { TestCertificate } from './tls';

export type Handler = (request: IncomingMessage, body: string, response: ServerResponse) => void;

export interface RunningServer {
  readonly url: string;
  close(): Promise<void>;
}

export { readBody };

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  response.end(text);
}

export async function startHttpsServer(
  certificate: TestCertificate,
  handler: Handler,
): Promise<RunningServer> {
  const server: Server = createServer(
    { cert: certificate.cert, key: certificate.key },
    (request, response) => {
      readBody(request).then(
        (body) => {
          handler(request, body, response);
        },
        () => response.destroy(),
      );
    },
  );
  const port = await listen(server, 0, '127.0.0.1');
  return { url: `https://127.0.0.1:${String(port)}`, close: () => closeServer(server) };
}
