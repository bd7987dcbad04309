/**
 * One load run with autocannon against one path. Latencies are recorded at microsecond resolution from
 * autocannon's per-response timings (its own histogram keeps whole milliseconds, too coarse for a 2 ms budget).
 */
import { createHistogram } from 'node:perf_hooks';
import autocannon from 'autocannon';
import {
  localHostFloor,
  RELAY_READ_FIRST_HEADER,
  scenarios,
  type BenchRequest,
  type ScenarioName,
} from './fixtures';

export type PathName = 'simulator' | 'relay' | 'facade';

export interface LoadSpec {
  readonly path: PathName;
  readonly url: string;
  readonly scenario: ScenarioName;
  readonly accessToken: string;
  readonly connections: number;
  /** Either a duration or an exact number of requests. */
  readonly durationSeconds?: number;
  readonly amount?: number;
  /** Offsets the request sequence, so consecutive runs spread over different referrals and members. */
  readonly firstSequence?: number;
  /** For a scenario that `readsFirst`: whether the relay makes the facade's read too (default) or only the write. */
  readonly relayReadsFirst?: boolean;
}

export interface LoadResult {
  readonly path: PathName;
  readonly scenario: ScenarioName;
  readonly connections: number;
  readonly requests: number;
  readonly seconds: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Answers with another status than the scenario expects, plus transport errors and timeouts. */
  readonly unexpected: number;
  /** CPU time per request of the process serving the path (the simulator's own for `simulator`). */
  readonly serverCpuMicrosPerRequest?: number;
  readonly simulatorCpuMicrosPerRequest?: number;
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const scenario = [...scenarios, localHostFloor].find((candidate) => candidate.name === spec.scenario);
  if (!scenario) throw new Error(`unknown scenario ${spec.scenario}`);
  const expected = spec.path === 'facade' ? scenario.facadeStatus : scenario.upstreamStatus;
  const relayReads = spec.path === 'relay' && scenario.readsFirst === true && spec.relayReadsFirst !== false;
  const build = (sequence: number): BenchRequest => {
    if (spec.path === 'facade') return scenario.facade(sequence);
    const upstream = scenario.upstream(sequence, spec.accessToken);
    return relayReads
      ? { ...upstream, headers: { ...upstream.headers, [RELAY_READ_FIRST_HEADER]: '1' } }
      : upstream;
  };
  let sequence = spec.firstSequence ?? 0;
  const latencies = createHistogram({ lowest: 1, highest: 60_000_000, figures: 3 });
  let unexpected = 0;
  let answered = 0;

  let finish: (error: unknown, result: autocannon.Result) => void = () => undefined;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    finish = (error, result) => {
      if (error) reject(error instanceof Error ? error : new Error('autocannon failed'));
      else resolve(result);
    };
  });
  const instance = autocannon(
    {
      url: spec.url,
      connections: spec.connections,
      pipelining: 1,
      timeout: 30,
      ...(spec.amount === undefined ? { duration: spec.durationSeconds ?? 5 } : { amount: spec.amount }),
      requests: [
        {
          setupRequest: (request) => {
            const next = build(sequence++);
            request.method = next.method;
            request.path = next.path;
            request.headers = next.headers;
            request.body = next.body;
            return request;
          },
        },
      ],
    },
    (error, result) => {
      finish(error, result);
    },
  );
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    answered++;
    if (statusCode !== expected) unexpected++;
    latencies.record(Math.max(1, Math.round(responseTime * 1000)));
  });
  const result = await done;
  const seconds = result.duration;
  const ms = (micros: number) => Math.round(micros) / 1000;
  return {
    path: spec.path,
    scenario: spec.scenario,
    connections: spec.connections,
    requests: answered,
    seconds,
    requestsPerSecond: Math.round(answered / seconds),
    p50Ms: ms(latencies.percentile(50)),
    p90Ms: ms(latencies.percentile(90)),
    p99Ms: ms(latencies.percentile(99)),
    maxMs: ms(latencies.max),
    unexpected: unexpected + result.errors + result.timeouts,
  };
}
