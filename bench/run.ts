/**
 * `npm run bench`: throughput, latency, upstream call counts and cold start of the facade, next to the
 * simulator called directly and a minimal relay, in one run of a few minutes. `npm run bench -- --long` adds
 * 100,000 facade requests and the facade's RSS along the way.
 *
 * Options: --long, --in-process, --connections N (16), --duration S (4), --warmup S (1), --rounds N (3),
 * --latency-connections N (1, for the round-trip runs), --add-member-relay read-then-patch|patch-only,
 * --cold-runs N (5), --scenarios a,b (all; `async` is the asynchronous mode's acceptance and latency, `events` the
 * events hub's acknowledgement and fan-out), --out NAME (latest-node<major>). `--scenarios async` or `events` alone
 * runs only that, into bench/results/async-* or events-*.
 */
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, loadavg, platform, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  bundlePath,
  medianOf,
  timeHostStart,
  timeImport,
  tscEntryPath,
  type HostTiming,
  type ImportTiming,
} from './cold-start';
import { benchAsync, renderAsyncMarkdown } from './async';
import { benchEvents, renderEventsMarkdown } from './events';
import { countCredentialCalls } from './credential-calls';
import { scenarios, type ScenarioName } from './fixtures';
import type { LoadResult, PathName } from './load';
import {
  evaluateTargets,
  renderMarkdown,
  type BenchResults,
  type LongRun,
  type MemorySample,
  type ScenarioResult,
  type UpstreamCount,
} from './report';
import { startTopology, type Topology, type TopologyKind } from './topology';

const { values: args } = parseArgs({
  options: {
    long: { type: 'boolean', default: false },
    'in-process': { type: 'boolean', default: false },
    connections: { type: 'string', default: '16' },
    duration: { type: 'string', default: '4' },
    warmup: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '3' },
    'latency-connections': { type: 'string', default: '1' },
    'add-member-relay': { type: 'string', default: 'read-then-patch' },
    'cold-runs': { type: 'string', default: '5' },
    // Named after the runtime, so a Node 22 run (the default, as Azure runs it) and a Node 20 run sit side by side.
    out: { type: 'string', default: `latest-node${process.versions.node.split('.')[0] ?? ''}` },
    scenarios: {
      type: 'string',
      default: [...scenarios.map((scenario) => scenario.name), 'async', 'events'].join(','),
    },
  },
});

const topologyKind: TopologyKind = args['in-process'] ? 'in-process' : 'separate';
const settings = {
  topology: topologyKind,
  connections: Number(args.connections),
  warmupSeconds: Number(args.warmup),
  durationSeconds: Number(args.duration),
  rounds: Number(args.rounds),
  latencyConnections: Number(args['latency-connections']),
  addMemberRelay: args['add-member-relay'] === 'patch-only' ? 'patch-only' : 'read-then-patch',
} as const;
const coldRuns = Number(args['cold-runs']);
const selected = scenarios.filter((scenario) => args.scenarios.split(',').includes(scenario.name));
const resultsDir = join(__dirname, '..', '..', 'bench', 'results');
const LONG_RUN_REQUESTS = 100_000;
const LONG_RUN_CHUNK = 10_000;

const say = (line: string) => process.stderr.write(`${line}\n`);
const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

/** Distinct request sequences per run, so each run meets fresh members and spreads over the referrals. */
let sequence = 0;
function nextSequence(): number {
  sequence += 1_000_000;
  return sequence;
}

