/**
 * The queue's messages. A message only wakes a referral ("it has work"): the table says which operation is next,
 * so a duplicated, late or reordered message can never run an operation out of turn. Messages are base64 JSON,
 * the Functions host's default encoding for the queue trigger.
 */
import type { QueueClient } from '@azure/storage-queue';
import { z } from 'zod';

export const wakeMessageSchema = z.object({
  referralId: z.string().min(1).max(64),
  /** The call that caused this message, for the log. */
  correlationId: z.string().max(64).optional(),
});
export type WakeMessage = z.infer<typeof wakeMessageSchema>;

export const poisonMessageSchema = z.object({
  operationId: z.string(),
  referralId: z.string(),
  attempts: z.number(),
  problem: z.string().optional(),
});
export type PoisonMessage = z.infer<typeof poisonMessageSchema>;

export const encodeMessage = (message: unknown): string =>
  Buffer.from(JSON.stringify(message), 'utf8').toString('base64');

export function decodeMessage(text: string): unknown {
  return JSON.parse(Buffer.from(text, 'base64').toString('utf8')) as unknown;
}

/** The longest a queue message may stay invisible (7 days); longer waits are split by the worker. */
export const MAX_VISIBILITY_SECONDS = 7 * 24 * 3600;

export class WorkQueue {
  constructor(
    private readonly queue: QueueClient,
    private readonly poison: QueueClient,
  ) {}

  /** Wakes the referral after `delayMs` (rounded up to whole seconds, the queue's unit). */
  async wake(message: WakeMessage, delayMs = 0): Promise<void> {
    const seconds = Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, Math.ceil(delayMs / 1_000)));
    await this.queue.sendMessage(encodeMessage(message), {
      visibilityTimeout: seconds,
      // A message must outlive the longest retry schedule; -1 keeps it until it is handled.
      messageTimeToLive: -1,
    });
  }

  async poisoned(message: PoisonMessage): Promise<void> {
    await this.poison.sendMessage(encodeMessage(message), { messageTimeToLive: -1 });
  }

  /** The queue's depth (approximate, as the service counts it) and the age of its oldest visible message. */
  async depth(now: number): Promise<{ messages: number; oldestAgeSeconds?: number; poisoned: number }> {
    const [properties, peeked, poison] = await Promise.all([
      this.queue.getProperties(),
      this.queue.peekMessages({ numberOfMessages: 1 }),
      this.poison.getProperties(),
    ]);
    const oldest = peeked.peekedMessageItems[0]?.insertedOn;
    return {
      messages: properties.approximateMessagesCount ?? 0,
      ...(oldest === undefined
        ? {}
        : { oldestAgeSeconds: Math.max(0, Math.round((now - oldest.getTime()) / 1_000)) }),
      poisoned: poison.approximateMessagesCount ?? 0,
    };
  }
}
