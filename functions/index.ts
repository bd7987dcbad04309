/**
 * The Azure Functions entry point (package.json `main`): registers every route of the table. Nothing here reads
 * configuration; that happens on the first call, so a bad setting cannot disable the whole app at start-up.
 */
import { app } from '@azure/functions';
import { lazyServices } from '../shared/facade/services';
import { createHandler } from './handlers';
import { routes } from './routes';

const services = lazyServices(process.env);

for (const route of routes) {
  app.http(route.name, {
    methods: [...route.methods],
    route: route.route,
    authLevel: route.authLevel,
    handler: createHandler(route, services),
  });
}
