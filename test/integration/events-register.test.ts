/**
 * `npm run events:register`, end to end against the simulator's webhook registration API over real sockets: its
 * main function runs with injected standard streams, the simulator delivers real signed events to a real
 * receiver, and in Key Vault mode the token comes from the real msal-node against the local Entra ID, for the
 * registration API's own audience.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { PassThrough } from 'node:stream';
import { after, before, beforeEach, describe, it } from 'node:test';
import { closeServer, listen, readBody } from '../../dev/node-http';
import { startSimulator, type Simulator } from '../../dev/simulator/server';
import { main, type RegisterIo } from '../../scripts/events-register';
import { installLeakGuard } from '../support/leak-guard';
import { startKeyVaultStack } from '../support/key-vault-stack';
import { makeLoopbackCertificate } from '../support/tls';

const referralsToken = 'referrals-audience-token-0123456789';
const registrationToken = 'partnercenter-audience-token-0123456789';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the command as a person (interactive, answering `answer`) or a pipeline would. */
async function run(
  args: readonly string[],
  env: Record<string, string>,
  options: { interactive?: boolean; answer?: string; io?: Partial<RegisterIo> } = {},
): Promise<Run> {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  if (options.answer !== undefined) stdin.end(`${options.answer}\n`);
  const code = await main(args, {
    env,
    stdin,
    stdout,
    stderr,
    interactive: options.interactive ?? false,
    pollIntervalMs: 10,
    pollTimeoutMs: 5_000,
    ...options.io,
  });
  return { code, stdout: out, stderr: err };
}

describe('npm run events:register', () => {
  let simulator: Simulator;
  let receiver: ReturnType<typeof createServer>;
  let receiverUrl: string;
  let receiverStatus = 200;
  let env: Record<string, string>;

  before(async () => {
    receiver = createServer((request, response) => {
      void readBody(request).then(() => {
        response.writeHead(receiverStatus);
        response.end();
      });
    });
    receiverUrl = `http://127.0.0.1:${String(await listen(receiver, 0, '127.0.0.1'))}/api/events/partner-center`;
    simulator = await startSimulator({
      accessToken: referralsToken,
      registrationAccessToken: registrationToken,
      eventRetryDelayMs: 5,
    });
    env = {
      PARTNER_CENTER_EVENTS_BASE_URL: `${simulator.url}/webhooks/v1`,
      PARTNER_CENTER_EVENTS_ACCESS_TOKEN: registrationToken,
    };
  });
  after(async () => {
    await simulator.close();
    await closeServer(receiver);
  });
  beforeEach(() => {
    simulator.reset();
    receiverStatus = 200;
  });

  const methods = () =>
    simulator.calls.filter((call) => call.path === '/webhooks/v1/registration').map((call) => call.method);

  it('registers every referral event Partner Center offers, plus test-created, when none is registered', async () => {
    const result = await run(['--url', receiverUrl], env);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(methods(), ['GET', 'POST']);
    const registration = simulator.events.registration();
    assert.equal(registration?.WebhookUrl, receiverUrl);
    assert.deepEqual(registration?.WebhookEvents, [
      'referral-created',
      'referral-updated',
      'related-referral-created',
      'related-referral-updated',
      'test-created',
    ]);
    assert.match(result.stdout, /Registered:/);
    assert.match(result.stdout, new RegExp(`SubscriberId: ${registration?.SubscriberId ?? '-'}`));
    assert.ok(!result.stdout.includes(registrationToken) && !result.stderr.includes(registrationToken));
  });

  it('refuses an event Partner Center does not offer, registering nothing (exit 2)', async () => {
    const result = await run(['--url', receiverUrl, '--events', 'referral-updated,referral-deleted'], env);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /does not offer referral-deleted/);
    assert.equal(simulator.events.registration(), undefined);
  });

  it('changes nothing when the registration is already the one asked for', async () => {
    await run(['--url', receiverUrl, '--events', 'referral-updated'], env);
    const again = await run(['--url', receiverUrl, '--events', 'referral-updated'], env);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /nothing to change/);
    assert.deepEqual(methods(), ['GET', 'POST', 'GET']);
  });

  describe('a registration that differs', () => {
    const elsewhere = 'https://old-receiver.example/api/events';
    beforeEach(async () => {
      await run(['--url', elsewhere, '--events', 'referral-created'], env);
    });

    it('without a terminal and without --yes: refused with the reason and exit 2, nothing changed', async () => {
      const result = await run(['--url', receiverUrl], env);
      assert.equal(result.code, 2);
      assert.match(result.stdout, /already has a registration that differs/);
      assert.match(result.stdout, new RegExp(`WebhookUrl: ${elsewhere}`));
      assert.match(result.stderr, /without confirmation: run again with --yes/);
      assert.equal(simulator.events.registration()?.WebhookUrl, elsewhere);
    });

    it('asked at a terminal: anything but yes leaves it (exit 1); y replaces it with PUT, keeping the SubscriberId', async () => {
      const subscriberId = simulator.events.registration()?.SubscriberId;
      const declined = await run(['--url', receiverUrl], env, { interactive: true, answer: '' });
      assert.equal(declined.code, 1);
      assert.match(declined.stdout, /Replace it\? \[y\/N\]/);
      assert.equal(simulator.events.registration()?.WebhookUrl, elsewhere);
      const accepted = await run(['--url', receiverUrl], env, { interactive: true, answer: 'y' });
      assert.equal(accepted.code, 0, accepted.stderr);
      assert.match(accepted.stdout, /Replaced the registration/);
      assert.equal(simulator.events.registration()?.WebhookUrl, receiverUrl);
      assert.equal(simulator.events.registration()?.SubscriberId, subscriberId);
      assert.deepEqual(methods().slice(-2), ['GET', 'PUT']);
    });

    it('--yes replaces without asking', async () => {
      const result = await run(['--url', receiverUrl, '--yes', '--ms-signature-header'], env);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(simulator.events.registration()?.SignatureTokenToMsSignatureHeader, true);
    });
  });

  it('--validate sends a test event through Partner Center and prints each delivery attempt', async () => {
    const result = await run(['--url', receiverUrl, '--events', 'referral-updated', '--validate'], env);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Adding test-created/);
    assert.match(result.stdout, /Validation event sent \(correlation id [0-9a-f-]{36}\)/);
    assert.match(result.stdout, /attempt 1: \S+ 200 HTTP 200/);
    assert.match(result.stdout, /The receiver accepted the validation event/);
  });

  it('--validate reports a receiver that refuses the event (exit 1), with every attempt', async () => {
    receiverStatus = 401;
    const result = await run(['--url', receiverUrl, '--validate'], env);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /attempt 10: \S+ 401/);
    assert.match(result.stderr, /did not accept the validation event/);
  });

  it('with the referrals API’s token, says the registration API needs its own audience (exit 1)', async () => {
    const result = await run(['--url', receiverUrl], {
      PARTNER_CENTER_EVENTS_BASE_URL: env['PARTNER_CENTER_EVENTS_BASE_URL'] ?? '',
      PARTNER_CENTER_ACCESS_TOKEN: referralsToken,
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /HTTP 401 .*https:\/\/api\.partnercenter\.microsoft\.com/);
    assert.ok(!result.stderr.includes(referralsToken));
  });

  it('refuses bad arguments with the usage (exit 2)', async () => {
    assert.equal((await run([], env)).code, 2);
    assert.match((await run(['--url', 'not a url'], env)).stderr, /absolute URL/);
    assert.match((await run(['--url', receiverUrl, '--force'], env)).stderr, /unknown argument --force/);
  });
});

