import SwaggerParser from '@apidevtools/swagger-parser';
import { routes } from './functions/routes';
import { connectorFiles, openApiDocument } from './shared/openapi';
async function main() {
  const c = connectorFiles(routes);
  await SwaggerParser.validate(structuredClone(c.apiDefinition) as never).then(() => console.log('swagger ok'), (e: Error) => console.log('swagger', e.message.slice(0, 3000)));
  const o = openApiDocument(routes, 'http://localhost/api');
  await SwaggerParser.validate(structuredClone(o) as never).then(() => console.log('oas ok'), (e: Error) => console.log('oas', e.message.slice(0, 3000)));
}
void main();
