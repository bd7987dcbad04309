/**
 * The Azure Functions entry point (package.json `main`): registers the table's routes (all but the local host's
 * catch-all; see routes.ts). Nothing here reads configuration; that happens on the first call, so a bad setting
 * cannot disable the whole app at start-up.
 */
import { app } from '@azure/functions';
import { lazyServices } from '../shared/app/services';
import { DURABLE_CONNECTION } from '../shared/config';
import { OPERATIONS_QUEUE } from '../shared/durable/names';
import { functionsHandler, functionsQueueHandler } from './azure-binding';
import { WORKER_FUNCTION } from './queue-handler';
import { createEventQueueHandler, EVENT_WORKER_FUNCTION } from './event-queue-handler';
import { EVENTS_QUEUE } from '../shared/events/names';
import { createSweepHandler, SWEEP_FUNCTION, SWEEP_SCHEDULE } from './sweep-handler';
import { loadEventSweepSettings } from '../shared/config';
import { hostedRoutes } from './routes';

const services = lazyServices(process.env);

// Without streaming, the host drops a body sent without Content-Length (chunked), so a close-won with a deal
// value would patch only the status (Azure/azure-functions-host#4926). Flex Consumption supports streams.
app.setup({ enableHttpStream: true });

for (const route of hostedRoutes()) {
  app.http(route.name, {
    methods: [...route.methods],
    route: route.route,
    authLevel: route.authLevel,
    handler: functionsHandler(route, services),
  });
}

// The asynchronous mode's worker: the host polls the queue, hides a message while it runs, and after host.json's
// maxDequeueCount failed runs moves it to `referral-operations-poison`. The connection is identity-based in Azure.
app.storageQueue(WORKER_FUNCTION, {
  queueName: OPERATIONS_QUEUE,
  connection: DURABLE_CONNECTION,
  handler: functionsQueueHandler(services),
});

// The events' worker: fans each stored event out to its subscribers and delivers to each (docs/events.md). Its
// retries are its own (visibility delays, then parking), so a message reaching the poison queue means storage
// kept failing, not a subscriber.
app.storageQueue(EVENT_WORKER_FUNCTION, {
  queueName: EVENTS_QUEUE,
  connection: DURABLE_CONNECTION,
  handler: functionsQueueHandler(services, createEventQueueHandler),
});

// The events' reconciliation sweep (docs/events.md): finds changes whose Partner Center notification was parked
// or lost. runOnStartup stays off: a scale-out would run it once per new instance.
const sweepHandler = createSweepHandler(services, () => loadEventSweepSettings(process.env));
app.timer(SWEEP_FUNCTION, {
  schedule: SWEEP_SCHEDULE,
  runOnStartup: false,
  useMonitor: true,
  handler: async (_timer, context) => {
    await sweepHandler({
      info: (message) => {
        context.log(message);
      },
      error: (message) => {
        context.error(message);
      },
    });
  },
});
