/**
 * A server on 127.0.0.1 that accepts TCP connections and never answers, not even the TLS handshake: what a
 * firewall that drops return traffic, or a wedged service, looks like to a client. Only a client's own time
 * limit ends a request to it.
 */
import { createServer, type AddressInfo, type Socket } from 'node:net';

export interface BlackHole {
  /** An https URL on the black hole's port. */
  readonly url: string;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

export async function startBlackHole(): Promise<BlackHole> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${String(port)}`,
    connections: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
}
