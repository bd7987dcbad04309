/**
 * The local Entra ID's authorization-code rules, driven by the real msal-node: they are what make the bootstrap
 * tests mean something, so each refusal is shown to happen. (The client-type rules are shown in
 * client-binding.test.ts and bootstrap.test.ts.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfidentialClientApplication, CryptoProvider } from '@azure/msal-node';
import { msalAuth, quietMsal } from '../../shared/credentials/azure';
import { startFakeEntra, type FakeEntra } from '../support/fake-entra';
import { makeLoopbackCertificate, trustForFetch } from '../support/tls';

const certificate = makeLoopbackCertificate();
const redirectUri = 'http://localhost:8400';
let entra: FakeEntra;
let untrust: () => Promise<void>;

before(async () => {
  untrust = trustForFetch(certificate);
  entra = await startFakeEntra({ certificate });
  entra.redirectUris.push(redirectUri);
});

after(async () => {
  await entra.close();
  await untrust();
});

const scope = 'https://api.partner.microsoft.com/.default';
const client = () =>
  new ConfidentialClientApplication({
    auth: {
      ...msalAuth({ authorityHost: entra.url }, entra.tenantId, entra.clientId),
      clientSecret: entra.clientSecret,
    },
    system: quietMsal,
  });

/** Signs in through the authorization endpoint, as a browser would, and returns the code it redirects with. */
async function codeFor(app: ConfidentialClientApplication, challenge: string): Promise<string> {
  const url = await app.getAuthCodeUrl({
    scopes: [scope],
    redirectUri,
    codeChallenge: challenge,
    codeChallengeMethod: 'S256',
  });
  const response = await fetch(url, { redirect: 'manual' });
  const code = new URL(response.headers.get('location') ?? '').searchParams.get('code');
  assert.ok(code);
  return code;
}

const errorNo = (error: unknown) => String((error as { errorNo?: unknown }).errorNo);

describe('the local Entra ID, authorization code', () => {
  it('redeems a code with the right PKCE verifier and redirect URI', async () => {
    const app = client();
    const pkce = await new CryptoProvider().generatePkceCodes();
    const result = await app.acquireTokenByCode({
      code: await codeFor(app, pkce.challenge),
      scopes: [scope],
      redirectUri,
      codeVerifier: pkce.verifier,
    });
    assert.ok(result.accessToken);
  });

  it('refuses a verifier that does not match the challenge: invalid_grant AADSTS501481', async () => {
    const app = client();
    const pkce = await new CryptoProvider().generatePkceCodes();
    const other = await new CryptoProvider().generatePkceCodes();
    const code = await codeFor(app, pkce.challenge);
    await assert.rejects(
      app.acquireTokenByCode({ code, scopes: [scope], redirectUri, codeVerifier: other.verifier }),
      (error: unknown) => errorNo(error) === '501481',
    );
  });

  it('refuses a redirect URI other than the one the code was issued for: AADSTS50011', async () => {
    const app = client();
    const pkce = await new CryptoProvider().generatePkceCodes();
    const code = await codeFor(app, pkce.challenge);
    await assert.rejects(
      app.acquireTokenByCode({
        code,
        scopes: [scope],
        redirectUri: 'http://localhost:9999',
        codeVerifier: pkce.verifier,
      }),
      (error: unknown) => errorNo(error) === '50011',
    );
  });

  it('redeems a code once: AADSTS54005 the second time', async () => {
    const app = client();
    const pkce = await new CryptoProvider().generatePkceCodes();
    const code = await codeFor(app, pkce.challenge);
    const request = { code, scopes: [scope], redirectUri, codeVerifier: pkce.verifier };
    await app.acquireTokenByCode(request);
    await assert.rejects(
      client().acquireTokenByCode(request),
      (error: unknown) => errorNo(error) === '54005',
    );
  });
});
