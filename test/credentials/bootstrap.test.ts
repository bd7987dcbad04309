/**
 * The bootstrap, both flows, end to end: real msal-node against the local Entra ID (which refuses what Entra ID
 * refuses: client types, PKCE, redirect URIs), the real SecretClient against the local Key Vault, and then the
 * facade itself, started on that vault, getting a token and making a call to the Partner Center simulator. The
 * operator's browser is played by `browse`: it follows the sign-in URL to Entra ID and Entra ID's redirect back to
 * the bootstrap's loopback listener, as a browser would.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { seededIds } from '../../dev/simulator/seed';
import { defaultSecretNames } from '../../shared/config';
import { PEM_CONTENT_TYPE } from '../../shared/credentials/certificate';
import {
  BootstrapError,
  defaultCertificateSecretName,
  runBootstrap,
  type BootstrapOptions,
} from '../../scripts/bootstrap/bootstrap';
import { makeAppCertificate } from '../support/app-certificate';
import { freePort } from '../support/free-port';
import { installLeakGuard } from '../support/leak-guard';
import { startKeyVaultStack, type KeyVaultStack } from '../support/key-vault-stack';
import { makeLoopbackCertificate } from '../support/tls';

const guard = installLeakGuard();
const certificate = makeLoopbackCertificate();
const appCertificate = makeAppCertificate();
const stacks: KeyVaultStack[] = [];
const secrets = new Set<string>([appCertificate.pem]);
const referralPath = `/referrals/${seededIds.active}`;

after(async () => {
  for (const started of stacks) await started.close();
  guard.restore();
});

interface Run {
  readonly kv: KeyVaultStack;
  readonly said: string[];
  readonly browsed: Promise<{ status: number; body: string }>[];
  readonly port: number;
  bootstrap(options?: Partial<BootstrapOptions>): ReturnType<typeof runBootstrap>;
}

/** Follows the sign-in URL to Entra ID, then Entra ID's redirect to the loopback listener. */
async function browse(url: string): Promise<{ status: number; body: string }> {
  const signIn = await fetch(url, { redirect: 'manual' });
  const location = signIn.headers.get('location');
  if (location === null) return { status: signIn.status, body: await signIn.text() };
  const back = await fetch(location);
  return { status: back.status, body: await back.text() };
}

/** An empty vault, an app registration with its Web redirect URI, and a facade that has not been called yet. */
async function setUp(): Promise<Run> {
  const kv = await startKeyVaultStack({ certificate, guard, seed: false });
  stacks.push(kv);
  const port = await freePort();
  kv.entra.redirectUris.push(`http://localhost:${String(port)}`);
  const said: string[] = [];
  const browsed: Promise<{ status: number; body: string }>[] = [];
  return {
    kv,
    said,
    browsed,
    port,
    bootstrap: (options = {}) =>
      runBootstrap({
        keyVault: kv.keyVault,
        credential: kv.vault.credential,
        secretClientOptions: {
          tlsOptions: { ca: certificate.cert },
          disableChallengeResourceVerification: true,
          retryOptions: { maxRetries: 0 },
        },
        port,
        signInTimeoutMs: 10_000,
        openBrowser: (url) => {
          browsed.push(browse(url));
        },
        say: (line) => {
          said.push(line);
          guard.record(line);
        },
        ...options,
      }),
  };
}

const firstRun = (kv: KeyVaultStack) => ({ tenantId: kv.entra.tenantId, clientId: kv.entra.clientId });

