/**
 * `npm run package`: the deployment zip (`referrals-facade.zip`) for `az functionapp deployment source
 * config-zip` or any zip deploy: the production bundle (see scripts/bundle.ts) with host.json and its
 * package.json at the zip's root, and nothing else: no sources, tests or node_modules.
 */
import { createWriteStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import { writeBundle } from './bundle';

/**
 * What the Functions host needs at the app root, the licences of what the bundle includes, and the source map so
 * that stack traces map back to the sources (NODE_OPTIONS=--enable-source-maps). Build metadata stays out.
 */
export const packagedFiles = [
  'host.json',
  'package.json',
  'index.js',
  'index.js.map',
  'index.js.LEGAL.txt',
] as const;

export async function writePackage(bundleDir: string, zipPath: string): Promise<void> {
  await writeBundle(bundleDir);
  const present = new Set(await readdir(bundleDir));
  const zip = new ZipFile();
  for (const name of packagedFiles) {
    if (present.has(name)) zip.addFile(join(bundleDir, name), name);
  }
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(zipPath));
}

if (require.main === module) {
  const root = join(__dirname, '..');
  const zipPath = join(root, 'referrals-facade.zip');
  writePackage(join(root, 'dist-bundle'), zipPath)
    .then(async () => {
      const { size } = await stat(zipPath);
      process.stdout.write(`package: referrals-facade.zip (${(size / 1024).toFixed(0)} KiB)\n`);
    })
    .catch((error: unknown) => {
      process.stderr.write(`package failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    });
}
