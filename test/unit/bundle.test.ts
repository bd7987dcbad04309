import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Metafile } from 'esbuild';
import { hostedRoutes } from '../../functions/routes';
import { workerProvidedModules, writeBundle } from '../../scripts/bundle';

describe('the production bundle', () => {
  let dir: string;
  let metafile: Metafile;

  before(async () => {
    // Outside the repository, so nothing can be resolved from its node_modules.
    dir = await mkdtemp(join(tmpdir(), 'referrals-facade-bundle-'));
    metafile = await writeBundle(dir);
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('imports nothing at run time but Node built-ins and what the Functions worker provides', () => {
    const imported = Object.values(metafile.outputs).flatMap((output) =>
      output.imports.filter((entry) => entry.external).map((entry) => entry.path),
    );
    // `node:` names include built-ins newer than this Node (undici's optional `node:sqlite` cache store).
    const isBuiltin = (path: string) => path.startsWith('node:') || builtinModules.includes(path);
    const outside = imported.filter((path) => !isBuiltin(path) && !workerProvidedModules.includes(path));
    assert.deepEqual(outside, []);
  });

  it('is a deployable app root: host.json, and a package.json whose main is the bundle', async () => {
    const packageJson = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    assert.equal(packageJson['main'], 'index.js');
    assert.equal(packageJson['dependencies'], undefined);
    const hostJson = JSON.parse(await readFile(join(dir, 'host.json'), 'utf8')) as { version?: string };
    assert.equal(hostJson.version, '2.0');
  });

  it('loads without node_modules and registers every hosted route of the table', () => {
    const loaded = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(join(dir, 'index.js'))})`], {
      cwd: dir,
      encoding: 'utf8',
      env: { PATH: process.env['PATH'] ?? '' },
    });
    assert.equal(loaded.status, 0, loaded.stderr);
    // Outside the Functions host the library runs in test mode and reports each registration it skips.
    for (const route of hostedRoutes()) {
      assert.match(loaded.stderr, new RegExp(`register function "${route.name}"`));
    }
    assert.doesNotMatch(loaded.stderr, /register function "fallback"/);
  });
});
