/**
 * Partner Center's event signature, verified as the reference's steps say (events-auth-and-senders.md §3):
 * headers, the certificate from its URL, the chain to a trusted root, the organisation, RSA-SHA256 over the raw
 * body. Every certificate here is real (made by openssl for this run), every signature is made with node:crypto,
 * and the certificate is served by a real local http or https server.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Agent, fetch as undiciFetch } from 'undici';
import { ConfigError } from '../../shared/config';
import {
  createEventSignatureVerifier,
  defaultTrustedRoots,
  loadEventSignatureSettings,
  MAX_CERTIFICATE_BYTES,
  MAX_CONCURRENT_DOWNLOADS,
  type CertificateFetch,
  type EventSignatureOptions,
  type EventSignatureSettings,
} from '../../shared/event-signature';
import { ProblemError } from '../../shared/failures/problem';
import { closeServer, listen } from '../../dev/node-http';
import { issueCertificate, makeSigningChain, type SigningChain } from '../../dev/simulator/test-ca';
import { startHttpsServer, type RunningServer } from '../support/https-fake';
import { makeLoopbackCertificate } from '../support/tls';

type Route = (request: IncomingMessage, response: ServerResponse) => void;

const serve =
  (content: string | Uint8Array, headers: Record<string, string> = {}): Route =>
  (_request, response) => {
    response.writeHead(200, { 'content-type': 'application/x-pem-file', ...headers });
    response.end(content);
  };

/** Fails with `kind`, status and a detail matching `detail`; returns the problem for further checks. */
async function refused(
  promise: Promise<void>,
  kind: string,
  status: number,
  detail?: RegExp,
): Promise<ProblemError['problem']> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ProblemError, `a problem, not ${String(error)}`);
    assert.equal(error.problem.kind, kind, error.problem.detail);
    assert.equal(error.problem.status, status);
    if (detail) assert.match(error.problem.detail, detail);
    return error.problem;
  }
  assert.fail(`expected ${kind}`);
}

const body = Buffer.from(
  JSON.stringify({
    EventName: 'referral-updated',
    ResourceUri:
      'https://api.partnercenter.microsoft.com/engagements/v1/referrals/6ee3a1d2-4f43-4c6e-b6a9-0c7b2ea8d3f1',
    ResourceName: 'referral',
    AuditUri: null,
    ResourceChangeUtcDate: '2026-12-06T03:00:00.000Z',
  }),
  'utf8',
);