async function measureScenario(
  topology: Topology,
  name: ScenarioName,
  title: string,
): Promise<ScenarioResult> {
  const rounds: LoadResult[] = [];
  const relayReadsFirst = settings.addMemberRelay === 'read-then-patch';
  for (let round = 0; round < settings.rounds; round++) {
    // Alternating the order cancels drift in the machine's background load between paths.
    const order: PathName[] =
      round % 2 === 0 ? ['simulator', 'relay', 'facade'] : ['facade', 'relay', 'simulator'];
    for (const path of order) {
      const common = { path, scenario: name, connections: settings.connections, relayReadsFirst };
      await topology.drainCalls(true);
      await topology.load({
        ...common,
        durationSeconds: settings.warmupSeconds,
        firstSequence: nextSequence(),
      });
      await topology.drainCalls(true);
      const cpuBefore = topology.cpuMs(path);
      const run = await topology.load({
        ...common,
        durationSeconds: settings.durationSeconds,
        firstSequence: nextSequence(),
      });
      const cpuAfter = topology.cpuMs(path);
      const perRequest = (ms: number) => Math.round((ms * 1000) / run.requests);
      const result: LoadResult = {
        ...run,
        serverCpuMicrosPerRequest: perRequest(cpuAfter.server - cpuBefore.server),
        simulatorCpuMicrosPerRequest: perRequest(cpuAfter.simulator - cpuBefore.simulator),
      };
      say(
        `  ${name} ${path.padEnd(9)} ${String(result.requestsPerSecond).padStart(6)} req/s  p50 ${result.p50Ms.toFixed(2)}  p99 ${result.p99Ms.toFixed(2)} ms  cpu ${String(result.serverCpuMicrosPerRequest)} µs/req  unexpected ${String(result.unexpected)}`,
      );
      rounds.push(result);
    }
  }
  const bestOf = (path: PathName): LoadResult => {
    const runs = rounds.filter((run) => run.path === path);
    return runs.reduce((best, run) => (run.requestsPerSecond > best.requestsPerSecond ? run : best));
  };
  /*
   * At saturation latency is mostly queueing behind the slowest process. One connection shows the round trip
   * itself. (autocannon's fixed rates send each second's budget in a burst, so they measure bursts instead.)
   */
  const roundTrip: Partial<Record<PathName, LoadResult>> = {};
  for (const path of ['simulator', 'relay', 'facade'] as const) {
    await topology.drainCalls(true);
    const run = await topology.load({
      path,
      scenario: name,
      connections: settings.latencyConnections,
      relayReadsFirst,
      durationSeconds: settings.durationSeconds,
      firstSequence: nextSequence(),
    });
    say(
      `  ${name} ${path.padEnd(9)} ${String(settings.latencyConnections)} connection(s): ${String(run.requestsPerSecond)} req/s  p50 ${run.p50Ms.toFixed(2)}  p99 ${run.p99Ms.toFixed(2)} ms  unexpected ${String(run.unexpected)}`,
    );
    roundTrip[path] = run;
  }
  const { simulator, relay, facade } = roundTrip;
  if (!simulator || !relay || !facade) throw new Error('a round-trip run is missing');
  return {
    scenario: name,
    title,
    best: { simulator: bestOf('simulator'), relay: bestOf('relay'), facade: bestOf('facade') },
    roundTrip: { simulator, relay, facade },
    rounds,
  };
}

/** The local host's own cost per request, without the facade's work (see `localHostFloor`). */
async function measureFloor(topology: Topology): Promise<LoadResult> {
  const common = { path: 'facade', scenario: 'local-host-floor', connections: settings.connections } as const;
  await topology.load({ ...common, durationSeconds: settings.warmupSeconds });
  const cpuBefore = topology.cpuMs('facade');
  const run = await topology.load({ ...common, durationSeconds: settings.durationSeconds });
  const cpuAfter = topology.cpuMs('facade');
  const result = {
    ...run,
    serverCpuMicrosPerRequest: Math.round(((cpuAfter.server - cpuBefore.server) * 1000) / run.requests),
  };
  say(
    `  local host floor ${String(result.requestsPerSecond)} req/s  p50 ${result.p50Ms.toFixed(2)}  p99 ${result.p99Ms.toFixed(2)} ms  cpu ${String(result.serverCpuMicrosPerRequest)} µs/req`,
  );
  return result;
}

