/**
 * Expiry you can see coming: readiness shows the refresh token's age and days left, and the app credential's
 * expiry when Key Vault knows it (the secret's expiry attribute, or the certificate's validity), warning from
 * 14 days before; the same facts go out as operator events an alert rule can key on.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { defaultSecretNames } from '../../shared/config';
import { PEM_CONTENT_TYPE } from '../../shared/credentials/certificate';
import { readinessReportSchema } from '../../shared/health/readiness';
import { makeAppCertificate } from '../support/app-certificate';
import { installLeakGuard } from '../support/leak-guard';
import {
  startKeyVaultStack,
  type KeyVaultStack,
  type KeyVaultStackOptions,
} from '../support/key-vault-stack';
import { makeLoopbackCertificate } from '../support/tls';

const guard = installLeakGuard();
const certificate = makeLoopbackCertificate();
const DAY = 86_400_000;
const stacks: KeyVaultStack[] = [];
const shortCertificate = makeAppCertificate(10);

async function stack(options: Partial<KeyVaultStackOptions> = {}): Promise<KeyVaultStack> {
  const started = await startKeyVaultStack({ certificate, guard, ...options });
  stacks.push(started);
  return started;
}

const readiness = async (kv: KeyVaultStack) => {
  const reply = await kv.call('/health/ready');
  return { status: reply.status, report: readinessReportSchema.parse(JSON.parse(reply.body)) };
};
const eventsNamed = (name: string) => guard.events.filter((entry) => entry.event === name);

after(async () => {
  for (const started of stacks) await started.close();
  const secrets = stacks.flatMap((started) => [...started.entra.issued, started.vault.accessToken]);
  assert.deepEqual(guard.leaked([...secrets, shortCertificate.pem]), []);
  guard.restore();
});

describe('the app credential', () => {
  it('a client secret whose Key Vault expiry is 10 days away: ready, with a warning and app-credential-expiring', async () => {
    const kv = await stack();
    kv.vault.seed(defaultSecretNames.clientSecret, kv.entra.clientSecret, undefined, {
      expires: Date.now() + 10 * DAY,
    });
    const { status, report } = await readiness(kv);
    assert.equal(status, 200);
    assert.equal(report.checks.appCredential.status, 'warn');
    assert.equal(report.checks.appCredential.kind, 'client-secret');
    assert.equal(Math.round(report.checks.appCredential.daysToExpiry ?? 0), 10);
    const [event] = eventsNamed('app-credential-expiring');
    assert.equal(event?.level, 'warn');
    assert.equal(event.fields['secret'], defaultSecretNames.clientSecret);
    assert.equal(Math.round(Number(event.fields['daysToExpiry'])), 10);
  });

  it('an expired client secret: not ready, the appCredential check named, and app-credential-expired', async () => {
    const kv = await stack();
    kv.vault.seed(defaultSecretNames.clientSecret, kv.entra.clientSecret, undefined, {
      expires: Date.now() - DAY,
    });
    const { status, report } = await readiness(kv);
    assert.equal(status, 503);
    assert.equal(report.checks.appCredential.status, 'fail');
    assert.equal(eventsNamed('app-credential-expired')[0]?.level, 'error');
  });

  it("a certificate valid for 10 more days: the warning comes from the certificate's own validity", async () => {
    const kv = await stack();
    kv.entra.registerCertificate(shortCertificate.certificatePem);
    kv.vault.seed('partner-center-client-certificate', shortCertificate.pem, undefined, {
      contentType: PEM_CONTENT_TYPE,
    });
    kv.vault.seed(defaultSecretNames.refreshToken, kv.entra.mintRefreshToken(), undefined, {
      tags: { 'issued-to': 'confidential-client', 'app-credential': 'partner-center-client-certificate' },
    });
    const { status, report } = await readiness(kv);
    assert.equal(status, 200);
    assert.equal(report.checks.token.status, 'pass', 'the facade signs in with the certificate');
    assert.equal(report.checks.appCredential.kind, 'certificate');
    assert.equal(report.checks.appCredential.status, 'warn');
    assert.equal(report.checks.appCredential.expiresOn, shortCertificate.notAfter.toISOString());
  });

  it('with no expiry known: passes, and says how to make Key Vault know it', async () => {
    const kv = await stack();
    const { report } = await readiness(kv);
    assert.equal(report.checks.appCredential.status, 'pass');
    assert.equal(report.checks.appCredential.expiresOn, undefined);
    assert.match(report.checks.appCredential.detail, /does not know when it expires/);
  });
});

describe('the refresh token', () => {
  it('80 days old with write-back failing: a warning with age and days left, and refresh-token-expiring once an hour', async () => {
    const kv = await stack({ refreshTokenStoredAt: Date.now() - 80 * DAY });
    kv.vault.refuseWrites = true;
    const first = await readiness(kv);
    await readiness(kv);
    assert.equal(first.status, 200);
    assert.equal(first.report.checks.refreshToken.status, 'warn');
    assert.equal(first.report.checks.refreshToken.ageDays, 80);
    assert.equal(first.report.checks.refreshToken.daysToExpiry, 10);
    assert.equal(first.report.checks.refreshToken.issuedTo, 'confidential-client');
    const events = eventsNamed('refresh-token-expiring');
    assert.equal(events.length, 1, 'not on every readiness poll');
    assert.equal(events[0]?.fields['daysToExpiry'], 10);
    assert.ok(eventsNamed('refresh-token-store-failed').length > 0, 'the cause is logged too');
  });
});
