/**
 * The events queue: fan-out and delivery messages, base64 JSON as the Functions host's queue trigger expects.
 */
import type { QueueClient } from '@azure/storage-queue';
import { encodeMessage, MAX_VISIBILITY_SECONDS } from '../durable/work-queue';
import type { EventMessage } from './records';

export class EventQueue {
  constructor(private readonly queue: QueueClient) {}

  /** Sends `message`, visible after `delayMs` (rounded up to whole seconds, the queue's unit). */
  async send(message: EventMessage, delayMs = 0): Promise<void> {
    const seconds = Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, Math.ceil(delayMs / 1_000)));
    await this.queue.sendMessage(encodeMessage(message), {
      visibilityTimeout: seconds,
      messageTimeToLive: -1,
    });
  }
}
