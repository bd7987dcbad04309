/**
 * Trigger glue for the work queue: reads one message, makes the call context of the attempt the worker runs (one
 * per operation attempt, as a handler makes one per HTTP call) and writes its log line. The Functions binding
 * and the local host's queue consumer run this same function.
 */
import type { ServicesResolver } from '../shared/app/services';
import { callLogLine, startCall, type CallLog } from '../shared/call/context';
import { wakeMessageSchema } from '../shared/durable/work-queue';
import { resolveCorrelationId } from '../shared/http/request';

export const WORKER_FUNCTION = 'operation-worker';

/** Resolves when the message is handled; throws to leave it to the queue's redelivery and poison rules. */
export type QueueHandler = (message: unknown, log: CallLog) => Promise<void>;

export function createQueueHandler(services: ServicesResolver): QueueHandler {
  return async (message, log) => {
    // A message that is not ours can never succeed: failing it sends it to the poison queue.
    const wake = wakeMessageSchema.parse(message);
    const { worker } = await services().operations().backend();
    const result = await worker.handle(wake, (operation) =>
      startCall({
        correlationId: resolveCorrelationId(operation.correlationId),
        route: WORKER_FUNCTION,
        method: 'QUEUE',
        log,
        referralId: operation.referralId,
      }),
    );
    if (result.kind === 'ran') log.info(callLogLine(result.call, result.status));
  };
}
