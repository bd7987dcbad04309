/**
 * Azurite, Microsoft's storage emulator (npm `azurite`), as a child process on ephemeral loopback ports: the
 * queue and table services `npm start` and the tests use. A separate process on purpose: like a real storage
 * account it outlives a facade that stops or restarts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';

/** Azurite's documented development account and key: public, and accepted by nothing but the emulator. */
const ACCOUNT = 'devstoreaccount1';
const KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface Azurite {
  /** A connection string for DURABLE_STORAGE. */
  readonly connectionString: string;
  readonly queueUrl: string;
  readonly tableUrl: string;
  close(): Promise<void>;
}

export interface AzuriteOptions {
  /** Where data is kept across restarts; in memory when left out. */
  readonly location?: string;
  /** How long to wait for both services to listen. */
  readonly timeoutMs?: number;
}

const listening = (service: string) =>
  new RegExp(`Azurite ${service} service is successfully listening at (http://\\S+)`);

export function startAzurite(options: AzuriteOptions = {}): Promise<Azurite> {
  const script = require.resolve('azurite/dist/src/azurite.js');
  const args = [
    script,
    '--silent',
    '--disableTelemetry',
    '--skipApiVersionCheck',
    '--blobPort',
    '0',
    '--queuePort',
    '0',
    '--tablePort',
    '0',
  ];
  if (options.location === undefined) args.push('--inMemoryPersistence');
  else {
    mkdirSync(options.location, { recursive: true });
    args.push('--location', options.location);
  }
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise<Azurite>((resolve, reject) => {
    const timer = setTimeout(() => {
      fail(new Error(`Azurite did not start within ${String(options.timeoutMs ?? 30_000)} ms`));
    }, options.timeoutMs ?? 30_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const queueUrl = listening('Queue').exec(output)?.[1];
      const tableUrl = listening('Table').exec(output)?.[1];
      if (queueUrl === undefined || tableUrl === undefined) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      // Keep draining, so a full pipe never blocks the emulator.
      child.stdout?.resume();
      resolve({
        connectionString: [
          'DefaultEndpointsProtocol=http',
          `AccountName=${ACCOUNT}`,
          `AccountKey=${KEY}`,
          `QueueEndpoint=${queueUrl}/${ACCOUNT}`,
          `TableEndpoint=${tableUrl}/${ACCOUNT}`,
        ].join(';'),
        queueUrl,
        tableUrl,
        close: () => stop(child),
      });
    };
    child.stdout?.on('data', onData);
    child.stderr?.resume();
    child.once('error', fail);
    child.once('exit', (code) => {
      fail(new Error(`Azurite exited with code ${String(code)} before it listened`));
    });
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', () => {
      resolve();
    });
    child.kill('SIGTERM');
  });
}
