/**
 * The import rules of .dependency-cruiser.cjs, which `npm test` applies to the project (npm run lint:imports):
 * shown here to refuse what they are meant to refuse, on small trees made for the purpose.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';

const config = resolve('.dependency-cruiser.cjs');
const depcruise = resolve('node_modules/.bin/depcruise');

/** Runs the project's rules over a tree of `files` (path → source). */
function cruise(files: Record<string, string>): { status: number | null; output: string } {
  const root = mkdtempSync(join(tmpdir(), 'import-rules-'));
  try {
    writeFileSync(join(root, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'commonjs' } }));
    for (const [path, source] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), source);
    }
    const folders = [...new Set(Object.keys(files).map((path) => path.split('/')[0] ?? ''))];
    const result = spawnSync(depcruise, [...folders, '--config', config, '--output-type', 'err'], {
      cwd: root,
      encoding: 'utf8',
    });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

describe('import rules', () => {
  it('pass a tree whose folders import only the layers below them', () => {
    const result = cruise({
      'shared/failures/problem.ts': 'export const problem = 1;\n',
      'shared/upstream/client.ts':
        "import { problem } from '../failures/problem';\nexport const client = problem;\n",
      'functions/index.ts':
        "import { client } from '../shared/upstream/client';\nexport const fn = client;\n",
    });
    assert.equal(result.status, 0, result.output);
  });

  it('refuse two files that import each other', () => {
    const result = cruise({
      'shared/facade/a.ts': "import { b } from './b';\nexport const a = () => b;\n",
      'shared/facade/b.ts': "import { a } from './a';\nexport const b = () => a;\n",
    });
    assert.notEqual(result.status, 0);
    assert.match(result.output, /no-circular/);
  });

  it('refuse a cycle between folders even when no file cycle exists (a lower layer importing a higher one)', () => {
    const result = cruise({
      'shared/facade/flow.ts':
        "import { search } from '../referral-search/search';\nexport const flow = search;\n",
      'shared/referral-search/search.ts': 'export const search = 1;\n',
      'shared/referral-search/record.ts':
        "import { flow } from '../facade/flow';\nexport const record = flow;\n",
    });
    assert.notEqual(result.status, 0);
    assert.match(
      result.output,
      /layer:shared\/facade: shared\/facade\/flow\.ts → shared\/referral-search\/search\.ts/,
    );
    assert.doesNotMatch(result.output, /no-circular/);
  });

  it('refuse an import the module map does not list, even from a higher layer (health may not use webhooks)', () => {
    const result = cruise({
      'shared/webhooks/intake.ts': 'export const intake = 1;\n',
      'shared/health/readiness.ts':
        "import { intake } from '../webhooks/intake';\nexport const ready = intake;\n",
    });
    assert.notEqual(result.status, 0);
    assert.match(result.output, /imports:shared\/health/);
    assert.doesNotMatch(result.output, /layer:/);
  });

  it('refuse a shared folder that has no place in the module map, so it cannot slip past the rules', () => {
    const result = cruise({
      'shared/call/context.ts': "import { extra } from '../extra/thing';\nexport const call = extra;\n",
      'shared/extra/thing.ts': "import { call } from '../call/context';\nexport const extra = () => call;\n",
    });
    assert.notEqual(result.status, 0);
    assert.match(result.output, /unknown-shared-folder: shared\/extra\/thing\.ts/);
  });

  it('refuse shared code that imports the HTTP glue above it', () => {
    const result = cruise({
      'functions/routes.ts': 'export const routes = [];\n',
      'shared/openapi/index.ts':
        "import { routes } from '../../functions/routes';\nexport const api = routes;\n",
    });
    assert.notEqual(result.status, 0);
    assert.match(result.output, /layer:shared\/openapi/);
  });
});