describe('Partner Center event signature', () => {
  let good: SigningChain;
  let other: SigningChain;
  let contosoLeaf: ReturnType<typeof issueCertificate>;
  let httpUrl: string;
  let https: RunningServer;
  let agent: Agent;
  const routes = new Map<string, Route>();
  const hits = new Map<string, number>();
  let server: ReturnType<typeof createServer>;

  const dispatch: Route = (request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const route = routes.get(path);
    if (route) route(request, response);
    else {
      response.writeHead(404);
      response.end();
    }
  };

  /** Settings that trust `good`'s root and fetch from the local servers. */
  const settings = (overrides: Partial<EventSignatureSettings> = {}): EventSignatureSettings => ({
    certificateHosts: ['127.0.0.1'],
    allowHttpCertificateUrls: true,
    trustedRoots: [good.root.certificatePem],
    requiredOrganization: 'Microsoft Corporation',
    ...overrides,
  });
  const trustingFetch: CertificateFetch = (url, init) => undiciFetch(url, { ...init, dispatcher: agent });
  const verifier = (overrides: Partial<EventSignatureSettings> = {}, options: EventSignatureOptions = {}) =>
    createEventSignatureVerifier(settings(overrides), { fetch: trustingFetch, ...options });
  /** Headers as Partner Center sends them, looked up case-insensitively as an HTTP binding would. */
  const headers =
    (values: Record<string, string>) =>
    (name: string): string | undefined =>
      Object.entries(values).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
  const signed = (certificateUrl: string, chain: SigningChain = good, signedBody: Uint8Array = body) =>
    headers({
      Authorization: `Signature ${chain.sign(signedBody)}`,
      'X-MS-Certificate-Url': certificateUrl,
      'X-MS-Signature-Algorithm': 'rsa-sha256',
    });

  before(async () => {
    good = makeSigningChain({ name: 'Good' });
    other = makeSigningChain({ name: 'Other' });
    contosoLeaf = issueCertificate({
      subject: '/C=US/O=Contoso Ltd/CN=Contoso event signing',
      issuer: good.intermediate,
      ca: false,
    });
    routes.set('/good.pem', serve(good.servedPem));
    routes.set('/leaf-only.pem', serve(good.leaf.certificatePem));
    routes.set('/intermediate-first.pem', serve(good.intermediate.certificatePem + good.leaf.certificatePem));
    routes.set('/other.pem', serve(other.servedPem));
    routes.set('/contoso.pem', serve(contosoLeaf.certificatePem + good.intermediate.certificatePem));
    routes.set('/leaf.der', serve(good.leaf.certificate.raw, { 'content-type': 'application/pkix-cert' }));
    routes.set('/not-a-certificate', serve('hello'));
    routes.set('/huge-declared', serve(Buffer.alloc(MAX_CERTIFICATE_BYTES + 1, 0x41)));
    routes.set('/huge-chunked', (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/x-pem-file' });
      for (let sent = 0; sent <= MAX_CERTIFICATE_BYTES; sent += 4096)
        response.write(Buffer.alloc(4096, 0x41));
      response.end();
    });
    routes.set('/silent', () => {
      // Never answers: the verifier's timeout must end the wait.
    });
    routes.set('/gone', (_request, response) => {
      response.writeHead(410);
      response.end();
    });
    routes.set('/redirect', (_request, response) => {
      response.writeHead(302, { location: '/good.pem' });
      response.end();
    });
    server = createServer(dispatch);
    httpUrl = `http://127.0.0.1:${String(await listen(server, 0, '127.0.0.1'))}`;
    const tls = makeLoopbackCertificate();
    agent = new Agent({ connect: { ca: tls.cert } });
    https = await startHttpsServer(tls, (request, _body, response) => {
      dispatch(request, response);
    });
  });

  after(async () => {
    await closeServer(server);
    await https.close();
    await agent.close();
  });

  describe('accepts what Partner Center sends', () => {
    it('a body signed by a leaf that chains through the served intermediate to a trusted root, over https', async () => {
      await verifier({ allowHttpCertificateUrls: false }).verify(signed(`${https.url}/good.pem`), body);
    });

    it('the signature in x-ms-signature, as sent when the registration set SignatureTokenToMsSignatureHeader', async () => {
      const lookup = headers({
        'x-ms-signature': good.sign(body),
        'X-MS-Certificate-Url': `${https.url}/good.pem`,
        'X-MS-Signature-Algorithm': 'rsa-sha256',
      });
      await verifier().verify(lookup, body);
    });

    it('the algorithm in any case, or no algorithm header (rsa-sha256 is the only one documented)', async () => {
      const url = `${https.url}/good.pem`;
      const signature = `Signature ${good.sign(body)}`;
      const check = verifier();
      await check.verify(
        headers({
          authorization: signature,
          'x-ms-certificate-url': url,
          'x-ms-signature-algorithm': 'RSA-SHA256',
        }),
        body,
      );
      await check.verify(headers({ authorization: signature, 'x-ms-certificate-url': url }), body);
    });

    it('the certificate file in any order, or as a single DER certificate issued by a trusted CA', async () => {
      await verifier().verify(signed(`${httpUrl}/intermediate-first.pem`), body);
      await verifier({ trustedRoots: [good.intermediate.certificatePem] }).verify(
        signed(`${httpUrl}/leaf.der`),
        body,
      );
    });

    it('the base64url alphabet as well as standard base64', async () => {
      const urlSafe = good.sign(body).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
      await verifier().verify(
        headers({ authorization: `Signature ${urlSafe}`, 'x-ms-certificate-url': `${httpUrl}/good.pem` }),
        body,
      );
    });
  });

  describe('refuses a forged or unusable signature (401 event-signature-invalid)', () => {
    it('a body changed after signing, even by one byte', async () => {
      const changed = Buffer.from(body);
      changed[changed.length - 3] = 0x31;
      await refused(
        verifier().verify(signed(`${httpUrl}/good.pem`), changed),
        'event-signature-invalid',
        401,
        /does not match the body/,
      );
    });

    it('a signature made with another key than the served certificate’s', async () => {
      const forged = headers({
        authorization: `Signature ${other.sign(body)}`,
        'x-ms-certificate-url': `${httpUrl}/good.pem`,
      });
      await refused(verifier().verify(forged, body), 'event-signature-invalid', 401, /does not match/);
    });

    it('a certificate from a CA that is not trusted, correctly signed by its own key', async () => {
      await refused(
        verifier().verify(signed(`${httpUrl}/other.pem`, other), body),
        'event-signature-invalid',
        401,
        /does not chain to a trusted root/,
      );
    });

    it('a leaf served without the intermediate it needs', async () => {
      await refused(
        verifier().verify(signed(`${httpUrl}/leaf-only.pem`), body),
        'event-signature-invalid',
        401,
        /does not chain/,
      );
    });

    it('an expired leaf, and one not valid yet', async () => {
      const leaf = good.leaf.certificate;
      const day = 24 * 60 * 60 * 1000;
      const expired = verifier({}, { now: () => Date.parse(leaf.validTo) + day });
      await refused(
        expired.verify(signed(`${httpUrl}/good.pem`), body),
        'event-signature-invalid',
        401,
        /expired/,
      );
      const early = verifier({}, { now: () => Date.parse(leaf.validFrom) - day });
      await refused(
        early.verify(signed(`${httpUrl}/good.pem`), body),
        'event-signature-invalid',
        401,
        /not valid yet/,
      );
    });

    it('a leaf of another organisation, even one chaining to the trusted root', async () => {
      const lookup = headers({
        authorization: `Signature ${good.sign(body)}`,
        'x-ms-certificate-url': `${httpUrl}/contoso.pem`,
      });
      await refused(verifier().verify(lookup, body), 'event-signature-invalid', 401, /organisation/);
    });

    it('another algorithm, a malformed Authorization header, a signature that is not base64', async () => {
      const url = `${httpUrl}/good.pem`;
      await refused(
        verifier().verify(
          headers({
            authorization: `Signature ${good.sign(body)}`,
            'x-ms-certificate-url': url,
            'x-ms-signature-algorithm': 'hmac-sha256',
          }),
          body,
        ),
        'event-signature-invalid',
        401,
        /rsa-sha256/,
      );
      await refused(
        verifier().verify(headers({ authorization: 'Bearer abc', 'x-ms-certificate-url': url }), body),
        'event-signature-invalid',
        401,
        /Signature <base64>/,
      );
      await refused(
        verifier().verify(
          headers({ authorization: 'Signature not*base64', 'x-ms-certificate-url': url }),
          body,
        ),
        'event-signature-invalid',
        401,
        /not base64/,
      );
    });

    it('a certificate URL that serves something other than a certificate', async () => {
      await refused(
        verifier().verify(signed(`${httpUrl}/not-a-certificate`), body),
        'event-signature-invalid',
        401,
        /PEM or DER/,
      );
    });

    it('answers with a challenge and never quotes the signature', async () => {
      const signature = other.sign(body);
      const problem = await refused(
        verifier().verify(
          headers({ authorization: `Signature ${signature}`, 'x-ms-certificate-url': `${httpUrl}/good.pem` }),
          body,
        ),
        'event-signature-invalid',
        401,
      );
      assert.match(problem.headers?.['WWW-Authenticate'] ?? '', /^Signature realm="partner-center-events"/);
      assert.ok(!problem.detail.includes(signature.slice(0, 16)));
    });
  });

  describe('refuses an unsigned event (401 event-signature-missing)', () => {
    it('without any signature header', async () => {
      await refused(
        verifier().verify(headers({ 'x-ms-certificate-url': `${httpUrl}/good.pem` }), body),
        'event-signature-missing',
        401,
        /no Authorization: Signature header and no x-ms-signature/,
      );
    });

    it('without X-MS-Certificate-Url', async () => {
      await refused(
        verifier().verify(headers({ authorization: `Signature ${good.sign(body)}` }), body),
        'event-signature-missing',
        401,
        /X-MS-Certificate-Url/,
      );
    });
  });

  describe('fetches the certificate only from where it may come (401 event-certificate-refused)', () => {
    /** A fetch that must never be called: the URL is refused before any request. */
    const noFetch: CertificateFetch = () => assert.fail('nothing may be fetched');

    it('an http URL unless EVENTS_ALLOW_HTTP_CERTIFICATE_URLS allows it', async () => {
      await refused(
        createEventSignatureVerifier(settings({ allowHttpCertificateUrls: false }), {
          fetch: noFetch,
        }).verify(signed(`${httpUrl}/good.pem`), body),
        'event-certificate-refused',
        401,
        /must be an https URL/,
      );
      await verifier({ allowHttpCertificateUrls: true }).verify(signed(`${httpUrl}/good.pem`), body);
    });

    it('a host not in the list; a suffix matches sub-domains only, never a longer look-alike', async () => {
      const blobHosts = { certificateHosts: ['.blob.core.windows.net'] };
      for (const url of [
        'https://evil.example/cert.pem',
        'https://account.blob.core.windows.net.evil.example/cert.pem',
        'https://blob.core.windows.net/cert.pem',
        'https://accountblob.core.windows.net/cert.pem',
      ]) {
        await refused(
          createEventSignatureVerifier(settings(blobHosts), { fetch: noFetch }).verify(signed(url), body),
          'event-certificate-refused',
          401,
          /is not in EVENTS_CERTIFICATE_HOSTS/,
        );
      }
      const fetched: string[] = [];
      const recording: CertificateFetch = (url, init) => {
        fetched.push(url);
        return undiciFetch(`${httpUrl}/good.pem`, init);
      };
      await createEventSignatureVerifier(settings(blobHosts), { fetch: recording }).verify(
        signed('https://PCCerts.Blob.Core.Windows.Net/certs/signing.pem?sv=2024&sig=secret'),
        body,
      );
      assert.deepEqual(fetched, [
        'https://pccerts.blob.core.windows.net/certs/signing.pem?sv=2024&sig=secret',
      ]);
    });

    it('credentials in the URL, without naming them; a query (a SAS token) is never quoted either', async () => {
      const problem = await refused(
        createEventSignatureVerifier(settings(), { fetch: noFetch }).verify(
          signed('https://user:hunter2@127.0.0.1/cert.pem'),
          body,
        ),
        'event-certificate-refused',
        401,
        /must not carry credentials/,
      );
      assert.ok(!problem.detail.includes('hunter2'));
      const hostProblem = await refused(
        createEventSignatureVerifier(settings(), { fetch: noFetch }).verify(
          signed('https://other.example/cert.pem?sig=s3cr3t'),
          body,
        ),
        'event-certificate-refused',
        401,
      );
      assert.ok(!hostProblem.detail.includes('s3cr3t'));
    });

    it('a certificate file over 64 KiB, declared or streamed', async () => {
      await refused(
        verifier().verify(signed(`${httpUrl}/huge-declared`), body),
        'event-certificate-refused',
        401,
        /larger than 64 KiB/,
      );
      await refused(
        verifier().verify(signed(`${httpUrl}/huge-chunked`), body),
        'event-certificate-refused',
        401,
        /larger than 64 KiB/,
      );
    });
  });

  describe('answers 503 event-certificate-unavailable when the certificate cannot be had (Partner Center retries)', () => {
    it('a certificate URL that does not answer within the timeout', async () => {
      const started = Date.now();
      const problem = await refused(
        verifier({}, { fetchTimeoutMs: 300 }).verify(signed(`${httpUrl}/silent`), body),
        'event-certificate-unavailable',
        503,
        /no answer within 300 ms/,
      );
      assert.ok(Date.now() - started < 3_000, 'the timeout ends the wait');
      assert.equal(problem.retryAfterSeconds, 60);
    });

    it('more distinct certificate URLs at once than it downloads: an anonymous flood cannot fan out', async () => {
      const check = verifier({}, { fetchTimeoutMs: 500 });
      const waiting = Array.from({ length: MAX_CONCURRENT_DOWNLOADS }, (_unused, index) =>
        check.verify(signed(`${httpUrl}/silent?n=${String(index)}`), body).catch((error: unknown) => error),
      );
      const started = Date.now();
      await refused(
        check.verify(signed(`${httpUrl}/silent?n=flood`), body),
        'event-certificate-unavailable',
        503,
        /too many certificate downloads/,
      );
      assert.ok(Date.now() - started < 400, 'refused at once, not after a download');
      await Promise.all(waiting);
    });

    it('a status other than 200, a redirect (never followed) and a closed port', async () => {
      await refused(
        verifier().verify(signed(`${httpUrl}/gone`), body),
        'event-certificate-unavailable',
        503,
        /answered 410/,
      );
      await refused(
        verifier().verify(signed(`${httpUrl}/redirect`), body),
        'event-certificate-unavailable',
        503,
        /redirect/,
      );
      await refused(
        verifier().verify(signed('http://127.0.0.1:1/cert.pem'), body),
        'event-certificate-unavailable',
        503,
      );
    });
  });

  describe('reuses a fetched certificate', () => {
    it('fetches once for many events, concurrent ones included, until the cache time ends', async () => {
      let clock = 1_000_000;
      const path = '/cached.pem';
      routes.set(path, serve(good.servedPem));
      hits.set(path, 0);
      const cached = verifier(
        {},
        { cacheTtlMs: 60_000, now: () => Date.parse(good.leaf.certificate.validFrom) + clock },
      );
      await Promise.all(Array.from({ length: 5 }, () => cached.verify(signed(`${httpUrl}${path}`), body)));
      await cached.verify(signed(`${httpUrl}${path}`), body);
      assert.equal(hits.get(path), 1, 'one fetch for six events');
      clock += 60_001;
      await cached.verify(signed(`${httpUrl}${path}`), body);
      assert.equal(hits.get(path), 2, 'fetched again once the cache time has passed');
    });

    it('does not keep a failure: the next event fetches again', async () => {
      const path = '/flaky.pem';
      hits.set(path, 0);
      routes.set(path, (_request, response) => {
        response.writeHead(503);
        response.end();
      });
      const check = verifier();
      await refused(check.verify(signed(`${httpUrl}${path}`), body), 'event-certificate-unavailable', 503);
      routes.set(path, serve(good.servedPem));
      await check.verify(signed(`${httpUrl}${path}`), body);
      assert.equal(hits.get(path), 2);
    });
  });
});

