/**
 * docs/deploy.md explains every app setting; this keeps the explanation from falling behind the Bicep.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repositoryRoot } from './support/bicep';
import { appSettings, template } from './support/templates';

const deployDoc = readFileSync(join(repositoryRoot, 'docs', 'deploy.md'), 'utf8');

describe('docs/deploy.md', () => {
  it('explains every app setting the Bicep sets', () => {
    const unexplained = appSettings()
      .map((setting) => setting.name)
      .filter((name) => !deployDoc.includes(`\`${name}\``));
    assert.deepEqual(unexplained, []);
  });

  it('names every output a reader needs after deploying', () => {
    for (const name of ['SERVICE_API_URI', 'AZURE_FUNCTION_APP_NAME', 'AZURE_KEY_VAULT_NAME']) {
      assert.ok(
        template('main.bicep').outputs.some((output) => output.name === name),
        `main.bicep outputs ${name}`,
      );
      assert.ok(deployDoc.includes(`\`${name}\``), `docs/deploy.md mentions ${name}`);
    }
  });
});
