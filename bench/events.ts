/**
 * The events hub's figures, everything real on loopback: Azurite as a child process, the simulator signing with
 * its test CA, the local host, and the events queue consumed as host.json says.
 * 1. Acknowledgement: signed notifications posted to the receiver under N connections; each names a referral
 *    version not seen before (the simulator's referral is changed just before), so every one is verified, read,
 *    stored and fanned out: the full path, never the cheaper duplicate one.
 * 2. Fan-out: one event to 100 Standard Webhooks subscribers, the time until the last delivery arrived.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { createHistogram } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { createEventQueueHandler } from '../functions/event-queue-handler';
import { startQueueConsumer } from '../dev/host/queue-consumer';
import { startLocalHost } from '../dev/host/server';
import { closeServer, listen } from '../dev/node-http';
import { seededIds } from '../dev/simulator/seed';
import { startStorageTopology, STORAGE_BENCH_REFERRALS as REFERRALS } from './storage-topology';
import { createServices, environmentOptions } from '../shared/app/services';
import { loadConfig } from '../shared/config';
import { eventStorageNamesFor } from '../shared/events/names';
import { createSubscription } from '../shared/events/subscribers';

export interface EventsBenchResult {
  readonly acknowledgement: {
    readonly connections: number;
    readonly seconds: number;
    readonly events: number;
    readonly eventsPerSecond: number;
    readonly p50Ms: number;
    readonly p99Ms: number;
    readonly maxMs: number;
    readonly accepted: number;
    readonly unexpected: number;
  };
  readonly fanOut: {
    readonly subscribers: number;
    readonly rounds: number;
    /** From the receiver's 200 to the last of the subscribers' deliveries, per round. */
    readonly allDeliveredMs: readonly number[];
    readonly medianMs: number;
    readonly maxMs: number;
  };
}

const SUBSCRIBERS = 100;
const FAN_OUT_ROUNDS = 5;

