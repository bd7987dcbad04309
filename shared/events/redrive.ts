/**
 * Messages the Functions host moved to `referral-events-poison` (storage kept failing for all of host.json's
 * `maxDequeueCount` tries) are put back in line by the sweep's timer, a few times each: fan-out and delivery are
 * idempotent (the delivery rows arbitrate), so a message run again does no harm, and an outage longer than the
 * host's retries no longer loses an event's fan-out. A message that keeps failing, or is not one of ours, stays
 * in the poison queue for operators, hidden for a week so it does not hold up the ones behind it.
 */
import { decodeMessage, MAX_VISIBILITY_SECONDS } from '../durable/work-queue';
import type { Events } from './events';
import { eventMessageSchema } from './records';

export const MAX_REDRIVES = 3;
/** Messages looked at per run (the queue's most per receive). */
const PER_RUN = 32;

export interface RedriveReport {
  /** Put back on the events queue. */
  readonly moved: number;
  /** Left for operators: re-driven too often already, or not an events message. */
  readonly kept: number;
}

function parsedMessage(text: string) {
  try {
    return eventMessageSchema.safeParse(decodeMessage(text));
  } catch {
    return undefined;
  }
}

export function redrivePoisoned(events: Events): Promise<RedriveReport> {
  return events.guarded('putting poisoned messages back in line', async ({ clients, queue }) => {
    const received = await clients.poisonQueue.receiveMessages({ numberOfMessages: PER_RUN });
    let moved = 0;
    let kept = 0;
    for (const item of received.receivedMessageItems) {
      const parsed = parsedMessage(item.messageText);
      const redrives = parsed?.success === true ? (parsed.data.redrives ?? 0) : MAX_REDRIVES;
      if (parsed?.success !== true || redrives >= MAX_REDRIVES) {
        await clients.poisonQueue.updateMessage(
          item.messageId,
          item.popReceipt,
          undefined,
          MAX_VISIBILITY_SECONDS,
        );
        kept += 1;
        continue;
      }
      // Sent before it is deleted: a failure in between leaves a copy, never none.
      await queue.send({ ...parsed.data, redrives: redrives + 1 });
      await clients.poisonQueue.deleteMessage(item.messageId, item.popReceipt);
      moved += 1;
    }
    return { moved, kept };
  });
}
