/**
 * infra/ as the real Bicep compiler sees it: every template compiles and lints clean with infra/bicepconfig.json,
 * with no warning either (an API version or property the compiler's type definitions do not know is a warning),
 * and every .bicep file is part of the deployment.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import type { ArmTemplate, Json } from './support/arm';
import { compiledInfra, skipWithoutBicep, type Diagnostic } from './support/compile';
import { infraDirectory } from './support/paths';

const show = (diagnostics: readonly Diagnostic[]) =>
  diagnostics.map((d) => `${d.file}:${d.line} ${d.level} ${d.code}: ${d.message}`);

function templateHash(template: ArmTemplate | Json): string | undefined {
  const metadata = (template as { metadata?: { _generator?: { templateHash?: string } } }).metadata;
  return metadata?._generator?.templateHash;
}

/** The templateHash of every nested deployment, at any depth. */
function nestedHashes(template: ArmTemplate): string[] {
  const resources = Array.isArray(template.resources)
    ? template.resources
    : Object.values(template.resources);
  return resources.flatMap((resource) => {
    const nested = (resource['properties'] as { template?: ArmTemplate } | undefined)?.template;
    if (nested === undefined) return [];
    const hash = templateHash(nested);
    return [...(hash ? [hash] : []), ...nestedHashes(nested)];
  });
}

describe('infra/ compiled by the Bicep CLI', { skip: skipWithoutBicep() }, () => {
  it('builds every template without an error or a warning', () => {
    const compiled = compiledInfra();
    assert.deepEqual(show(compiled.buildDiagnostics), []);
    assert.equal(compiled.buildExitCode, 0);
  });

  it('lints clean with infra/bicepconfig.json, whose rules that matter are errors', () => {
    const compiled = compiledInfra();
    assert.deepEqual(show(compiled.lintDiagnostics), []);
    assert.equal(compiled.lintExitCode, 0);
  });

  it('deploys every .bicep file under infra/ from main.bicep', () => {
    const compiled = compiledInfra();
    const main = compiled.templates['main.json'];
    assert.ok(main, 'main.bicep compiles');
    const reached = new Set(nestedHashes(main));
    const files = readdirSync(infraDirectory, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith('.bicep') && entry.name !== 'main.bicep')
      .map((entry) => relative(infraDirectory, join(entry.parentPath, entry.name)));
    assert.ok(files.length > 1, 'main.bicep is split into modules');
    const unreached = files.filter((file) => {
      const standalone = compiled.templates[file.replace(/\.bicep$/, '.json')];
      return standalone === undefined || !reached.has(templateHash(standalone) ?? '');
    });
    assert.deepEqual(unreached, [], 'modules main.bicep does not deploy');
  });
});
