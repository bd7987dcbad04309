/**
 * Partner Center's refusal of a token without an MFA claim (401, error code 900421) made visible: its own
 * problem type with the fix, an operator event, and the readiness MFA check. The simulator's `mfa-required`
 * fault produces the refusal.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { seededIds } from '../../dev/simulator/seed';
import { readinessReportSchema } from '../../shared/health/readiness';
import { installLeakGuard } from '../support/leak-guard';
import { startKeyVaultStack, type KeyVaultStack } from '../support/key-vault-stack';
import { startStack } from '../support/stack';
import { makeLoopbackCertificate } from '../support/tls';

const guard = installLeakGuard();
const certificate = makeLoopbackCertificate();
const referralPath = `/referrals/${seededIds.active}`;
let kv: KeyVaultStack | undefined;

after(async () => {
  if (kv) {
    assert.deepEqual(guard.leaked([...kv.entra.issued, kv.vault.accessToken]), []);
    await kv.close();
  }
  guard.restore();
});

interface Problem {
  type: string;
  status: number;
  detail: string;
  upstream?: { status: number; code?: string };
}

describe('Partner Center answers 401 with error code 900421 (no MFA claim)', () => {
  it('in Key Vault mode: 503 credentials-mfa-required, saying to bootstrap again with MFA', async () => {
    kv = await startKeyVaultStack({ certificate, guard });
    // The first token and the renewed one alike: a renewal does not add MFA to the original sign-in.
    kv.simulator.failNext({ kind: 'mfa-required' }, { kind: 'mfa-required' });
    const reply = await kv.call(referralPath);
    assert.equal(reply.status, 503);
    assert.equal(reply.headers.get('retry-after'), '300');
    const problem = JSON.parse(reply.body) as Problem;
    assert.equal(problem.type, 'urn:referrals-facade:problem:credentials-mfa-required');
    assert.match(problem.detail, /npm run bootstrap/);
    assert.match(problem.detail, /MFA/);
    assert.deepEqual(problem.upstream, {
      status: 401,
      code: '900421',
      message: 'Multifactor authentication is required: the access token has no MFA claim.',
    });
  });

  it('logs the operator event credentials-mfa-required, once an hour at most', async () => {
    assert.ok(kv);
    kv.simulator.failNext({ kind: 'mfa-required' }, { kind: 'mfa-required' });
    assert.equal((await kv.call(referralPath)).status, 503);
    const events = guard.events.filter((entry) => entry.event === 'credentials-mfa-required');
    assert.equal(events.length, 1);
    assert.equal(events[0]?.level, 'error');
    assert.match(String(events[0]?.fields['action']), /bootstrap/);
  });

  it('fails the readiness MFA check by name, with when it was seen', async () => {
    assert.ok(kv);
    const reply = await kv.call('/health/ready');
    assert.equal(reply.status, 503);
    const report = readinessReportSchema.parse(JSON.parse(reply.body));
    assert.equal(report.checks.mfa.status, 'fail');
    assert.ok(report.checks.mfa.lastRefusedAt);
    assert.equal(
      report.checks.token.status,
      'pass',
      'Entra ID still issues tokens; Partner Center refuses them',
    );
  });

  it('other 401s stay upstream-unauthorized', async () => {
    assert.ok(kv);
    kv.simulator.failNext({ kind: 'status', status: 401 }, { kind: 'status', status: 401 });
    const problem = JSON.parse((await kv.call(referralPath)).body) as Problem;
    assert.equal(problem.type, 'urn:referrals-facade:problem:upstream-unauthorized');
  });

  it('in static-token mode too, the caller gets credentials-mfa-required', async () => {
    const local = await startStack();
    try {
      local.simulator.failNext({ kind: 'mfa-required' });
      const response = await fetch(`${local.api}${referralPath}`);
      const problem = (await response.json()) as Problem;
      assert.equal(problem.type, 'urn:referrals-facade:problem:credentials-mfa-required');
    } finally {
      await local.close();
    }
  });
});

describe('with no refusal seen', () => {
  it('the MFA check is skipped as unknown, never failed', async () => {
    const fresh = await startKeyVaultStack({ certificate, guard });
    try {
      const report = readinessReportSchema.parse(JSON.parse((await fresh.call('/health/ready')).body));
      assert.equal(report.checks.mfa.status, 'skipped');
      assert.match(report.checks.mfa.detail, /Unknown/);
      assert.equal(report.status, 'ready');
    } finally {
      await fresh.close();
    }
  });
});
