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

for (const route of hostedRoutes()) {
  app.http(route.name, {
    methods: [...route.methods],
    route: route.route,
    authLevel: route.authLevel,
    handler: functionsHandler(route, services),
  });
}
