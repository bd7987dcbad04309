/** The benchmark's results as one JSON document and as the markdown tables printed and committed with it. */
import type { CredentialCalls } from './credential-calls';
import type { ScenarioName } from './fixtures';
import type { LoadResult, PathName } from './load';
import type { HostTiming, ImportTiming } from './cold-start';

export interface ScenarioResult {
  readonly scenario: ScenarioName;
  readonly title: string;
  /** The best round per path (highest throughput): the least disturbed by other work on the machine. */
  readonly best: Record<PathName, LoadResult>;
  /** One run per path with `settings.latencyConnections` connections: the round trip without queueing. */
  readonly roundTrip: Record<PathName, LoadResult>;
  readonly rounds: readonly LoadResult[];
}

export interface UpstreamCount {
  readonly scenario: ScenarioName;
  readonly facadeRequests: number;
  readonly unexpectedAnswers: number;
  /** Upstream calls by method, scaled to 1,000 facade requests. */
  readonly perThousand: Record<string, number>;
}

export interface MemorySample {
  readonly afterRequests: number;
  readonly rssMiB: number;
}

/** `--long`: a fresh local host, 100,000 requests. */
export interface LongRun {
  readonly memory: readonly MemorySample[];
  /** The heap left by each full (mark-compact) collection, in order, as `--trace-gc` prints it (MB). */
  readonly heapAfterFullGcMiB: readonly number[];
}

export interface BenchResults {
  readonly startedAt: string;
  readonly machine: {
    readonly cpu: string;
    readonly cores: number;
    readonly node: string;
    readonly platform: string;
    readonly loadAverageAtStart: readonly number[];
    readonly loadAverageAtEnd: readonly number[];
  };
  readonly settings: {
    readonly topology: string;
    readonly connections: number;
    readonly warmupSeconds: number;
    readonly durationSeconds: number;
    readonly rounds: number;
    readonly latencyConnections: number;
    /** Whether the minimal relay also made add-member's read (the facade's GET), or only forwarded the PATCH. */
    readonly addMemberRelay: 'read-then-patch' | 'patch-only';
  };
  readonly scenarios: readonly ScenarioResult[];
  /** GET /api/health through the local host: the programming model's own cost per request. */
  readonly localHostFloor: LoadResult;
  readonly upstreamCalls: readonly UpstreamCount[];
  /** Key Vault mode against the local Key Vault and Entra ID fakes. */
  readonly credentialCalls: CredentialCalls;
  readonly coldStart: {
    readonly bundleBytes: number;
    readonly bundleImport: ImportTiming;
    readonly tscOutputImport: ImportTiming;
    readonly localHost: HostTiming;
    readonly runs: number;
  };
  /** The long run's RSS samples (empty without `--long`). */
  readonly memory: readonly MemorySample[];
  readonly heapAfterFullGcMiB: readonly number[];
  readonly targets: readonly Target[];
}

export interface Target {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
}

const fixed = (value: number, digits = 2) => value.toFixed(digits);
const cpu = (micros: number | undefined) =>
  micros === undefined || Number.isNaN(micros) ? 'n/a' : String(micros);
const pathLabel = (path: PathName) =>
  path === 'relay' ? 'minimal relay' : path === 'simulator' ? 'simulator direct' : 'facade';
const percent = (ratio: number) => `${(ratio * 100).toFixed(0)}%`;

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Facade versus relay and simulator for one scenario. */
export function ratios(result: ScenarioResult) {
  const { facade, relay, simulator } = result.best;
  return {
    throughputVsRelay: facade.requestsPerSecond / relay.requestsPerSecond,
    throughputVsSimulator: facade.requestsPerSecond / simulator.requestsPerSecond,
    p50AddedVsRelayMs: facade.p50Ms - relay.p50Ms,
    p99AddedVsRelayMs: facade.p99Ms - relay.p99Ms,
    p99AddedVsSimulatorMs: facade.p99Ms - simulator.p99Ms,
    p99AddedRoundTripMs: result.roundTrip.facade.p99Ms - result.roundTrip.relay.p99Ms,
    cpuVsRelay:
      (facade.serverCpuMicrosPerRequest ?? Number.NaN) / (relay.serverCpuMicrosPerRequest ?? Number.NaN),
  };
}

