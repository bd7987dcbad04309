import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { open, type Entry } from 'yauzl';
import { hostedRoutes } from '../../functions/routes';
import { packagedFiles, writePackage } from '../../scripts/package';

function zipEntries(path: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    open(path, { lazyEntries: true }, (error, zip) => {
      if (error) {
        reject(error);
        return;
      }
      const names: string[] = [];
      zip.on('entry', (entry: Entry) => {
        names.push(entry.fileName);
        zip.readEntry();
      });
      zip.on('end', () => {
        resolve(names);
      });
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

describe('npm run package (the one deploy artifact)', () => {
  let dir: string;
  let packageDir: string;
  let zipPath: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'referrals-facade-package-'));
    packageDir = join(dir, 'dist-package');
    zipPath = join(dir, 'app.zip');
    await writePackage(join(dir, 'bundle'), packageDir, zipPath);
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('holds exactly the deployable app root: host.json, package.json, the bundle, its map and licences', async () => {
    const expected = [...packagedFiles].sort();
    assert.deepEqual(readdirSync(packageDir).sort(), expected, 'the folder azd deploys');
    assert.deepEqual((await zipEntries(zipPath)).sort(), expected, 'the zip for config-zip');
  });

  it('has no dependencies to install and no source text in its map', () => {
    const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    assert.equal(manifest['main'], 'index.js');
    assert.equal(manifest['dependencies'], undefined);
    assert.equal(manifest['devDependencies'], undefined);
    const map = JSON.parse(readFileSync(join(packageDir, 'index.js.map'), 'utf8')) as {
      sourcesContent?: unknown;
    };
    assert.equal(map.sourcesContent, undefined);
  });

  it('registers every hosted route when its entry point is required, with nothing beside it', () => {
    const loaded = spawnSync(
      process.execPath,
      ['-e', `require(${JSON.stringify(join(packageDir, 'index.js'))})`],
      {
        cwd: packageDir,
        encoding: 'utf8',
        env: { PATH: process.env['PATH'] ?? '' },
      },
    );
    assert.equal(loaded.status, 0, loaded.stderr);
    // Outside the Functions host the library runs in test mode and reports each registration it skips.
    for (const route of hostedRoutes()) {
      assert.match(loaded.stderr, new RegExp(`register function "${route.name}"`));
    }
  });

  it("is what azd deploys: azure.yaml's service ships the dist-package folder that npm run package writes", () => {
    const azure = readFileSync(join(__dirname, '..', '..', 'azure.yaml'), 'utf8');
    const api = /\n {2}api:\n((?: {4}.*\n)+)/.exec(azure)?.[1] ?? '';
    const service = Object.fromEntries(
      api
        .trim()
        .split('\n')
        .map((line): [string, string] => {
          const [key = '', value = ''] = line.trim().split(/:\s*/);
          return [key, value];
        }),
    );
    assert.deepEqual(service, { project: '.', dist: 'dist-package', language: 'ts', host: 'function' });
    const packageJson = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    assert.match(packageJson.scripts['package'] ?? '', /scripts\/package\.ts/);
  });
});
