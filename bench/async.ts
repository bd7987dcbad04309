/**
 * The asynchronous mode's figures: acceptance (validate, store in the table, enqueue, answer 202) under 16
 * connections, and the time from a 202 to the upstream PATCH when Partner Center is healthy. Everything runs
 * for real on loopback: Azurite as a child process, the simulator, the local host with its queue consumer
 * following host.json (its 2 s longest polling interval included).
 */
import { randomUUID } from 'node:crypto';
import { createHistogram } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { createQueueHandler } from '../functions/queue-handler';
import { startQueueConsumer } from '../dev/host/queue-consumer';
import { startLocalHost } from '../dev/host/server';
import { seededIds } from '../dev/simulator/seed';
import { startStorageTopology, STORAGE_BENCH_REFERRALS as REFERRALS } from './storage-topology';
import { createServices } from '../shared/app/services';
import { loadConfig, loadDurableSettings } from '../shared/config';
import { storageNamesFor } from '../shared/durable/names';

export interface AsyncBenchResult {
  readonly acceptance: {
    readonly connections: number;
    readonly seconds: number;
    readonly requests: number;
    readonly requestsPerSecond: number;
    readonly p50Ms: number;
    readonly p99Ms: number;
    readonly maxMs: number;
    readonly unexpected: number;
    readonly referrals: number;
  };
  readonly toUpstream: {
    readonly operations: number;
    readonly spacingMs: number;
    readonly p50Ms: number;
    readonly p90Ms: number;
    readonly p99Ms: number;
    readonly maxMs: number;
  };
}

const ms = (micros: number) => Math.round(micros) / 1000;

