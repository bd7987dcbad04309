/**
 * `npm run connector`: writes the Power Platform custom connector files from the route table and the zod schemas.
 * The committed copies in connector/ are what this writes with no options; a test fails when they drift.
 *   --host <name>  the Function App host to put in the definition (default: a placeholder to edit on import)
 *   --out <dir>    where to write (default: connector/)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { routes } from '../functions/routes';
import { connectorFiles } from '../shared/openapi';

export function serializeConnectorFile(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export const CONNECTOR_DIR = resolve(__dirname, '..', 'connector');

function main(): void {
  const { values } = parseArgs({
    options: { host: { type: 'string' }, out: { type: 'string' } },
  });
  const host = values.host?.trim();
  if (host !== undefined && !/^[A-Za-z0-9.-]+(:\d+)?$/.test(host)) {
    throw new Error('--host must be a host name such as contoso-referrals.azurewebsites.net');
  }
  const files = connectorFiles(routes, host ? { host } : {});
  const out = values.out ? resolve(values.out) : CONNECTOR_DIR;
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'apiDefinition.swagger.json'), serializeConnectorFile(files.apiDefinition));
  writeFileSync(join(out, 'apiProperties.json'), serializeConnectorFile(files.apiProperties));
  process.stdout.write(`Wrote apiDefinition.swagger.json and apiProperties.json to ${out}\n`);
}

if (require.main === module) main();