export function evaluateTargets(results: Omit<BenchResults, 'targets'>): Target[] {
  const targets: Target[] = [];
  const relayed = results.scenarios.filter((scenario) => scenario.scenario !== 'validation-failure');
  for (const scenario of relayed) {
    const ratio = ratios(scenario);
    targets.push(
      {
        target: `${scenario.scenario}: facade throughput ≥ 90% of the minimal relay's`,
        measured: percent(ratio.throughputVsRelay),
        met: ratio.throughputVsRelay >= 0.9,
      },
      {
        target: `${scenario.scenario}: p99 added over the minimal relay < 2 ms (saturated)`,
        measured: `${fixed(ratio.p99AddedVsRelayMs)} ms`,
        met: ratio.p99AddedVsRelayMs < 2,
      },
      {
        target: `${scenario.scenario}: p99 added over the minimal relay < 2 ms (${String(results.settings.latencyConnections)} connection)`,
        measured: `${fixed(ratio.p99AddedRoundTripMs)} ms`,
        met: ratio.p99AddedRoundTripMs < 2,
      },
    );
  }
  const validation = results.scenarios.find((scenario) => scenario.scenario === 'validation-failure');
  if (validation) {
    const facade = validation.roundTrip.facade;
    const relay = validation.roundTrip.relay;
    targets.push(
      {
        target: `validation failure: round trip (${String(results.settings.latencyConnections)} connection) at least as fast as the minimal relay's, p50 and p99`,
        measured: `p50 ${fixed(facade.p50Ms)} vs ${fixed(relay.p50Ms)} ms, p99 ${fixed(facade.p99Ms)} vs ${fixed(relay.p99Ms)} ms`,
        met: facade.p50Ms <= relay.p50Ms && facade.p99Ms <= relay.p99Ms,
      },
      {
        target: `validation failure: throughput (${String(results.settings.connections)} connections) at least the minimal relay's`,
        measured: `${String(validation.best.facade.requestsPerSecond)} vs ${String(validation.best.relay.requestsPerSecond)} req/s`,
        met: validation.best.facade.requestsPerSecond >= validation.best.relay.requestsPerSecond,
      },
    );
  }
  for (const count of results.upstreamCalls) {
    const patches = count.perThousand['PATCH'] ?? 0;
    const others = Object.entries(count.perThousand).filter(([method]) => method !== 'PATCH');
    const writesNothing = count.scenario === 'validation-failure' || count.scenario === 'sync-unchanged';
    const expectedPatches = writesNothing ? 0 : 1000;
    // A sync with nothing to change costs exactly one read.
    const expectedGets = count.scenario === 'sync-unchanged' ? 1000 : undefined;
    const gets = count.perThousand['GET'] ?? 0;
    targets.push({
      target: `${count.scenario}: ${String(expectedPatches)} PATCHes${expectedGets === undefined ? '' : ` and ${String(expectedGets)} GETs`} per 1,000 facade requests`,
      measured: [`${String(patches)} PATCH`, ...others.map(([method, n]) => `${String(n)} ${method}`)].join(
        ', ',
      ),
      met:
        patches === expectedPatches &&
        (expectedGets === undefined || gets === expectedGets) &&
        count.unexpectedAnswers === 0,
    });
  }
  const credentials = results.credentialCalls;
  const reads = Object.values(credentials.keyVaultReads);
  targets.push(
    {
      target: `Key Vault mode: at most one token exchange per access-token lifetime (${String(credentials.accessTokenLifetimeSeconds)} s) over ${String(credentials.facadeRequests)} requests`,
      measured: `${String(credentials.tokenExchanges)} exchange(s), ${String(credentials.unexpectedAnswers)} unexpected answers`,
      met:
        credentials.tokenExchanges <= 1 &&
        credentials.unexpectedAnswers === 0 &&
        credentials.facadeRequests > 0,
    },
    {
      target: 'Key Vault mode: at most one read of each secret per cache lifetime',
      measured: `${String(reads.reduce((sum, n) => sum + n, 0))} reads of ${String(reads.length)} secrets (most of one: ${String(Math.max(0, ...reads))})`,
      met: reads.length > 0 && reads.every((n) => n <= 1),
    },
    {
      target: 'Key Vault mode: no secret or token in any log line',
      measured: `${String(credentials.leakedValues)} found`,
      met: credentials.leakedValues === 0,
    },
  );
  targets.push({
    target: 'production bundle imports in < 150 ms',
    measured: `${fixed(results.coldStart.bundleImport.importMs, 1)} ms`,
    met: results.coldStart.bundleImport.importMs < 150,
  });
  const [first] = results.memory;
  const last = results.memory.at(-1);
  const heaps = results.heapAfterFullGcMiB;
  const lastHeap = heaps.at(-1);
  if (first && last && last.afterRequests >= 100_000 && lastHeap !== undefined && heaps.length >= 2) {
    const median = [...heaps].sort((a, b) => a - b)[Math.floor(heaps.length / 2)] ?? lastHeap;
    targets.push({
      target:
        'memory flat over 100k requests (the heap the last full collection leaves is within 10% of the median of all of them; RSS alone rises and falls with each collection)',
      measured: `heap after ${String(heaps.length)} full collections ${fixed(Math.min(...heaps), 1)} to ${fixed(Math.max(...heaps), 1)} MB, last ${fixed(lastHeap, 1)}, median ${fixed(median, 1)}; RSS ${fixed(first.rssMiB, 1)} MiB at start, ${fixed(last.rssMiB, 1)} MiB after ${String(last.afterRequests)}`,
      met: lastHeap <= median * 1.1,
    });
  }
  return targets;
}

