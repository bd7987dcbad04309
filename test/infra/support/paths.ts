import { join, resolve } from 'node:path';

export const repositoryRoot = resolve(__dirname, '..', '..', '..');

/**
 * The templates under test. INFRA_DIR points the tests at another copy, which is how the mutation suite
 * (scripts/infra-mutations.ts) runs them against one broken template at a time.
 */
export const infraDirectory = process.env['INFRA_DIR']
  ? resolve(process.env['INFRA_DIR'])
  : join(repositoryRoot, 'infra');
