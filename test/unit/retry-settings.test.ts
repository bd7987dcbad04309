import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../shared/config';

const base = { PARTNER_CENTER_ACCESS_TOKEN: 'token' };

describe('retry settings', () => {
  it('default to a 60 s deadline and 4 attempts, well inside Power Automate’s 120 s', () => {
    assert.deepEqual(loadConfig(base).retry, { deadlineMs: 60_000, maxAttempts: 4 });
  });

  it('can be set, and blank means default', () => {
    const config = loadConfig({
      ...base,
      PARTNER_CENTER_DEADLINE_MS: '30000',
      PARTNER_CENTER_MAX_ATTEMPTS: '',
    });
    assert.deepEqual(config.retry, { deadlineMs: 30_000, maxAttempts: 4 });
  });

  for (const [name, value] of [
    ['PARTNER_CENTER_DEADLINE_MS', '120000'],
    ['PARTNER_CENTER_DEADLINE_MS', '500'],
    ['PARTNER_CENTER_MAX_ATTEMPTS', '0'],
    ['PARTNER_CENTER_MAX_ATTEMPTS', 'many'],
  ] as const) {
    it(`${name}=${value} is refused, naming the setting`, () => {
      assert.throws(
        () => loadConfig({ ...base, [name]: value }),
        (error: unknown) =>
          error instanceof ConfigError && error.problems.some((problem) => problem.startsWith(name)),
      );
    });
  }
});