describe('the default bootstrap: browser sign-in (authorization code, PKCE, loopback redirect)', () => {
  it('signs in as a confidential client and stores the token tagged as issued to one', async () => {
    const run = await setUp();
    const { kv } = run;
    const result = await run.bootstrap({ ...firstRun(kv), clientSecret: kv.entra.clientSecret });
    assert.equal(result.signedInAs, 'referrals-integration@contoso.example');
    assert.equal(result.issuedTo, 'confidential-client');

    const authorize = kv.entra.authorizeRequests[0];
    assert.ok(authorize);
    assert.equal(authorize.get('redirect_uri'), `http://localhost:${String(run.port)}`);
    assert.equal(authorize.get('code_challenge_method'), 'S256');
    assert.equal(authorize.get('prompt'), 'login', 'a fresh sign-in, not the SSO session of whoever runs it');
    assert.ok(
      run.said.some((line) => line.startsWith(`${kv.entra.url}/${kv.entra.tenantId}/oauth2/v2.0/authorize?`)),
    );
    assert.equal((await run.browsed[0])?.status, 200);

    assert.deepEqual(
      kv.entra.calls.map((call) => [call.grantType, call.clientAuth]),
      [
        ['authorization_code', 'secret'],
        ['refresh_token', 'secret'], // the proof, made by the facade's own exchange
      ],
    );
    const stored = kv.vault.value(defaultSecretNames.refreshToken) ?? '';
    assert.equal(kv.entra.issuedToOf(stored), 'confidential-client');
    assert.deepEqual(kv.vault.attributes(defaultSecretNames.refreshToken)?.tags, {
      'issued-to': 'confidential-client',
      'app-credential': defaultSecretNames.clientSecret,
    });
  });

  it('ends in a running facade that gets a token with the client secret and makes a call', async () => {
    const run = await setUp();
    const { kv } = run;
    await run.bootstrap({ ...firstRun(kv), clientSecret: kv.entra.clientSecret });
    const reply = await kv.call(referralPath);
    assert.equal(reply.status, 200);
    assert.equal(kv.simulator.calls.length, 1);
    assert.equal(kv.entra.calls.at(-1)?.grantType, 'refresh_token');
    assert.equal(kv.entra.calls.at(-1)?.clientAuth, 'secret');
  });

  it('with a certificate as the app credential: signs client assertions, stores the PEM, and the facade uses it', async () => {
    const run = await setUp();
    const { kv } = run;
    kv.entra.registerCertificate(appCertificate.certificatePem);
    const result = await run.bootstrap({ ...firstRun(kv), clientCertificatePem: appCertificate.pem });
    assert.equal(result.appCredentialSecret, defaultCertificateSecretName);
    assert.equal(kv.vault.value(defaultCertificateSecretName), appCertificate.pem);
    const attributes = kv.vault.attributes(defaultCertificateSecretName);
    assert.equal(attributes?.contentType, PEM_CONTENT_TYPE);
    assert.equal(attributes.expires, Math.floor(appCertificate.notAfter.getTime() / 1_000) * 1_000);
    assert.equal(kv.vault.value(defaultSecretNames.clientSecret), undefined, 'no client secret is needed');

    assert.equal((await kv.call(referralPath)).status, 200);
    assert.ok(kv.entra.calls.every((call) => call.clientAuth === 'assertion'));
    const ready = JSON.parse((await kv.call('/health/ready')).body) as {
      checks: { appCredential: { status: string; kind: string; daysToExpiry: number } };
    };
    assert.equal(ready.checks.appCredential.status, 'pass');
    assert.equal(ready.checks.appCredential.kind, 'certificate');
    assert.ok(ready.checks.appCredential.daysToExpiry > 360);
  });

  it('refuses an answer whose state does not match, and goes on waiting for the real one', async () => {
    const run = await setUp();
    const { kv } = run;
    let forged: { status: number; body: string } | undefined;
    const result = await run.bootstrap({
      ...firstRun(kv),
      clientSecret: kv.entra.clientSecret,
      openBrowser: (url) => {
        run.browsed.push(
          (async () => {
            // Someone else's redirect arrives first: a code for another sign-in.
            const attack = await fetch(
              `http://localhost:${String(run.port)}/?code=stolen-code&state=not-this-one`,
            );
            forged = { status: attack.status, body: await attack.text() };
            return browse(url);
          })(),
        );
      },
    });
    assert.equal(forged?.status, 400);
    assert.match(forged.body, /state mismatch/);
    assert.ok(run.said.some((line) => /state did not match/.test(line)));
    assert.equal(result.issuedTo, 'confidential-client');
    assert.equal(
      kv.entra.calls.filter((call) => call.grantType === 'authorization_code').length,
      1,
      'the forged code was never redeemed',
    );
  });

  it('times out cleanly when nobody signs in, storing nothing and freeing the port', async () => {
    const run = await setUp();
    const { kv } = run;
    const started = Date.now();
    await assert.rejects(
      run.bootstrap({
        ...firstRun(kv),
        clientSecret: kv.entra.clientSecret,
        signInTimeoutMs: 300,
        openBrowser: () => undefined,
      }),
      (error: unknown) => error instanceof BootstrapError && /No sign-in arrived/.test(error.message),
    );
    assert.ok(Date.now() - started < 5_000);
    assert.equal(kv.vault.value(defaultSecretNames.refreshToken), undefined);
    await assert.rejects(fetch(`http://127.0.0.1:${String(run.port)}/`), 'nothing listens any more');
  });

  it('reports a sign-in the user declined, with Entra ID’s code', async () => {
    const run = await setUp();
    const { kv } = run;
    kv.entra.nextSignIn = 'deny';
    await assert.rejects(
      run.bootstrap({ ...firstRun(kv), clientSecret: kv.entra.clientSecret }),
      (error: unknown) => error instanceof BootstrapError && /access_denied, AADSTS65004/.test(error.message),
    );
    assert.equal(kv.vault.value(defaultSecretNames.refreshToken), undefined);
  });

  it('with a redirect URI the app does not list: Entra ID shows AADSTS50011 and never redirects', async () => {
    const run = await setUp();
    const { kv } = run;
    kv.entra.redirectUris.length = 0;
    await assert.rejects(
      run.bootstrap({ ...firstRun(kv), clientSecret: kv.entra.clientSecret, signInTimeoutMs: 1_000 }),
      BootstrapError,
    );
    const page = await run.browsed[0];
    assert.equal(page?.status, 400);
    assert.match(page.body, /AADSTS50011/);
  });

  it('with a wrong client secret: the code redemption fails with AADSTS7000215 and nothing is stored', async () => {
    const run = await setUp();
    const { kv } = run;
    secrets.add('not-the-secret');
    await assert.rejects(
      run.bootstrap({ ...firstRun(kv), clientSecret: 'not-the-secret' }),
      (error: unknown) =>
        error instanceof BootstrapError && /invalid_client, AADSTS7000215/.test(error.message),
    );
    assert.equal(kv.vault.value(defaultSecretNames.refreshToken), undefined);
  });

  it('run again, needs only the vault: it reads ids and credential from it and replaces only the refresh token', async () => {
    const run = await setUp();
    const { kv } = run;
    kv.entra.registerCertificate(appCertificate.certificatePem);
    await run.bootstrap({ ...firstRun(kv), clientCertificatePem: appCertificate.pem });
    const first = kv.vault.value(defaultSecretNames.refreshToken);
    await run.bootstrap();
    assert.notEqual(kv.vault.value(defaultSecretNames.refreshToken), first);
    assert.equal(kv.vault.versions(defaultCertificateSecretName).length, 1);
    assert.ok(
      kv.entra.calls.every((call) => call.clientAuth === 'assertion'),
      'the certificate named by the tag',
    );
  });

  it('without ids on an empty vault: a clear error naming the missing flag', async () => {
    const run = await setUp();
    await assert.rejects(
      run.bootstrap(),
      (error: unknown) => error instanceof BootstrapError && /--tenant/.test(error.message),
    );
  });
});