async function countUpstreamCalls(topology: Topology, name: ScenarioName): Promise<UpstreamCount> {
  const facadeRequests = 1_000;
  await topology.drainCalls(true);
  const result = await topology.load({
    path: 'facade',
    scenario: name,
    connections: settings.connections,
    amount: facadeRequests,
    firstSequence: nextSequence(),
  });
  const counts = await topology.drainCalls(true);
  const perThousand: Record<string, number> = {};
  for (const [method, n] of Object.entries(counts))
    perThousand[method] = Math.round((n * 1000) / result.requests);
  return {
    scenario: name,
    facadeRequests: result.requests,
    unexpectedAnswers: result.unexpected,
    perThousand,
  };
}

/**
 * 100,000 requests (the four scenarios in turn) against a fresh local host started with `--trace-gc`: its RSS
 * after every 10,000, and the heap left after each full (mark-compact) collection. RSS alone rises and falls with
 * the collector's cycles; what a full collection leaves is the figure a leak would raise.
 */
async function longRun(topology: Topology): Promise<LongRun> {
  const gcLogPath = join(tmpdir(), `referrals-facade-bench-gc-${String(process.pid)}.log`);
  const host = await topology.startFacade(['--trace-gc'], gcLogPath);
  const memory: MemorySample[] = [{ afterRequests: 0, rssMiB: mib(host.rssBytes()) }];
  const mix: ScenarioName[] = ['close-won', 'update-details', 'add-member', 'validation-failure'];
  let total = 0;
  try {
    for (let chunk = 0; chunk < LONG_RUN_REQUESTS / LONG_RUN_CHUNK; chunk++) {
      const scenario = mix[chunk % mix.length] ?? 'close-won';
      await topology.drainCalls(true);
      const result = await topology.load({
        path: 'facade',
        url: host.url,
        scenario,
        connections: settings.connections,
        amount: LONG_RUN_CHUNK,
        firstSequence: nextSequence(),
      });
      total += result.requests;
      memory.push({ afterRequests: total, rssMiB: mib(host.rssBytes()) });
      say(`  long run: ${String(total)} requests, facade RSS ${String(memory.at(-1)?.rssMiB)} MiB`);
    }
  } finally {
    await host.close();
  }
  const heapAfterFullGcMiB = heapsAfterFullCollections(await readFile(gcLogPath, 'utf8'));
  await rm(gcLogPath, { force: true });
  return { memory, heapAfterFullGcMiB };
}

/** From `--trace-gc` lines such as `Mark-Compact 43.2 (75.6) -> 16.1 (72.3) MB, ...`: the heap after each. */
function heapsAfterFullCollections(log: string): number[] {
  const after = /Mark-Compact[^\n]*? [\d.]+ \([\d.]+\) -> ([\d.]+) \([\d.]+\) MB/g;
  return [...log.matchAll(after)].map((match) => Number(match[1]));
}

async function coldStart(topology: Topology) {
  const bundle: ImportTiming[] = [];
  const tsc: ImportTiming[] = [];
  const host: HostTiming[] = [];
  for (let run = 0; run < coldRuns; run++) {
    bundle.push(await timeImport(bundlePath));
    tsc.push(await timeImport(tscEntryPath));
    host.push(await timeHostStart(topology.urls.simulator, topology.accessToken, run));
  }
  const failed = host.find((timing) => timing.firstAnswerStatus !== 204);
  if (failed)
    throw new Error(`the local host's first close-won answered ${String(failed.firstAnswerStatus)}`);
  return {
    bundleBytes: (await stat(bundlePath)).size,
    bundleImport: medianOf(bundle, ['importMs', 'sinceProcessStartMs']),
    tscOutputImport: medianOf(tsc, ['importMs', 'sinceProcessStartMs']),
    localHost: medianOf(host, ['listeningMs', 'firstAnswerMs']),
    runs: coldRuns,
  };
}

