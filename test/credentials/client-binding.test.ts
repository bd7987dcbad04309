/**
 * The facade redeems a stored refresh token the way it was issued, which its Key Vault tags record: a
 * public-client (device-code) token with no credential, a confidential-client token with the app credential. The
 * local Entra ID refuses the wrong way exactly as Entra ID does (AADSTS700025, AADSTS7000218), so a mislabelled
 * token shows up as credentials-rejected with a fix, not as a mystery.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { seededIds } from '../../dev/simulator/seed';
import { defaultSecretNames } from '../../shared/config';
import { installLeakGuard } from '../support/leak-guard';
import { startKeyVaultStack, type KeyVaultStack } from '../support/key-vault-stack';
import { makeLoopbackCertificate } from '../support/tls';

const guard = installLeakGuard();
const certificate = makeLoopbackCertificate();
const DAY = 86_400_000;
const referralPath = `/referrals/${seededIds.active}`;
const stacks: KeyVaultStack[] = [];

async function stack(): Promise<KeyVaultStack> {
  const started = await startKeyVaultStack({
    certificate,
    guard,
    refreshTokenStoredAt: Date.now() - 2 * DAY,
  });
  stacks.push(started);
  return started;
}

after(async () => {
  for (const started of stacks) await started.close();
  const secrets = stacks.flatMap((started) => [...started.entra.issued, started.vault.accessToken]);
  assert.deepEqual(guard.leaked(secrets), []);
  guard.restore();
});

const problemOf = (body: string) => JSON.parse(body) as { type: string; detail: string };

describe('a refresh token tagged as issued to a public client', () => {
  it('is redeemed with no credential, without even reading the app credential, and keeps its tag on rotation', async () => {
    const kv = await stack();
    kv.entra.allowPublicClientFlows = true;
    kv.vault.seed(
      defaultSecretNames.refreshToken,
      kv.entra.mintRefreshToken('public-client'),
      Date.now() - 2 * DAY,
      {
        tags: { 'issued-to': 'public-client' },
      },
    );
    assert.equal((await kv.call(referralPath)).status, 200);
    assert.equal(kv.entra.calls.at(-1)?.clientAuth, 'none');
    assert.equal(kv.vault.reads(defaultSecretNames.clientSecret), 0);
    assert.equal(kv.vault.writes(defaultSecretNames.refreshToken), 1, 'the rotated token was written back');
    assert.deepEqual(kv.vault.attributes(defaultSecretNames.refreshToken)?.tags, {
      'issued-to': 'public-client',
    });
    assert.equal(kv.entra.issuedToOf(kv.vault.value(defaultSecretNames.refreshToken) ?? ''), 'public-client');
  });
});

describe('a token redeemed the wrong way is refused as Entra ID refuses it', () => {
  it('a public-client token without its tag (so sent with the client secret): AADSTS700025, run the bootstrap again', async () => {
    const kv = await stack();
    kv.entra.allowPublicClientFlows = true;
    kv.vault.seed(defaultSecretNames.refreshToken, kv.entra.mintRefreshToken('public-client'));
    const reply = await kv.call(referralPath);
    assert.equal(reply.status, 503);
    const problem = problemOf(reply.body);
    assert.equal(problem.type, 'urn:referrals-facade:problem:credentials-rejected');
    assert.match(problem.detail, /AADSTS700025/);
    assert.match(problem.detail, /public client/);
    assert.match(problem.detail, /npm run bootstrap/);
    const logged = guard.events.find((entry) => entry.event === 'app-credentials-rejected');
    assert.match(String(logged?.fields['codes']), /AADSTS700025/);
  });

  it('a confidential-client token tagged public (so sent with no credential): AADSTS7000218', async () => {
    const kv = await stack();
    kv.entra.allowPublicClientFlows = true;
    kv.vault.seed(
      defaultSecretNames.refreshToken,
      kv.entra.mintRefreshToken('confidential-client'),
      undefined,
      {
        tags: { 'issued-to': 'public-client' },
      },
    );
    const problem = problemOf((await kv.call(referralPath)).body);
    assert.equal(problem.type, 'urn:referrals-facade:problem:credentials-rejected');
    assert.match(problem.detail, /AADSTS7000218/);
  });
});
