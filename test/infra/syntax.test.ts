/**
 * The Bicep CLI cannot be installed here, so this is the offline check: every template parses with
 * tree-sitter-bicep without ERROR or MISSING nodes, and the templates are self-contained (local modules only,
 * no registry references) so nothing needs fetching to read them.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { infraDirectory, parseBicepSource, syntaxProblems } from './support/bicep';
import { mainTemplatePath, templates } from './support/templates';

describe('infra/ Bicep syntax (tree-sitter-bicep)', () => {
  it('finds main.bicep and its modules', () => {
    const names = templates.map((file) => relative(infraDirectory, file.path));
    assert.ok(names.includes('main.bicep'), `infra/main.bicep among ${names.join(', ')}`);
    assert.ok(names.length > 1, 'main.bicep is split into modules');
  });

  for (const file of templates) {
    it(`${file.name} parses without errors`, () => {
      assert.deepEqual(syntaxProblems(file.root), []);
    });
  }

  it('reports broken Bicep, so a clean parse means something', () => {
    const broken = parseBicepSource(
      "resource r 'Microsoft.Web/sites@2024-04-01' = {\n  name: 'x'\n  properties: {\n",
    );
    assert.notDeepEqual(syntaxProblems(broken), []);
    const spread = parseBicepSource('var o = {\n  ...base\n}\n');
    assert.notDeepEqual(
      syntaxProblems(spread),
      [],
      'the grammar does not know the spread operator: avoid it',
    );
  });

  it('uses only local modules that exist, so the templates can be read offline', () => {
    for (const file of templates) {
      for (const module of file.modules) {
        assert.doesNotMatch(module.path, /^(br|ts)[:/]/, `${file.name} module ${module.symbol} is local`);
        const target = join(dirname(file.path), module.path);
        assert.ok(
          existsSync(target),
          `${file.name} module ${module.symbol} points at ${module.path}, which exists`,
        );
        assert.ok(
          templates.some((candidate) => candidate.path === target),
          `${module.path} is among the parsed templates`,
        );
      }
    }
  });

  it('reaches every module from main.bicep', () => {
    const reached = new Set<string>([mainTemplatePath]);
    const queue = [mainTemplatePath];
    for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
      const file = templates.find((candidate) => candidate.path === path);
      for (const module of file?.modules ?? []) {
        const target = join(dirname(path), module.path);
        if (!reached.has(target)) {
          reached.add(target);
          queue.push(target);
        }
      }
    }
    const unreached = templates.filter((file) => !reached.has(file.path)).map((file) => file.name);
    assert.deepEqual(unreached, [], 'no template is left out of the deployment');
  });
});
