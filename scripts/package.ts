/**
 * `npm run package`: the one deploy artifact. It writes `dist-package/`, the folder `azd deploy` zips and deploys
 * (azure.yaml: `dist: dist-package`), and `referrals-facade.zip` with the same files, for
 * `az functionapp deployment source config-zip` or any zip deploy: the production bundle (see scripts/bundle.ts)
 * with host.json and its package.json at the root, and nothing else: no sources, tests or node_modules.
 */
import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, readdir, rm, stat } from 'node:fs/promises';
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

/** Builds the bundle in `bundleDir`, then the deployable folder `packageDir` and `zipPath` from it. */
export async function writePackage(bundleDir: string, packageDir: string, zipPath: string): Promise<void> {
  await writeBundle(bundleDir);
  const present = new Set(await readdir(bundleDir));
  await rm(packageDir, { recursive: true, force: true });
  await mkdir(packageDir, { recursive: true });
  const zip = new ZipFile();
  for (const name of packagedFiles) {
    if (!present.has(name)) continue;
    await copyFile(join(bundleDir, name), join(packageDir, name));
    zip.addFile(join(packageDir, name), name);
  }
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(zipPath));
}

if (require.main === module) {
  const root = join(__dirname, '..');
  const zipPath = join(root, 'referrals-facade.zip');
  writePackage(join(root, 'dist-bundle'), join(root, 'dist-package'), zipPath)
    .then(async () => {
      const { size } = await stat(zipPath);
      process.stdout.write(
        `package: dist-package/ (deployed by azd) and referrals-facade.zip (${(size / 1024).toFixed(0)} KiB)\n`,
      );
    })
    .catch((error: unknown) => {
      process.stderr.write(`package failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    });
}
