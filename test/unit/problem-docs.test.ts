/** docs/errors.md is the caller's reference for problem types: it must name every kind the code can answer. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('docs/errors.md', () => {
  it('documents every problem kind the facade can answer', () => {
    const kinds = new Set(
      ['shared', 'functions']
        .flatMap(sourceFiles)
        .flatMap((file) =>
          [...readFileSync(file, 'utf8').matchAll(/kind: '([a-z-]+)',\s+title:/g)].map(
            (match) => match[1] ?? '',
          ),
        ),
    );
    assert.ok(kinds.size >= 15, `found only ${String(kinds.size)} kinds`);
    const documented = readFileSync('docs/errors.md', 'utf8');
    const missing = [...kinds].filter((kind) => !new RegExp(`^\\| \`${kind}\` +\\|`, 'm').test(documented));
    assert.deepEqual(missing, []);
  });
});
