/**
 * docs/deploy.md explains every app setting, output and azd environment value; this keeps the explanation from
 * falling behind the Bicep.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { skipWithoutBicep } from './support/compile';
import { appSettingsOf, deployed, parametersFile, single } from './support/deployment';
import { repositoryRoot } from './support/paths';

const deployDoc = readFileSync(join(repositoryRoot, 'docs', 'deploy.md'), 'utf8');

describe('docs/deploy.md', { skip: skipWithoutBicep() }, () => {
  it('explains every app setting the Bicep sets', () => {
    const names = [...appSettingsOf(single(deployed(), 'Microsoft.Web/sites')).keys()];
    assert.deepEqual(
      names.filter((name) => !deployDoc.includes(`\`${name}\``)),
      [],
    );
  });

  it('names every output a reader needs after deploying', () => {
    for (const name of ['SERVICE_API_URI', 'AZURE_FUNCTION_APP_NAME', 'AZURE_KEY_VAULT_NAME']) {
      assert.ok(name in deployed().outputs, `main.bicep outputs ${name}`);
      assert.ok(deployDoc.includes(`\`${name}\``), `docs/deploy.md mentions ${name}`);
    }
  });

  it('names every azd environment value main.parameters.json reads', () => {
    const values = JSON.stringify(parametersFile()).match(/\$\{[A-Z0-9_]+/g) ?? [];
    const names = [...new Set(values.map((value) => value.slice(2)))];
    assert.deepEqual(
      names.filter((name) => !deployDoc.includes(name)),
      [],
    );
  });
});
