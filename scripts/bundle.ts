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
import { build, type BuildOptions, type Metafile } from 'esbuild';
import packageJson from '../package.json';

/** Provided by the Functions Node.js worker, never deployed. */
export const workerProvidedModules = ['@azure/functions-core'];

export function bundleOptions(outfile: string): BuildOptions & { metafile: true } {
  return {
    entryPoints: [join(__dirname, '..', 'functions', 'index.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: workerProvidedModules,
    // ES module builds first: some packages' CommonJS builds (jsonc-parser's UMD) load files by computed paths
    // that a bundler cannot follow.
    mainFields: ['module', 'main'],
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
  };
}

/** Writes the deployable folder: the bundle, its source map and licences, host.json and a package.json. */
export async function writeBundle(dir: string): Promise<Metafile> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const result = await build(bundleOptions(join(dir, 'index.js')));
  await writeFile(join(dir, 'meta.json'), JSON.stringify(result.metafile));
  await copyFile(join(__dirname, '..', 'host.json'), join(dir, 'host.json'));
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
  await writeFile(join(dir, 'package.json'), `${JSON.stringify(deployed, null, 2)}\n`);
  return result.metafile;
}

if (require.main === module) {
  const dir = join(__dirname, '..', 'dist-bundle');
  writeBundle(dir).then(
    (metafile) => {
      const bytes = Object.values(metafile.outputs).reduce(
        (sum, output) => sum + (output.entryPoint ? output.bytes : 0),
        0,
      );
      process.stdout.write(`bundle: dist-bundle/index.js (${(bytes / 1024).toFixed(0)} KiB)\n`);
    },
    (error: unknown) => {
      process.stderr.write(`bundle failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