const ms = (micros: number) => Math.round(micros) / 1000;
const median = (values: readonly number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

export async function benchEvents(options: {
  readonly connections: number;
  readonly durationSeconds: number;
  readonly say: (line: string) => void;
}): Promise<EventsBenchResult> {
  const topology = await startStorageTopology('ee0c0000');
  const { simulator, referrals: seeded } = topology;
  const env = {
    ...topology.env,
    EVENTS_TRUSTED_ROOTS: simulator.events.testCaPem,
    EVENTS_CERTIFICATE_HOSTS: new URL(simulator.url).hostname,
    EVENTS_ALLOW_HTTP_CERTIFICATE_URLS: 'true',
    EVENTS_ALLOW_PRIVATE_DESTINATIONS: 'true',
  };
  const open = (prefix: string) =>
    createServices(loadConfig(env), {
      ...environmentOptions(env),
      eventsOptions: { names: eventStorageNamesFor(prefix) },
    });
  try {
    // 1. Acknowledgement alone: nothing consumes the queue, so the figures are the receiver's cost only.
    const receiving = open(`benchack${randomBytes(3).toString('hex')}`);
    const host = await startLocalHost({ services: () => receiving, log: () => undefined });
    await (await receiving.events().backend()).clients.queue.getProperties();
    // Signed ahead, so the load generator's RSA signing does not compete with the receiver for the CPU.
    const bodies = Array.from({ length: 30_000 }, (_unused, index) => {
      const referral = seeded[index % REFERRALS];
      const body = JSON.stringify({
        EventName: 'referral-updated',
        ResourceUri: `https://api.partnercenter.microsoft.com/engagements/v1/referrals/${referral?.id ?? ''}`,
        ResourceName: 'referral',
        AuditUri: null,
        ResourceChangeUtcDate: new Date(Date.UTC(2026, 0, 1) + index).toISOString(),
      });
      return { referralId: referral?.id ?? '', body, headers: simulator.events.sign(body).headers };
    });
    let sequence = 0;
    let accepted = 0;
    let unexpected = 0;
    const latencies = createHistogram({ lowest: 1, highest: 60_000_000, figures: 3 });
    const run = (durationSeconds: number) =>
      new Promise<autocannon.Result>((resolve, reject) => {
        const instance = autocannon(
          {
            url: host.url,
            connections: options.connections,
            duration: durationSeconds,
            requests: [
              {
                setupRequest: (request) => {
                  const signed = bodies[sequence++ % bodies.length];
                  if (!signed) return request;
                  // A new version of the referral for every event: the full path, never a duplicate.
                  simulator.modify(signed.referralId, (referral) => {
                    referral['details'] = { ...(referral['details'] as object), notes: String(sequence) };
                  });
                  request.method = 'POST';
                  request.path = '/api/events/partner-center';
                  request.headers = { 'content-type': 'application/json', ...signed.headers };
                  request.body = signed.body;
                  return request;
                },
                onResponse: (status, body) => {
                  if (status === 200 && body.includes('"accepted"')) accepted++;
                  else unexpected++;
                },
              },
            ],
          },
          (error, result) => {
            if (error) reject(error instanceof Error ? error : new Error('autocannon failed'));
            else resolve(result);
          },
        );
        instance.on('response', (_client, _statusCode, _bytes, responseTime) => {
          latencies.record(Math.max(1, Math.round(responseTime * 1000)));
        });
      });
    await run(1);
    latencies.reset();
    accepted = 0;
    unexpected = 0;
    const measured = await run(options.durationSeconds);
    const acknowledgement = {
      connections: options.connections,
      seconds: measured.duration,
      events: latencies.count,
      eventsPerSecond: Math.round(latencies.count / measured.duration),
      p50Ms: ms(latencies.percentile(50)),
      p99Ms: ms(latencies.percentile(99)),
      maxMs: ms(latencies.max),
      accepted,
      unexpected: unexpected + measured.errors + measured.timeouts,
    };
    options.say(
      `  events acknowledged ${String(acknowledgement.eventsPerSecond)}/s  p50 ${acknowledgement.p50Ms.toFixed(2)}  p99 ${acknowledgement.p99Ms.toFixed(2)} ms  accepted ${String(accepted)}  unexpected ${String(acknowledgement.unexpected)}`,
    );
    await host.close();
    await receiving.close();

    // 2. Fan-out to 100 subscribers, the consumer following host.json.
    const fanning = open(`benchfan${randomBytes(3).toString('hex')}`);
    const fanHost = await startLocalHost({ services: () => fanning, log: () => undefined });
    const consumer = startQueueConsumer({
      queues: async () => (await fanning.events().backend()).clients,
      handler: createEventQueueHandler(() => fanning),
      log: { info: () => undefined, error: () => undefined },
    });
    let arrived = 0;
    let allArrived: (() => void) | undefined;
    const subscriberServer = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        response.end('ok');
        arrived += 1;
        if (arrived === SUBSCRIBERS) allArrived?.();
      });
    });
    const subscriberPort = await listen(subscriberServer, 0, '127.0.0.1');
    for (let index = 0; index < SUBSCRIBERS; index += 1) {
      await createSubscription(fanning.events(), {
        kind: 'webhook',
        url: `http://127.0.0.1:${String(subscriberPort)}/s${String(index)}`,
        filters: { includeFacadeChanges: true },
      });
    }
    const allDeliveredMs: number[] = [];
    for (let round = 0; round < FAN_OUT_ROUNDS; round += 1) {
      const referralId = seeded[round]?.id ?? seededIds.active;
      simulator.modify(referralId, (referral) => {
        referral['details'] = { ...(referral['details'] as object), notes: `fan-out ${String(round)}` };
      });
      const body = JSON.stringify({
        EventName: 'referral-updated',
        ResourceUri: `https://api.partnercenter.microsoft.com/engagements/v1/referrals/${referralId}`,
        ResourceName: 'referral',
        AuditUri: null,
        ResourceChangeUtcDate: new Date().toISOString(),
      });
      arrived = 0;
      const done = new Promise<void>((resolve) => {
        allArrived = resolve;
      });
      const response = await fetch(`${fanHost.url}/api/events/partner-center`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...simulator.events.sign(body).headers },
        body,
      });
      const acknowledgedAt = performance.now();
      await response.text();
      await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 60_000))]);
      allDeliveredMs.push(Math.round(performance.now() - acknowledgedAt));
      options.say(
        `  fan-out round ${String(round + 1)}: ${String(arrived)} of ${String(SUBSCRIBERS)} delivered after ${String(allDeliveredMs.at(-1))} ms`,
      );
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    await consumer.stop();
    await fanHost.close();
    await fanning.close();
    await closeServer(subscriberServer);
    return {
      acknowledgement,
      fanOut: {
        subscribers: SUBSCRIBERS,
        rounds: FAN_OUT_ROUNDS,
        allDeliveredMs,
        medianMs: median(allDeliveredMs),
        maxMs: Math.max(...allDeliveredMs),
      },
    };
  } finally {
    await topology.close();
  }
}

export function renderEventsMarkdown(result: EventsBenchResult): string {
  const { acknowledgement: ack, fanOut } = result;
  return [
    '# Events',
    '',
    `Acknowledgement (signed \`referral-updated\` notifications over ${String(REFERRALS)} referrals, each a new version: verify, read, store, fan out; ${String(ack.connections)} connections, ${String(ack.seconds)} s, Azurite and the simulator on loopback): **${String(ack.eventsPerSecond)} events/s, p50 ${ack.p50Ms.toFixed(2)} ms, p99 ${ack.p99Ms.toFixed(2)} ms**, max ${ack.maxMs.toFixed(2)} ms; ${String(ack.accepted)} of ${String(ack.events)} accepted, unexpected answers ${String(ack.unexpected)}.`,
    '',
    `Fan-out of one event to ${String(fanOut.subscribers)} Standard Webhooks subscribers, from the receiver's 200 to the last delivery (${String(fanOut.rounds)} rounds, the queue consumer polling as host.json says): **median ${String(fanOut.medianMs)} ms, max ${String(fanOut.maxMs)} ms** (${fanOut.allDeliveredMs.map(String).join(', ')} ms).`,
    '',
  ].join('\n');
}
