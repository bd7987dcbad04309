import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { open, type Entry } from 'yauzl';
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

describe('npm run package', () => {
  let dir: string | undefined;
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('zips exactly the deployable app root: host.json, package.json, the bundle, its map and licences', async () => {
    dir = await mkdtemp(join(tmpdir(), 'referrals-facade-package-'));
    const zipPath = join(dir, 'app.zip');
    await writePackage(join(dir, 'bundle'), zipPath);
    assert.deepEqual((await zipEntries(zipPath)).sort(), [...packagedFiles].sort());
  });
});
