/**
 * Where the servers and the load generator run. `separate` (the default): the simulator, the minimal relay, the
 * facade's local host (the real `dist/dev/host/main.js`, as `npm start` runs it) and autocannon each in a
 * process of their own, as they would be on separate machines. `in-process`: everything in this process, for
 * comparison only (the load generator and the servers then share one event loop).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { startLocalHost } from '../dev/host/server';
import { startSimulator } from '../dev/simulator/server';
import { loadConfig } from '../shared/config';
import { createServices } from '../shared/app/services';
import { benchReferrals } from './fixtures';
import { forkChild } from './ipc';
import { runLoad, type LoadResult, type LoadSpec, type PathName } from './load';
import { startMinimalRelay } from './minimal-relay';
import type { CallCounts } from './processes/simulator';

export type TopologyKind = 'separate' | 'in-process';

export interface Topology {
  readonly kind: TopologyKind;
  readonly accessToken: string;
  readonly urls: { readonly simulator: string; readonly relay: string; readonly facade: string };
  /** Load against one of the paths, or against `url` (a facade started with `startFacade`). */
  load(spec: Omit<LoadSpec, 'url' | 'accessToken'> & { readonly url?: string }): Promise<LoadResult>;
  /**
   * Another local host in a process of its own, against the same simulator: started fresh with extra Node
   * options, its stdout (log lines, and `--trace-gc` output) written to `stdoutPath`. Separate topology only.
   */
  startFacade(nodeOptions: readonly string[], stdoutPath: string): Promise<ExtraFacade>;
  /** Upstream calls since the last drain, by method; `reset` also restores the seeded referrals. */
  drainCalls(reset: boolean): Promise<CallCounts>;
  /** Resident set size of the process serving the facade. */
  facadeRssBytes(): number;
  /** CPU time (user + system, ms) used so far by the process that serves `path`, and by the simulator. */
  cpuMs(path: PathName): { readonly server: number; readonly simulator: number };
  close(): Promise<void>;
}

export interface ExtraFacade {
  readonly url: string;
  rssBytes(): number;
  close(): Promise<void>;
}

export const distRoot = join(__dirname, '..');
export const localHostMain = join(distRoot, 'dev', 'host', 'main.js');

/** Clock ticks per second of /proc/<pid>/stat; 100 on every mainstream Linux build. */
const CLOCK_TICKS = 100;

export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; fields are counted after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${String(pid)}/status`, 'utf8');
  const kib = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmRSS for process ${String(pid)}`);
  return Number(kib) * 1024;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function waitUntilAnswering(url: string, deadline: number): Promise<void> {
  for (;;) {
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** The local host as `npm start` runs it (`dist/dev/host/main.js`), pointed at the given simulator. */
async function spawnFacade(
  simulatorUrl: string,
  accessToken: string,
  nodeOptions: readonly string[],
  stdout: 'ignore' | number,
): Promise<{ url: string; process: ChildProcess }> {
  const port = await freePort();
  const host = spawn(process.execPath, [...nodeOptions, localHostMain], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      PARTNER_CENTER_BASE_URL: simulatorUrl,
      PARTNER_CENTER_ACCESS_TOKEN: accessToken,
      // The synchronous scenarios measure the facade alone: no Azurite and no queue polling competing for the
      // CPU (the asynchronous scenario has its own topology, bench/async.ts).
      LOCAL_STORAGE: 'none',
    },
    stdio: ['ignore', stdout, 'inherit'],
  });
  const url = `http://127.0.0.1:${String(port)}`;
  await waitUntilAnswering(`${url}/api/health`, Date.now() + 15_000);
  return { url, process: host };
}

async function stopProcess(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

async function startSeparate(): Promise<Topology> {
  const accessToken = randomBytes(24).toString('base64url');
  const processes = join(__dirname, 'processes');
  const simulator = await forkChild<string>(join(processes, 'simulator.js'), {
    BENCH_ACCESS_TOKEN: accessToken,
  });
  const relay = await forkChild<string>(join(processes, 'relay.js'), { BENCH_UPSTREAM: simulator.ready });
  const loader = await forkChild<null>(join(processes, 'load.js'), {});
  // The host logs a line per call to stdout; /dev/null keeps the cost of writing it without a reader's.
  const { url: facade, process: host } = await spawnFacade(simulator.ready, accessToken, [], 'ignore');
  const urls = { simulator: simulator.ready, relay: relay.ready, facade };
  return {
    kind: 'separate',
    accessToken,
    urls,
    load: (spec) => loader.ask<LoadResult>({ ...spec, url: spec.url ?? urls[spec.path], accessToken }),
    startFacade: async (nodeOptions, stdoutPath) => {
      const out = openSync(stdoutPath, 'w');
      try {
        const extra = await spawnFacade(simulator.ready, accessToken, nodeOptions, out);
        return {
          url: extra.url,
          rssBytes: () => rssOf(extra.process.pid ?? 0),
          close: () => stopProcess(extra.process),
        };
      } finally {
        closeSync(out);
      }
    },
    drainCalls: (reset) => simulator.ask<CallCounts>(reset ? 'reset' : 'drain'),
    facadeRssBytes: () => rssOf(host.pid ?? 0),
    cpuMs: (path) => {
      const pids = { simulator: simulator.process.pid, relay: relay.process.pid, facade: host.pid };
      return { server: cpuMsOf(pids[path] ?? 0), simulator: cpuMsOf(simulator.process.pid ?? 0) };
    },
    close: async () => {
      await stopProcess(host);
      await Promise.all([loader.stop(), relay.stop(), simulator.stop()]);
    },
  };
}

async function startInProcess(): Promise<Topology> {
  const accessToken = randomBytes(24).toString('base64url');
  const simulator = await startSimulator({ accessToken, referrals: benchReferrals() });
  const relay = await startMinimalRelay({ upstream: simulator.url });
  const services = createServices(
    loadConfig({ PARTNER_CENTER_BASE_URL: simulator.url, PARTNER_CENTER_ACCESS_TOKEN: accessToken }),
  );
  const devNull = openSync('/dev/null', 'w');
  const host = await startLocalHost({
    services: () => services,
    log: (_level, message) => writeSync(devNull, `${message}\n`),
  });
  const urls = { simulator: simulator.url, relay: relay.url, facade: host.url };
  return {
    kind: 'in-process',
    accessToken,
    urls,
    load: (spec) => runLoad({ ...spec, url: spec.url ?? urls[spec.path], accessToken }),
    startFacade: () => Promise.reject(new Error('--long needs the separate topology')),
    drainCalls: (reset) => {
      const counts: CallCounts = {};
      for (const call of simulator.calls) counts[call.method] = (counts[call.method] ?? 0) + 1;
      if (reset) simulator.reset();
      else simulator.calls.length = 0;
      return Promise.resolve(counts);
    },
    facadeRssBytes: () => process.memoryUsage.rss(),
    // One process serves every path: its CPU time cannot be told apart.
    cpuMs: () => ({ server: Number.NaN, simulator: Number.NaN }),
    close: async () => {
      await host.close();
      await services.close();
      await relay.close();
      await simulator.close();
    },
  };
}

export function startTopology(kind: TopologyKind): Promise<Topology> {
  return kind === 'separate' ? startSeparate() : startInProcess();
}
