/**
 * Trigger glue for the events queue: reads one message, makes its call context (one per message, as a handler
 * makes one per HTTP call), runs it through shared/events and writes its log line. The Functions binding and the
 * local host's queue consumer run this same function.
 */
import type { ServicesResolver } from '../shared/app/services';
import { callLogLine, startCall } from '../shared/call/context';
import { handleEventMessage, statusOfResult } from '../shared/events/delivery';
import { eventMessageSchema } from '../shared/events/records';
import { resolveCorrelationId } from '../shared/http/request';
import type { QueueHandler } from './queue-handler';

export const EVENT_WORKER_FUNCTION = 'event-worker';

export function createEventQueueHandler(services: ServicesResolver): QueueHandler {
  return async (raw, log) => {
    // A message that is not ours can never succeed: failing it sends it to the poison queue.
    const message = eventMessageSchema.parse(raw);
    const call = startCall({
      correlationId: resolveCorrelationId(message.correlationId),
      route: EVENT_WORKER_FUNCTION,
      method: 'QUEUE',
      log,
      ...(message.kind === 'fan-out' ? { referralId: message.referralId } : {}),
    });
    // A storage failure throws: the queue shows the message again, and after maxDequeueCount poisons it.
    const result = await handleEventMessage(services().events(), message, call);
    log.info(callLogLine(call, statusOfResult(result)));
  };
}
