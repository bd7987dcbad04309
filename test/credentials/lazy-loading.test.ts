import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';

describe('the Azure SDKs', () => {
  it('load only when the Key Vault source first needs a token, never at start-up or in static-token mode', () => {
    const output = execFileSync(
      process.execPath,
      ['--import', 'tsx', join(__dirname, '..', 'support', 'probe-loaded-modules.ts')],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
    const report = JSON.parse(output.trim().split('\n').at(-1) ?? '') as {
      beforeFirstToken: string[];
      afterFirstToken: string[];
    };
    assert.deepEqual(report.beforeFirstToken, []);
    assert.deepEqual(report.afterFirstToken.sort(), ['identity', 'keyvault-secrets', 'msal-node']);
  });
});
