/**
 * The local host's stand-in for the Functions host's queue trigger: it polls the work queue, hides each message
 * while it runs, deletes it when the handler succeeds, lets it reappear after the visibility timeout when the
 * handler fails, and after maxDequeueCount failed runs moves it to `<queue>-poison`, all with the settings
 * host.json gives the Functions host. The handler is the one the Functions binding runs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { QueueClient } from '@azure/storage-queue';
import type { QueueHandler } from '../../functions/queue-handler';
import type { CallLog } from '../../shared/call/context';
import { decodeMessage } from '../../shared/durable/work-queue';

export interface QueueHostSettings {
  readonly batchSize: number;
  readonly newBatchThreshold: number;
  readonly maxDequeueCount: number;
  readonly visibilityTimeoutSeconds: number;
  readonly maxPollingIntervalMs: number;
}

/** A `hh:mm:ss` time span, as host.json writes them. */
function seconds(span: unknown, fallback: number): number {
  if (typeof span !== 'string') return fallback;
  const parts = span.split(':').map(Number);
  if (parts.length !== 3 || parts.some((part) => !Number.isFinite(part))) return fallback;
  const [hours = 0, minutes = 0, secs = 0] = parts;
  return hours * 3600 + minutes * 60 + secs;
}

/** The project's host.json, from the source tree (tsx) or the build (dist/dev/host). */
function findHostJson(): string {
  const candidates = [
    join(__dirname, '..', '..', 'host.json'),
    join(__dirname, '..', '..', '..', 'host.json'),
  ];
  return candidates.find((candidate) => existsSync(candidate)) ?? candidates[0] ?? 'host.json';
}

/** The queue settings in host.json, with the Functions host's defaults for those left out. */
export function queueHostSettings(hostJson = findHostJson()): QueueHostSettings {
  let queues: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(readFileSync(hostJson, 'utf8')) as {
      extensions?: { queues?: Record<string, unknown> };
    };
    queues = parsed.extensions?.queues ?? {};
  } catch {
    // The defaults below are the host's own.
  }
  const batchSize = typeof queues['batchSize'] === 'number' ? queues['batchSize'] : 16;
  return {
    batchSize,
    newBatchThreshold:
      typeof queues['newBatchThreshold'] === 'number'
        ? queues['newBatchThreshold']
        : Math.floor(batchSize / 2),
    maxDequeueCount: typeof queues['maxDequeueCount'] === 'number' ? queues['maxDequeueCount'] : 5,
    visibilityTimeoutSeconds: seconds(queues['visibilityTimeout'], 0),
    maxPollingIntervalMs: seconds(queues['maxPollingInterval'], 60) * 1_000,
  };
}

export interface QueueConsumerOptions {
  /** Resolved on first use, so a consumer can start before storage is reachable. */
  readonly queues: () => Promise<{ readonly queue: QueueClient; readonly poisonQueue: QueueClient }>;
  readonly handler: QueueHandler;
  readonly log: CallLog;
  readonly settings?: Partial<QueueHostSettings>;
  /** The shortest wait between polls of an empty queue (the host starts at 100 ms and doubles). */
  readonly minPollingIntervalMs?: number;
}

export interface QueueConsumer {
  stop(): Promise<void>;
}

/** How long a running message stays hidden; the host renews its lease, a run here ends well within this. */
const RUNNING_VISIBILITY_SECONDS = 600;

export function startQueueConsumer(options: QueueConsumerOptions): QueueConsumer {
  const settings = { ...queueHostSettings(), ...options.settings };
  const minInterval = options.minPollingIntervalMs ?? 100;
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  let wakeUp: (() => void) | undefined;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  async function run(
    queues: { queue: QueueClient; poisonQueue: QueueClient },
    item: { messageId: string; popReceipt: string; messageText: string; dequeueCount: number },
  ): Promise<void> {
    const toPoison = async () => {
      await queues.poisonQueue.createIfNotExists();
      await queues.poisonQueue.sendMessage(item.messageText, { messageTimeToLive: -1 });
      await queues.queue.deleteMessage(item.messageId, item.popReceipt);
    };
    if (item.dequeueCount > settings.maxDequeueCount) {
      await toPoison();
      return;
    }
    try {
      let message: unknown;
      try {
        message = decodeMessage(item.messageText);
      } catch {
        message = item.messageText;
      }
      await options.handler(message, options.log);
      await queues.queue.deleteMessage(item.messageId, item.popReceipt);
    } catch (error) {
      options.log.error(
        JSON.stringify({
          event: 'queue-message-failed',
          messageId: item.messageId,
          dequeueCount: item.dequeueCount,
          error: error instanceof Error ? error.name : typeof error,
        }),
      );
      if (item.dequeueCount >= settings.maxDequeueCount) await toPoison();
      else
        await queues.queue.updateMessage(
          item.messageId,
          item.popReceipt,
          undefined,
          settings.visibilityTimeoutSeconds,
        );
    }
  }

  const loop = async () => {
    let interval = minInterval;
    while (!stopped) {
      try {
        if (inFlight.size > settings.newBatchThreshold) {
          await Promise.race(inFlight);
          continue;
        }
        const queues = await options.queues();
        const received = await queues.queue.receiveMessages({
          numberOfMessages: Math.min(32, settings.batchSize),
          visibilityTimeout: RUNNING_VISIBILITY_SECONDS,
        });
        if (received.receivedMessageItems.length === 0) {
          await sleep(interval);
          interval = Math.min(settings.maxPollingIntervalMs, interval * 2);
          continue;
        }
        interval = minInterval;
        for (const item of received.receivedMessageItems) {
          const running: Promise<void> = run(queues, item)
            .catch((error: unknown) => {
              options.log.error(`queue consumer: ${error instanceof Error ? error.message : String(error)}`);
            })
            .finally(() => inFlight.delete(running));
          inFlight.add(running);
        }
      } catch (error) {
        options.log.error(`queue consumer: ${error instanceof Error ? error.message : String(error)}`);
        await sleep(Math.max(1_000, interval));
      }
    }
  };
  const looping = loop();
  return {
    stop: async () => {
      stopped = true;
      wakeUp?.();
      await looping;
      await Promise.all(inFlight);
    },
  };
}
