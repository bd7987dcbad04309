/**
 * `npm run bundle`: the production bundle in dist-bundle/, a folder that is deployable as it stands (the
 * Functions host reads host.json and package.json `main` from the app root). One file holds the app and every
 * runtime dependency, so the deployment needs no node_modules and the cold start resolves no packages.
 *
 * External (not deployed): `@azure/functions-core`, a virtual module the Functions Node.js worker provides at
 * run time; outside the host the library catches its absence and runs in test mode.
 */
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import packageJson from '../package.json';

export const bundleDir = 'dist-bundle';
export const bundleEntry = join(bundleDir, 'index.js');

async function main(): Promise<void> {
  await rm(bundleDir, { recursive: true, force: true });
  await mkdir(bundleDir, { recursive: true });
  const result = await build({
    entryPoints: ['functions/index.ts'],
    outfile: bundleEntry,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['@azure/functions-core'],
    // Stack traces in Application Insights map back to the sources with NODE_OPTIONS=--enable-source-maps.
    sourcemap: 'linked',
    sourcesContent: false,
    minifySyntax: true,
    minifyWhitespace: true,
    // Keeps class and function names, which error names and logs rely on.
    keepNames: true,
    legalComments: 'linked',
    metafile: true,
    logLevel: 'warning',
  });
  await writeFile(join(bundleDir, 'meta.json'), JSON.stringify(result.metafile));
  await copyFile('host.json', join(bundleDir, 'host.json'));
  const deployed = {
    name: packageJson.name,
    version: packageJson.version,
    description: packageJson.description,
    license: packageJson.license,
    private: true,
    type: 'commonjs',
    main: 'index.js',
    engines: packageJson.engines,
  };
  await writeFile(join(bundleDir, 'package.json'), `${JSON.stringify(deployed, null, 2)}\n`);
  const bytes = result.metafile.outputs[bundleEntry]?.bytes ?? 0;
  process.stdout.write(`bundle: ${bundleEntry} (${(bytes / 1024).toFixed(0)} KiB)\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bundle failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
