/**
 * Partner Center's event signature (reference events-auth-and-senders.md §3, partner-center-referrals.md §8):
 * check the headers, fetch the certificate named by `X-MS-Certificate-Url`, verify its chain and organisation,
 * then verify the RSA-SHA256 signature over the body exactly as received. Where the documentation is silent
 * (a missing algorithm header, which header wins, PEM or DER) the verifier accepts every reading that cannot
 * weaken the proof: the signature itself is always checked against a certificate that chains to a trusted root.
 */
import { constants, verify, X509Certificate } from 'node:crypto';
import { eventSignatureInvalid, eventSignatureMissing } from '../failures/failure-map';
import { createCertificateSource, type CertificateFetch } from './certificate-source';
import { verifyChain } from './chain';
import type { EventSignatureSettings } from './settings';

export interface EventSignatureVerifier {
  /** Resolves when `body` (the raw bytes as received) is signed by Partner Center; throws the failure map's problem otherwise. */
  verify(header: (name: string) => string | undefined, body: Uint8Array): Promise<void>;
}

export interface EventSignatureOptions {
  /** Longest wait for the certificate, the whole download included (default 5 s). */
  readonly fetchTimeoutMs?: number;
  /** How long a fetched certificate is reused (default 1 h). */
  readonly cacheTtlMs?: number;
  /** The clock, in epoch milliseconds, for the certificates' dates and the cache. */
  readonly now?: () => number;
  /** Defaults to the global fetch; tests pass one that trusts their own TLS certificate. */
  readonly fetch?: CertificateFetch;
}

export const DEFAULT_FETCH_TIMEOUT_MS = 5_000;
export const DEFAULT_CACHE_TTL_MS = 60 * 60 * 1_000;

/** Standard base64 or its URL-safe form, padding optional: which one Partner Center writes is not documented. */
const base64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * The signature: `x-ms-signature` when present (sent instead of Authorization when the registration set
 * SignatureTokenToMsSignatureHeader), else `Authorization: Signature <base64>`.
 */
function signatureOf(header: (name: string) => string | undefined): Buffer {
  const msSignature = header('x-ms-signature')?.trim();
  let encoded: string | undefined = msSignature === '' ? undefined : msSignature;
  if (encoded === undefined) {
    const authorization = header('authorization')?.trim();
    if (authorization === undefined || authorization === '') {
      throw eventSignatureMissing('no Authorization: Signature header and no x-ms-signature header');
    }
    const match = /^Signature\s+(\S+)$/i.exec(authorization);
    if (match?.[1] === undefined) {
      throw eventSignatureInvalid('the Authorization header is not of the form "Signature <base64>"');
    }
    encoded = match[1];
  }
  if (!base64.test(encoded)) throw eventSignatureInvalid('the signature is not base64');
  return Buffer.from(encoded.replaceAll('-', '+').replaceAll('_', '/'), 'base64');
}

function checkAlgorithm(header: (name: string) => string | undefined): void {
  const algorithm = header('x-ms-signature-algorithm')?.trim();
  // Absent is read as rsa-sha256, the only algorithm documented; the RSA-SHA256 check below still applies.
  if (algorithm !== undefined && algorithm !== '' && algorithm.toLowerCase() !== 'rsa-sha256') {
    throw eventSignatureInvalid('X-MS-Signature-Algorithm names an algorithm other than rsa-sha256');
  }
}

export function createEventSignatureVerifier(
  settings: EventSignatureSettings,
  options: EventSignatureOptions = {},
): EventSignatureVerifier {
  const now = options.now ?? Date.now;
  const trustedRoots = settings.trustedRoots.map((pem) => new X509Certificate(pem));
  const source = createCertificateSource({
    certificateHosts: settings.certificateHosts,
    allowHttp: settings.allowHttpCertificateUrls,
    fetchTimeoutMs: options.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS,
    cacheTtlMs: options.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS,
    now,
    fetch: options.fetch ?? ((url, init) => fetch(url, init)),
  });
  return {
    async verify(header, body) {
      const signature = signatureOf(header);
      checkAlgorithm(header);
      const certificateUrl = header('x-ms-certificate-url')?.trim();
      if (certificateUrl === undefined || certificateUrl === '') {
        throw eventSignatureMissing('no X-MS-Certificate-Url header names the signing certificate');
      }
      const certificates = await source.get(certificateUrl);
      const chain = verifyChain(certificates, trustedRoots, settings.requiredOrganization, now());
      if (!chain.ok) throw eventSignatureInvalid(chain.reason);
      if (chain.leaf.publicKey.asymmetricKeyType !== 'rsa') {
        throw eventSignatureInvalid('the signing certificate does not hold an RSA key');
      }
      const valid = verify(
        'sha256',
        body,
        { key: chain.leaf.publicKey, padding: constants.RSA_PKCS1_PADDING },
        signature,
      );
      if (!valid) {
        throw eventSignatureInvalid('the signature does not match the body as received');
      }
    },
  };
}