/** The cells both run tables start with: scenario, path, throughput and latency percentiles. */
function latencyCells(scenario: ScenarioName, path: PathName, run: LoadResult): string[] {
  return [
    scenario,
    pathLabel(path),
    String(run.requestsPerSecond),
    fixed(run.p50Ms),
    fixed(run.p90Ms),
    fixed(run.p99Ms),
  ];
}

export function renderMarkdown(results: BenchResults): string {
  const { machine, settings } = results;
  const parts: string[] = [
    `# Benchmark results (${results.startedAt})`,
    '',
    `Machine: ${machine.cpu}, ${String(machine.cores)} cores, Node ${machine.node} (${machine.platform}); load average ${machine.loadAverageAtStart.map((n) => fixed(n)).join(' ')} at start, ${machine.loadAverageAtEnd.map((n) => fixed(n)).join(' ')} at end.`,
    `Settings: ${settings.topology} processes, ${String(settings.connections)} connections, ${String(settings.warmupSeconds)} s warm-up + ${String(settings.durationSeconds)} s per run, best of ${String(settings.rounds)} rounds per path (the round with the highest throughput), then one run per path with ${String(settings.latencyConnections)} connection for the round trip. Latencies are client-side (autocannon), in ms. ${settings.addMemberRelay === 'read-then-patch' ? "For add-member the minimal relay GETs the referral before it forwards the PATCH: the same two upstream calls as the facade's idempotent add (read the team, append only if absent), so the comparison is of the facade's own cost, not of the read it needs." : 'For add-member the minimal relay forwards only the PATCH, while the facade also reads the referral first (--add-member-relay patch-only).'}`,
    '',
    '## Throughput and latency',
    '',
    table(
      [
        'scenario',
        'path',
        'req/s',
        'p50',
        'p90',
        'p99',
        'server CPU µs/req',
        'simulator CPU µs/req',
        'unexpected',
      ],
      results.scenarios.flatMap((scenario) =>
        (['simulator', 'relay', 'facade'] as const).map((path) => {
          const run = scenario.best[path];
          return [
            ...latencyCells(scenario.scenario, path, run),
            cpu(run.serverCpuMicrosPerRequest),
            cpu(run.simulatorCpuMicrosPerRequest),
            String(run.unexpected),
          ];
        }),
      ),
    ),
    '',
    `## Round trip with ${String(settings.latencyConnections)} connection (latency without queueing)`,
    '',
    table(
      ['scenario', 'path', 'req/s', 'p50', 'p90', 'p99', 'unexpected'],
      results.scenarios.flatMap((scenario) =>
        (['simulator', 'relay', 'facade'] as const).map((path) => {
          const run = scenario.roundTrip[path];
          return [...latencyCells(scenario.scenario, path, run), String(run.unexpected)];
        }),
      ),
    ),
    '',
    '## Facade ratios',
    '',
    table(
      [
        'scenario',
        'throughput vs relay',
        'throughput vs simulator',
        'p50 added vs relay',
        'p99 added vs relay',
        'p99 added vs simulator',
        `p99 added vs relay, ${String(settings.latencyConnections)} connection`,
        'CPU per request vs relay',
      ],
      results.scenarios.map((scenario) => {
        const ratio = ratios(scenario);
        return [
          scenario.scenario,
          percent(ratio.throughputVsRelay),
          percent(ratio.throughputVsSimulator),
          `${fixed(ratio.p50AddedVsRelayMs)} ms`,
          `${fixed(ratio.p99AddedVsRelayMs)} ms`,
          `${fixed(ratio.p99AddedVsSimulatorMs)} ms`,
          `${fixed(ratio.p99AddedRoundTripMs)} ms`,
          Number.isNaN(ratio.cpuVsRelay) ? 'n/a' : `${fixed(ratio.cpuVsRelay)}×`,
        ];
      }),
    ),
    '',
    '## Local host floor',
    '',
    'GET /api/health through the same local host: routing, the handler wrapper, the correlation id and the log line, with no body, no validation and no upstream call. What any handler costs here before the facade does anything.',
    '',
    table(
      ['path', 'req/s', 'p50', 'p99', 'server CPU µs/req'],
      [
        [
          'local host, GET /api/health',
          String(results.localHostFloor.requestsPerSecond),
          fixed(results.localHostFloor.p50Ms),
          fixed(results.localHostFloor.p99Ms),
          cpu(results.localHostFloor.serverCpuMicrosPerRequest),
        ],
      ],
    ),
    '',
    '## Upstream calls per 1,000 facade requests',
    '',
    table(
      ['scenario', 'facade requests', 'unexpected answers', 'upstream calls per 1,000'],
      results.upstreamCalls.map((count) => [
        count.scenario,
        String(count.facadeRequests),
        String(count.unexpectedAnswers),
        Object.entries(count.perThousand)
          .map(([method, n]) => `${String(n)} ${method}`)
          .join(', ') || 'none',
      ]),
    ),
    '',
    '## Credential calls in Key Vault mode',
    '',
    `${String(results.credentialCalls.facadeRequests)} close-won calls at ${String(results.settings.connections)} connections, in one process with the real SecretClient and msal-node against the local Key Vault and Entra ID fakes the credentials tests use, from a cold start (empty caches).`,
    '',
    table(
      [
        'facade requests',
        'unexpected answers',
        'token exchanges',
        'Key Vault reads',
        'Key Vault writes',
        'secrets or tokens in log lines',
      ],
      [
        [
          String(results.credentialCalls.facadeRequests),
          String(results.credentialCalls.unexpectedAnswers),
          String(results.credentialCalls.tokenExchanges),
          Object.entries(results.credentialCalls.keyVaultReads)
            .map(([name, n]) => `${name} ×${String(n)}`)
            .join(', '),
          String(results.credentialCalls.keyVaultWrites),
          String(results.credentialCalls.leakedValues),
        ],
      ],
    ),
    '',
    `## Cold start (median of ${String(results.coldStart.runs)} fresh processes)`,
    '',
    table(
      ['measure', 'ms'],
      [
        [
          `import the production bundle (${fixed(results.coldStart.bundleBytes / 1024, 0)} KiB)`,
          fixed(results.coldStart.bundleImport.importMs, 1),
        ],
        ['process start to bundle imported', fixed(results.coldStart.bundleImport.sinceProcessStartMs, 1)],
        ['import the tsc output (node_modules)', fixed(results.coldStart.tscOutputImport.importMs, 1)],
        ['local host: spawn to listening', fixed(results.coldStart.localHost.listeningMs, 1)],
        [
          'local host: spawn to first close-won answered',
          fixed(results.coldStart.localHost.firstAnswerMs, 1),
        ],
      ],
    ),
    '',
  ];
  if (results.memory.length > 0) {
    parts.push(
      '## Facade memory (a fresh local host, 100,000 requests)',
      '',
      'A local host started for this run with `--trace-gc`, the four scenarios in turn, 10,000 requests each.',
      '',
      table(
        ['after requests', 'RSS MiB'],
        results.memory.map((sample) => [String(sample.afterRequests), fixed(sample.rssMiB, 1)]),
      ),
      '',
      `Heap left by each full (mark-compact) collection, in order (MB): ${results.heapAfterFullGcMiB.map((heap) => fixed(heap, 1)).join(', ') || 'none'}.`,
      '',
    );
  }
  parts.push(
    '## Targets',
    '',
    table(
      ['target', 'measured', 'met'],
      results.targets.map((target) => [target.target, target.measured, target.met ? 'yes' : '**no**']),
    ),
    '',
  );
  return parts.join('\n');
}
