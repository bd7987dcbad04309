/**
 * Cold start, each figure from fresh `node` processes: the time to import the production bundle (what the
 * Functions worker does before the first invocation), the same for the tsc output resolved from node_modules,
 * and the local host's time from spawn to listening and to its first answered update.
 */
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { benchReferralId } from './fixtures';
import { distRoot, localHostMain } from './topology';

export const bundlePath = join(distRoot, '..', 'dist-bundle', 'index.js');
export const tscEntryPath = join(distRoot, 'functions', 'index.js');

export interface ImportTiming {
  /** Milliseconds spent in `require` of the entry point. */
  readonly importMs: number;
  /** Milliseconds from process start (Node's time origin) to the end of the import. */
  readonly sinceProcessStartMs: number;
}

export interface HostTiming {
  readonly listeningMs: number;
  readonly firstAnswerMs: number;
  readonly firstAnswerStatus: number;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

const round1 = (value: number) => Math.round(value * 10) / 10;

export function medianOf<T extends object>(runs: readonly T[], keys: readonly (keyof T)[]): T {
  const out: Record<string, number> = {};
  for (const key of keys) out[String(key)] = round1(median(runs.map((run) => Number(run[key]))));
  return { ...runs[0], ...out } as T;
}

const probe = `
const started = performance.now();
require(process.argv[1]);
const done = performance.now();
process.stdout.write('\\n' + JSON.stringify({ importMs: done - started, sinceProcessStartMs: done }));
`;

export function timeImport(entry: string): Promise<ImportTiming> {
  return new Promise((resolve, reject) => {
    // stderr is dropped: outside the Functions host the library prints its test-mode warnings there.
    const child = spawn(process.execPath, ['-e', probe, entry], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`importing ${entry} failed with exit code ${String(code)}`));
      // The report is the last line: the library prints its own notes (HTTP streaming) on stdout outside the host.
      else resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '') as ImportTiming);
    });
  });
}

function post(url: URL, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } },
      (incoming) => {
        incoming.resume();
        incoming.on('end', () => {
          resolve(incoming.statusCode ?? 0);
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** Spawns the local host against the given upstream and times its first update (close-won) end to end. */
export function timeHostStart(upstream: string, accessToken: string, referral: number): Promise<HostTiming> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [localHostMain], {
      env: {
        ...process.env,
        PORT: '0',
        PARTNER_CENTER_BASE_URL: upstream,
        PARTNER_CENTER_ACCESS_TOKEN: accessToken,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const found = /listening on (http:\/\/\S+)\/api/.exec(out);
      if (!found?.[1]) return;
      child.stdout.off('data', onData);
      child.stdout.resume();
      const listeningMs = performance.now() - started;
      const url = new URL(`/api/referrals/${benchReferralId(referral)}/close-won`, found[1]);
      post(url, '{"dealValue":10000,"currency":"USD"}')
        .then((status) => {
          const firstAnswerMs = performance.now() - started;
          child.once('exit', () => {
            resolve({ listeningMs, firstAnswerMs, firstAnswerStatus: status });
          });
          child.kill('SIGTERM');
        })
        .catch((error: unknown) => {
          child.kill('SIGKILL');
          reject(error instanceof Error ? error : new Error(String(error)));
        });
    };
    child.stdout.on('data', onData);
    child.on('error', reject);
  });
}
