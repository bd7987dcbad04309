/**
 * `npm run connector`: writes the Power Platform custom connector files from the route table and the zod schemas:
 * the definition and properties, the readme.md and intro.md certification asks for, and the icon.
 * The committed copies in connector/ are what this writes with no options; a test fails when they drift.
 *   --host <name>  the Function App host to put in the definition (default: a placeholder to edit on import);
 *                  a URL such as https://contoso.azurewebsites.net/api is accepted too, and only its host is kept
 *   --out <dir>    where to write (default: connector/)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { routes } from '../functions/routes';
import { connectorFiles } from '../shared/openapi';
import { CONNECTOR_BRAND_COLOR } from '../shared/openapi/connector';
import { renderIntro, renderReadme } from './connector-docs';
import { renderIcon } from './connector-icon';

export function serializeConnectorFile(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export const CONNECTOR_DIR = resolve(__dirname, '..', 'connector');

/** Every file of the connector folder, by name, as `npm run connector` writes it. */
export function connectorFolder(options: { host?: string } = {}): Record<string, string | Buffer> {
  const files = connectorFiles(routes, options);
  return {
    'apiDefinition.swagger.json': serializeConnectorFile(files.apiDefinition),
    'apiProperties.json': serializeConnectorFile(files.apiProperties),
    'readme.md': renderReadme(files.apiDefinition),
    'intro.md': renderIntro(),
    'icon.png': renderIcon(CONNECTOR_BRAND_COLOR),
  };
}

export class HostOptionError extends Error {}

const HOST_PATTERN = /^[A-Za-z0-9.-]+(:\d+)?$/;

/** The host the definition needs, from a host name or a URL; a clear error for anything else. */
export function hostOption(raw: string): string {
  const value = raw.trim();
  if (HOST_PATTERN.test(value)) return value;
  if (/^https?:\/\//i.test(value)) {
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (url && HOST_PATTERN.test(url.host)) return url.host;
  }
  throw new HostOptionError(
    `--host must be the Function App's host name, such as contoso-referrals.azurewebsites.net (a URL such as https://contoso-referrals.azurewebsites.net/api is read as its host); got "${value}"`,
  );
}

function main(): void {
  const { values } = parseArgs({
    options: { host: { type: 'string' }, out: { type: 'string' } },
  });
  const host = values.host === undefined ? undefined : hostOption(values.host);
  const out = values.out ? resolve(values.out) : CONNECTOR_DIR;
  mkdirSync(out, { recursive: true });
  const folder = connectorFolder(host ? { host } : {});
  for (const [name, content] of Object.entries(folder)) writeFileSync(join(out, name), content);
  process.stdout.write(`Wrote ${Object.keys(folder).join(', ')} to ${out}\n`);
}

if (require.main === module) {
  try {
    main();
  } catch (error) {
    // A mistyped option is the caller's to fix: one line, no stack trace.
    if (!(error instanceof HostOptionError) && !(error instanceof TypeError)) throw error;
    process.stderr.write(`npm run connector: ${error.message}\n`);
    process.exitCode = 2;
  }
}