const wantsAsync = args.scenarios.split(',').includes('async');
const wantsEvents = args.scenarios.split(',').includes('events');

/** The events hub, in its own results file: its topology (Azurite, the simulator's signing) is its own. */
async function runEventsBench(): Promise<void> {
  say('scenario events');
  const result = await benchEvents({
    connections: settings.connections,
    durationSeconds: settings.durationSeconds * 2,
    say,
  });
  await mkdir(resultsDir, { recursive: true });
  const name = `events-${args.out}`;
  await writeFile(join(resultsDir, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(join(resultsDir, `${name}.md`), renderEventsMarkdown(result));
  say(`results: bench/results/${name}.json and .md`);
}

/** The asynchronous mode, in its own results file: its topology (Azurite, a queue consumer) is its own. */
async function runAsyncBench(): Promise<void> {
  say('scenario async');
  const result = await benchAsync({
    connections: settings.connections,
    durationSeconds: settings.durationSeconds * 2,
    say,
  });
  await mkdir(resultsDir, { recursive: true });
  const name = `async-${args.out}`;
  await writeFile(join(resultsDir, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(join(resultsDir, `${name}.md`), renderAsyncMarkdown(result));
  say(`results: bench/results/${name}.json and .md`);
}

async function main(): Promise<void> {
  if (selected.length === 0 && (wantsAsync || wantsEvents)) {
    if (wantsAsync) await runAsyncBench();
    if (wantsEvents) await runEventsBench();
    return;
  }
  const startedAt = new Date().toISOString();
  const loadAverageAtStart = loadavg();
  say(`topology: ${settings.topology}, ${String(settings.connections)} connections`);
  const topology = await startTopology(settings.topology);
  try {
    say('cold start');
    const cold = await coldStart(topology);
    const measured: ScenarioResult[] = [];
    for (const scenario of selected) {
      say(`scenario ${scenario.name}`);
      measured.push(await measureScenario(topology, scenario.name, scenario.title));
    }
    say('local host floor');
    const localHostFloor = await measureFloor(topology);
    say('upstream calls per 1,000 facade requests');
    const upstreamCalls: UpstreamCount[] = [];
    for (const scenario of selected) upstreamCalls.push(await countUpstreamCalls(topology, scenario.name));
    say('credential calls in Key Vault mode');
    const credentialCalls = await countCredentialCalls(settings.connections);
    let long: LongRun | undefined;
    if (args.long) {
      say('long run');
      long = await longRun(topology);
    }
    const cpu = cpus();
    const partial: Omit<BenchResults, 'targets'> = {
      startedAt,
      machine: {
        cpu: cpu[0]?.model ?? 'unknown',
        cores: cpu.length,
        node: process.version,
        platform: `${platform()} ${process.arch}`,
        loadAverageAtStart,
        loadAverageAtEnd: loadavg(),
      },
      settings,
      scenarios: measured,
      localHostFloor,
      upstreamCalls,
      credentialCalls,
      coldStart: cold,
      memory: long?.memory ?? [],
      heapAfterFullGcMiB: long?.heapAfterFullGcMiB ?? [],
    };
    const results: BenchResults = { ...partial, targets: evaluateTargets(partial) };
    const markdown = renderMarkdown(results);
    await mkdir(resultsDir, { recursive: true });
    await writeFile(join(resultsDir, `${args.out}.json`), `${JSON.stringify(results, null, 2)}\n`);
    await writeFile(join(resultsDir, `${args.out}.md`), markdown);
    process.stdout.write(`${markdown}\n`);
    say(`results: bench/results/${args.out}.json and .md`);
    if (wantsAsync) await runAsyncBench();
    if (wantsEvents) await runEventsBench();
  } finally {
    await topology.close();
  }
}

main().catch((error: unknown) => {
  say(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
