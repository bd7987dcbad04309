/** The minimal relay in a process of its own. */
import { serveParent } from '../ipc';
import { startMinimalRelay } from '../minimal-relay';

async function main(): Promise<void> {
  const upstream = process.env['BENCH_UPSTREAM'];
  if (!upstream) throw new Error('BENCH_UPSTREAM is not set');
  const relay = await startMinimalRelay({ upstream });
  serveParent(() => Promise.resolve(null), relay.url);
}

void main();
