/** The two generated API descriptions, from one model of the route table. */
import { describeApi, type ApiModel, type DescribedRoute } from './api-model';
import { renderConnector, type ConnectorFiles } from './connector';
import type { JsonSchema } from './json-schema';
import { renderOpenApi3 } from './openapi3';

export type { DescribedRoute } from './api-model';

const models = new WeakMap<readonly DescribedRoute[], ApiModel>();

/** The model depends only on code, so one per route table is built and kept. */
function modelOf(routes: readonly DescribedRoute[]): ApiModel {
  let model = models.get(routes);
  if (!model) {
    model = describeApi(routes);
    models.set(routes, model);
  }
  return model;
}

export function openApiDocument(routes: readonly DescribedRoute[], serverUrl: string): JsonSchema {
  return renderOpenApi3(modelOf(routes), serverUrl);
}

export function connectorFiles(
  routes: readonly DescribedRoute[],
  options: { host?: string } = {},
): ConnectorFiles {
  return renderConnector(modelOf(routes), options);
}