export async function benchAsync(options: {
  readonly connections: number;
  readonly durationSeconds: number;
  readonly say: (line: string) => void;
}): Promise<AsyncBenchResult> {
  const topology = await startStorageTopology('be0c0000');
  const { simulator, referrals: seeded, env } = topology;
  const open = (prefix: string) =>
    createServices(loadConfig(env), {
      durable: () => loadDurableSettings(env),
      durableOptions: { names: storageNamesFor(prefix) },
    });
  try {
    // 1. Acceptance alone: no consumer, so the figures are the 202's cost only.
    const accepting = open('benchaccept');
    const host = await startLocalHost({ services: () => accepting, log: () => undefined });
    await (await accepting.operations().backend()).clients.queue.getProperties();
    let sequence = 0;
    const latencies = createHistogram({ lowest: 1, highest: 60_000_000, figures: 3 });
    let unexpected = 0;
    const run = async (durationSeconds: number) =>
      new Promise<autocannon.Result>((resolve, reject) => {
        const instance = autocannon(
          {
            url: host.url,
            connections: options.connections,
            duration: durationSeconds,
            requests: [
              {
                setupRequest: (request) => {
                  const id = seeded[sequence++ % REFERRALS]?.id ?? seededIds.active;
                  request.method = 'POST';
                  request.path = `/api/referrals/${id}/update-details`;
                  request.headers = { 'content-type': 'application/json', prefer: 'respond-async' };
                  request.body = JSON.stringify({ notes: `bench ${String(sequence)}` });
                  return request;
                },
              },
            ],
          },
          (error, result) => {
            if (error) reject(error instanceof Error ? error : new Error('autocannon failed'));
            else resolve(result);
          },
        );
        instance.on('response', (_client, statusCode, _bytes, responseTime) => {
          if (statusCode !== 202) unexpected++;
          latencies.record(Math.max(1, Math.round(responseTime * 1000)));
        });
      });
    await run(1);
    latencies.reset();
    unexpected = 0;
    const measured = await run(options.durationSeconds);
    const acceptance = {
      connections: options.connections,
      seconds: measured.duration,
      requests: latencies.count,
      requestsPerSecond: Math.round(latencies.count / measured.duration),
      p50Ms: ms(latencies.percentile(50)),
      p99Ms: ms(latencies.percentile(99)),
      maxMs: ms(latencies.max),
      unexpected: unexpected + measured.errors + measured.timeouts,
      referrals: REFERRALS,
    };
    options.say(
      `  async acceptance ${String(acceptance.requestsPerSecond)} req/s  p50 ${acceptance.p50Ms.toFixed(2)}  p99 ${acceptance.p99Ms.toFixed(2)} ms  unexpected ${String(acceptance.unexpected)}`,
    );
    await host.close();
    await accepting.close();

    // 2. From the 202 to Partner Center's PATCH, one operation at a time, with the worker running.
    const working = open('benchwork');
    const workingHost = await startLocalHost({ services: () => working, log: () => undefined });
    const consumer = startQueueConsumer({
      queues: async () => (await working.operations().backend()).clients,
      handler: createQueueHandler(() => working),
      log: { info: () => undefined, error: () => undefined },
    });
    const arrived = new Map<string, number>();
    simulator.injectFaults((target) => {
      const correlationId = target.headers['ms-correlationid'];
      if (target.method === 'PATCH' && correlationId) arrived.set(correlationId, performance.now());
      return undefined;
    });
    const OPERATIONS = 40;
    const SPACING_MS = 250;
    const delays = createHistogram({ lowest: 1, highest: 60_000_000, figures: 3 });
    for (let index = 0; index < OPERATIONS; index += 1) {
      const correlationId = randomUUID();
      const id = seeded[index % REFERRALS]?.id ?? seededIds.active;
      const response = await fetch(`${workingHost.url}/api/referrals/${id}/update-details`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          prefer: 'respond-async',
          'ms-correlationid': correlationId,
        },
        body: JSON.stringify({ notes: `latency ${String(index)}` }),
      });
      const acceptedAt = performance.now();
      await response.text();
      const deadline = Date.now() + 30_000;
      while (!arrived.has(correlationId) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      const at = arrived.get(correlationId);
      if (at !== undefined) delays.record(Math.max(1, Math.round((at - acceptedAt) * 1000)));
      await new Promise((resolve) => setTimeout(resolve, SPACING_MS));
    }
    simulator.clearFaults();
    const toUpstream = {
      operations: delays.count,
      spacingMs: SPACING_MS,
      p50Ms: ms(delays.percentile(50)),
      p90Ms: ms(delays.percentile(90)),
      p99Ms: ms(delays.percentile(99)),
      maxMs: ms(delays.max),
    };
    options.say(
      `  202 → upstream PATCH (${String(toUpstream.operations)} operations, one every ${String(SPACING_MS)} ms): p50 ${toUpstream.p50Ms.toFixed(1)}  p90 ${toUpstream.p90Ms.toFixed(1)}  p99 ${toUpstream.p99Ms.toFixed(1)}  max ${toUpstream.maxMs.toFixed(1)} ms`,
    );
    await workingHost.close();
    await consumer.stop();
    await working.close();
    return { acceptance, toUpstream };
  } finally {
    await topology.close();
  }
}

export function renderAsyncMarkdown(result: AsyncBenchResult): string {
  const { acceptance, toUpstream } = result;
  return [
    '# Asynchronous mode',
    '',
    `Acceptance (\`Prefer: respond-async\` update-details over ${String(acceptance.referrals)} referrals, ${String(acceptance.connections)} connections, ${String(acceptance.seconds)} s, Azurite on loopback): **${String(acceptance.requestsPerSecond)} req/s, p50 ${acceptance.p50Ms.toFixed(2)} ms, p99 ${acceptance.p99Ms.toFixed(2)} ms** (goal: p99 under 50 ms), max ${acceptance.maxMs.toFixed(2)} ms, unexpected answers ${String(acceptance.unexpected)}.`,
    '',
    `From the 202 to Partner Center's PATCH, healthy upstream, one operation every ${String(toUpstream.spacingMs)} ms (${String(toUpstream.operations)} operations): p50 ${toUpstream.p50Ms.toFixed(1)} ms, p90 ${toUpstream.p90Ms.toFixed(1)} ms, p99 ${toUpstream.p99Ms.toFixed(1)} ms, max ${toUpstream.maxMs.toFixed(1)} ms. The queue consumer polls an idle queue from 100 ms up to host.json's \`maxPollingInterval\` (2 s), as the Functions host does, so the wait is mostly polling.`,
    '',
  ].join('\n');
}