describe('npm run events:register in Key Vault mode', () => {
  it('mints the registration token from the stored refresh token for https://api.partnercenter.microsoft.com/.default', async () => {
    const certificate = makeLoopbackCertificate();
    const guard = installLeakGuard();
    const stack = await startKeyVaultStack({
      certificate,
      guard,
      simulator: { registrationAccessToken: registrationToken },
    });
    try {
      stack.entra.nextAccessTokens.push(registrationToken);
      const result = await run(
        ['--url', 'https://facade.example/api/events/partner-center', '--events', 'referral-updated'],
        {
          PARTNER_CENTER_EVENTS_BASE_URL: `${stack.simulator.url}/webhooks/v1`,
          KEY_VAULT_URL: stack.vault.url,
          AZURE_AUTHORITY_HOST: stack.entra.url,
        },
        {
          io: {
            keyVault: {
              credential: stack.vault.credential,
              secretClientOptions: {
                tlsOptions: { ca: certificate.cert },
                disableChallengeResourceVerification: true,
                retryOptions: { maxRetries: 0 },
              },
              log: guard.operatorLog,
            },
          },
        },
      );
      assert.equal(result.code, 0, result.stderr);
      assert.equal(stack.entra.calls.at(-1)?.grantType, 'refresh_token');
      assert.equal(stack.entra.calls.at(-1)?.scope, 'https://api.partnercenter.microsoft.com/.default');
      assert.equal(
        stack.simulator.events.registration()?.WebhookUrl,
        'https://facade.example/api/events/partner-center',
      );
      guard.record(result.stdout);
      guard.record(result.stderr);
      assert.deepEqual(guard.leaked(stack.entra.issued), []);
    } finally {
      guard.restore();
      await stack.close();
    }
  });
});