describe('event signature settings', () => {
  it('defaults: blob storage hosts, https only, Microsoft Corporation, and Microsoft’s roots from Node’s own bundle', () => {
    const settings = loadEventSignatureSettings({});
    assert.deepEqual(settings.certificateHosts, ['.blob.core.windows.net']);
    assert.equal(settings.allowHttpCertificateUrls, false);
    assert.equal(settings.requiredOrganization, 'Microsoft Corporation');
    const subjects = settings.trustedRoots.map((pem) => new X509Certificate(pem).subject).sort();
    assert.deepEqual(subjects, [
      'C=US\nO=Microsoft Corporation\nCN=Microsoft ECC Root Certificate Authority 2017',
      'C=US\nO=Microsoft Corporation\nCN=Microsoft RSA Root Certificate Authority 2017',
    ]);
    assert.deepEqual(settings.trustedRoots, defaultTrustedRoots());
  });

  it('reads each setting: a host list, PEM roots (line breaks written \\n too), the organisation, the http flag', () => {
    const chain = makeSigningChain({ name: 'Settings' });
    const settings = loadEventSignatureSettings({
      EVENTS_CERTIFICATE_HOSTS: ' 127.0.0.1, .Example.COM ',
      EVENTS_TRUSTED_ROOTS: chain.root.certificatePem.replaceAll('\n', '\\n'),
      EVENTS_REQUIRED_ORGANIZATION: 'Contoso Ltd',
      EVENTS_ALLOW_HTTP_CERTIFICATE_URLS: 'TRUE',
    });
    assert.deepEqual(settings.certificateHosts, ['127.0.0.1', '.example.com']);
    assert.equal(settings.trustedRoots.length, 1);
    assert.equal(new X509Certificate(settings.trustedRoots[0] ?? '').subject, chain.root.certificate.subject);
    assert.equal(settings.requiredOrganization, 'Contoso Ltd');
    assert.equal(settings.allowHttpCertificateUrls, true);
  });

  it('refuses bad values with a ConfigError that names the setting, never the value', () => {
    const chain = makeSigningChain({ name: 'Refused' });
    const cases: [Record<string, string>, RegExp][] = [
      [{ EVENTS_CERTIFICATE_HOSTS: 'https://secret-host.example' }, /EVENTS_CERTIFICATE_HOSTS/],
      [{ EVENTS_CERTIFICATE_HOSTS: 'a.example,,b.example' }, /EVENTS_CERTIFICATE_HOSTS/],
      [{ EVENTS_CERTIFICATE_HOSTS: '*.secret-host.example' }, /EVENTS_CERTIFICATE_HOSTS/],
      [{ EVENTS_CERTIFICATE_HOSTS: '.net' }, /at least two labels/],
      [{ EVENTS_TRUSTED_ROOTS: 'secret-not-a-pem' }, /EVENTS_TRUSTED_ROOTS must hold/],
      [{ EVENTS_TRUSTED_ROOTS: chain.leaf.certificatePem }, /not a CA certificate/],
      [
        { EVENTS_ALLOW_HTTP_CERTIFICATE_URLS: 'secret-yes' },
        /EVENTS_ALLOW_HTTP_CERTIFICATE_URLS must be true or false/,
      ],
      [
        { EVENTS_TRUSTED_ROOTS: '@Microsoft.KeyVault(SecretUri=https://secret.vault.azure.net/secrets/x)' },
        /unresolved Key Vault reference/,
      ],
    ];
    for (const [env, message] of cases) {
      assert.throws(
        () => loadEventSignatureSettings(env),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.match(error.message, message);
          assert.ok(!error.message.includes('secret'), error.message);
          return true;
        },
      );
    }
  });
});
