/**
 * Where the signing certificate comes from: the URL in `X-MS-Certificate-Url`, which the sender chooses. So the
 * URL is checked before anything is fetched (https, an allowed host, no credentials), the fetch is bounded (time,
 * size, no redirects), and what was fetched is reused: Partner Center signs every event with the same
 * certificate, and fetching it for each one would put the certificate host on every event's path.
 */
import type { X509Certificate } from 'node:crypto';
import {
  eventCertificateRefused,
  eventCertificateUnavailable,
  eventSignatureInvalid,
} from '../failures/failure-map';
import { ProblemError } from '../failures/problem';
import { readCertificates } from './chain';

/** What the verifier reads of a fetch answer; the global fetch's Response fits. */
export interface CertificateResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  readonly body: AsyncIterable<Uint8Array> | null;
}

export type CertificateFetch = (
  url: string,
  init: { readonly signal: AbortSignal; readonly redirect: 'error' },
) => Promise<CertificateResponse>;

/** A certificate with its intermediates is a few KiB; anything far larger is not one. */
export const MAX_CERTIFICATE_BYTES = 64 * 1024;
/** URLs whose certificates are kept; Partner Center uses one at a time, a rotation adds a second. */
export const MAX_CACHED_URLS = 16;
/**
 * Downloads of distinct URLs at once. The URL is fetched before anything proves the request is Partner Center's,
 * so an anonymous flood of distinct allow-listed URLs must not become as many outbound downloads.
 */
export const MAX_CONCURRENT_DOWNLOADS = 4;

export interface CertificateSourceOptions {
  readonly certificateHosts: readonly string[];
  readonly allowHttp: boolean;
  readonly fetchTimeoutMs: number;
  readonly cacheTtlMs: number;
  readonly now: () => number;
  readonly fetch: CertificateFetch;
}

export interface CertificateSource {
  /** The certificates served at `url`, checked first; throws the failure map's problem. */
  get(url: string | undefined): Promise<readonly X509Certificate[]>;
}

const hostAllowed = (host: string, allowed: readonly string[]): boolean =>
  allowed.some((entry) => (entry.startsWith('.') ? host.endsWith(entry) : host === entry));

/** The checked URL; refusals name the scheme or host at most, never the path or query (a SAS token). */
export function checkCertificateUrl(
  text: string,
  certificateHosts: readonly string[],
  allowHttp: boolean,
): URL {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw eventCertificateRefused('X-MS-Certificate-Url is not a URL');
  }
  if (url.protocol !== 'https:' && !(allowHttp && url.protocol === 'http:')) {
    throw eventCertificateRefused(
      `X-MS-Certificate-Url must be an https URL${allowHttp ? ' (or http, allowed for local runs)' : ''}`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw eventCertificateRefused('X-MS-Certificate-Url must not carry credentials');
  }
  const host = url.hostname.toLowerCase();
  if (!hostAllowed(host, certificateHosts)) {
    throw eventCertificateRefused(
      `the certificate host ${host} is not in EVENTS_CERTIFICATE_HOSTS (${certificateHosts.join(', ')})`,
    );
  }
  return url;
}

async function readLimited(body: AsyncIterable<Uint8Array>, limit: number): Promise<Uint8Array | undefined> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

const isTimeout = (error: unknown): boolean =>
  error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');

export function createCertificateSource(options: CertificateSourceOptions): CertificateSource {
  const cache = new Map<string, { readonly certificates: X509Certificate[]; readonly expiresAt: number }>();
  const inFlight = new Map<string, Promise<X509Certificate[]>>();

  async function download(url: string): Promise<X509Certificate[]> {
    const signal = AbortSignal.timeout(options.fetchTimeoutMs);
    let bytes: Uint8Array | undefined;
    try {
      const response = await options.fetch(url, { signal, redirect: 'error' });
      if (response.status !== 200) {
        throw eventCertificateUnavailable(`the certificate URL answered ${String(response.status)}`);
      }
      const declared = Number(response.headers.get('content-length') ?? Number.NaN);
      if (declared > MAX_CERTIFICATE_BYTES || response.body === null) {
        bytes = declared > MAX_CERTIFICATE_BYTES ? undefined : new Uint8Array();
      } else {
        bytes = await readLimited(response.body, MAX_CERTIFICATE_BYTES);
      }
    } catch (error) {
      if (error instanceof ProblemError) throw error;
      throw eventCertificateUnavailable(
        isTimeout(error) || signal.aborted
          ? `no answer within ${String(options.fetchTimeoutMs)} ms`
          : 'no connection, or a redirect, which is not followed',
      );
    }
    if (bytes === undefined) {
      throw eventCertificateRefused(
        `the certificate file is larger than ${String(MAX_CERTIFICATE_BYTES / 1024)} KiB`,
      );
    }
    const certificates = readCertificates(bytes);
    if (certificates === undefined || certificates.length === 0) {
      throw eventSignatureInvalid('the certificate URL did not serve a PEM or DER certificate');
    }
    return certificates;
  }

  function remember(url: string, certificates: X509Certificate[]): void {
    cache.delete(url);
    cache.set(url, { certificates, expiresAt: options.now() + options.cacheTtlMs });
    // A Map iterates in insertion order: the first key is the one stored longest ago.
    while (cache.size > MAX_CACHED_URLS) {
      const oldest = cache.keys().next();
      if (oldest.done === true) break;
      cache.delete(oldest.value);
    }
  }

  return {
    async get(text) {
      if (text === undefined || text.trim() === '') {
        // Reported by the verifier as a missing header before it gets here; kept for direct callers.
        throw eventCertificateRefused('X-MS-Certificate-Url is missing');
      }
      const url = checkCertificateUrl(text, options.certificateHosts, options.allowHttp).href;
      const cached = cache.get(url);
      if (cached !== undefined && cached.expiresAt > options.now()) {
        // Least recently used goes first: Partner Center's own certificate, in use, stays.
        cache.delete(url);
        cache.set(url, cached);
        return cached.certificates;
      }
      // Concurrent events share one fetch: a burst of events must not become a burst of downloads.
      let pending = inFlight.get(url);
      if (pending === undefined) {
        if (inFlight.size >= MAX_CONCURRENT_DOWNLOADS) {
          throw eventCertificateUnavailable('too many certificate downloads at once');
        }
        pending = download(url).then(
          (certificates) => {
            inFlight.delete(url);
            remember(url, certificates);
            return certificates;
          },
          (error: unknown) => {
            inFlight.delete(url);
            throw error;
          },
        );
        inFlight.set(url, pending);
      }
      return pending;
    },
  };
}