describe('the device-code bootstrap (--device-code), for a machine without a browser', () => {
  it('signs in as a public client and stores the token tagged as issued to one, with no app credential', async () => {
    const run = await setUp();
    const { kv } = run;
    kv.entra.allowPublicClientFlows = true;
    const result = await run.bootstrap({ ...firstRun(kv), flow: 'device-code' });
    assert.equal(result.issuedTo, 'public-client');
    assert.ok(run.said.some((line) => line.includes('FAKE-CODE')));
    assert.deepEqual(
      kv.entra.calls.map((call) => [call.grantType, call.clientAuth]),
      [
        ['device_code', 'none'], // pending
        ['device_code', 'none'], // signed in
        ['refresh_token', 'none'], // the proof, by the facade's own exchange, as a public client
      ],
    );
    const stored = kv.vault.value(defaultSecretNames.refreshToken) ?? '';
    assert.equal(kv.entra.issuedToOf(stored), 'public-client');
    assert.deepEqual(kv.vault.attributes(defaultSecretNames.refreshToken)?.tags, {
      'issued-to': 'public-client',
    });
    assert.equal(kv.vault.value(defaultSecretNames.clientSecret), undefined);
  });

  it('ends in a running facade that redeems the token with no credential and makes a call', async () => {
    const run = await setUp();
    const { kv } = run;
    kv.entra.allowPublicClientFlows = true;
    await run.bootstrap({ ...firstRun(kv), flow: 'device-code' });
    assert.equal((await kv.call(referralPath)).status, 200);
    assert.equal(kv.simulator.calls.length, 1);
    assert.equal(kv.entra.calls.at(-1)?.clientAuth, 'none');
    const ready = JSON.parse((await kv.call('/health/ready')).body) as {
      checks: { refreshToken: { issuedTo: string }; appCredential: { status: string } };
    };
    assert.equal(ready.checks.refreshToken.issuedTo, 'public-client');
    assert.equal(ready.checks.appCredential.status, 'skipped');
  });

  it('when the app does not allow public client flows: refused (AADSTS7000218), and says which setting to change', async () => {
    const run = await setUp();
    const { kv } = run;
    await assert.rejects(
      run.bootstrap({ ...firstRun(kv), flow: 'device-code' }),
      (error: unknown) =>
        error instanceof BootstrapError && /Allow public client flows: Yes/.test(error.message),
    );
    assert.equal(kv.vault.value(defaultSecretNames.refreshToken), undefined);
  });
});

describe('output and logs of the bootstrap', () => {
  it('contain no secret or token value', () => {
    for (const started of stacks) {
      for (const value of [...started.entra.issued, started.vault.accessToken]) secrets.add(value);
    }
    assert.ok(guard.lines.length > 20);
    assert.deepEqual(guard.leaked(secrets), []);
  });
});
