/**
 * The Azure Functions entry point (package.json `main`): registers the table's routes (all but the local host's
 * catch-all; see routes.ts). Nothing here reads configuration; that happens on the first call, so a bad setting
 * cannot disable the whole app at start-up.
 */
import { app } from '@azure/functions';
import { lazyServices } from '../shared/app/services';
import { functionsHandler } from './azure-binding';
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
