/**
 * One table defines every problem type (shared/failures/problem-types.ts), and only the failure map makes
 * problems: docs/errors.md must say exactly what the table says, and no other module may build a problem.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { problemTypes } from '../../shared/failures/problem-types';
import { ERRORS_DOC, problemTableRows, TABLE_END, TABLE_HEADER, TABLE_START } from '../../scripts/error-docs';

/** The cells of each row of the document's generated table, as written (padding trimmed). */
function documentedRows(): string[][] {
  const document = readFileSync(ERRORS_DOC, 'utf8');
  const section = document.slice(document.indexOf(TABLE_START), document.indexOf(TABLE_END));
  return section
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) =>
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim().replaceAll('\\|', '|')),
    );
}

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('problem types', () => {
  it('docs/errors.md lists exactly the table: every kind, its status and facts, in order (npm run docs:errors)', () => {
    const [header, rule, ...rows] = documentedRows();
    assert.deepEqual(header, TABLE_HEADER);
    assert.ok(rule?.every((cell) => /^-+$/.test(cell)));
    assert.deepEqual(rows, problemTableRows());
    assert.equal(rows.length, Object.keys(problemTypes).length);
  });

  it('are made only by the failure map: no other module constructs a ProblemError', () => {
    const builders = ['shared', 'functions', 'dev']
      .flatMap(sourceFiles)
      .filter((file) => !file.startsWith(join('shared', 'failures')))
      .filter((file) => /new ProblemError\(/.test(readFileSync(file, 'utf8')));
    assert.deepEqual(builders, []);
  });

  it('each has a title, a meaning and an action, and a status that is an HTTP error status', () => {
    for (const [kind, type] of Object.entries(problemTypes)) {
      assert.ok(type.status >= 400 && type.status < 600, kind);
      assert.ok(type.title.length > 0 && type.meaning.length > 0 && type.action.length > 0, kind);
    }
  });
});
