/**
 * Where the facade may send events, and the sending itself. Anyone holding a function key can name a subscriber,
 * so in Azure a subscriber must be a public https address: never a private, loopback, link-local or metadata
 * address the app could reach inside its own network. Names are resolved when the subscription is made and again
 * on every connection, and the address checked is the address connected to, so a name that later resolves
 * elsewhere (DNS rebinding) is refused too. Errors say what happened, never the URL (a callback's query carries
 * a signature).
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** Resolves a host name to every address it has; tests replace it to play a rebinding name server. */
export type Resolver = (hostname: string) => Promise<readonly LookupAddress[]>;

export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => {
      if (error) reject(error);
      else resolve(addresses);
    });
  });

/** Ranges no subscriber may be in (RFC 6890 special-purpose registries, and Azure's own platform addresses). */
const blocked = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, with the instance metadata service at 169.254.169.254
  ['168.63.129.16', 32], // Azure's platform endpoint (WireServer, DNS, health probes)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and the broadcast address
] as const) {
  blocked.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['64:ff9b::', 96], // NAT64: may translate to any IPv4 address, private ones included
  ['100::', 64], // discard
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  blocked.addSubnet(network, prefix, 'ipv6');
}

/** Whether `address` is one a subscriber may have; an IPv4-mapped IPv6 address is judged as its IPv4 address. */
export function isPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped !== undefined) return isPublicAddress(mapped);
  const family = isIP(address);
  if (family === 4) return !blocked.check(address, 'ipv4');
  if (family === 6) return !blocked.check(address, 'ipv6');
  return false;
}

export interface DestinationPolicy {
  /** http and private addresses allowed: local runs and tests only. */
  readonly allowPrivate: boolean;
  readonly resolve: Resolver;
}

/** A destination the policy refuses; `message` names the host at most. */
export class DestinationRefusedError extends Error {
  override name = 'DestinationRefusedError';
}

/** The host as URL.hostname gives it, without an IPv6 literal's brackets. */
const bareHost = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1');

/** The URL's form and, unless private destinations are allowed, every address its host has now. */
export async function checkDestination(raw: string, policy: DestinationPolicy): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new DestinationRefusedError('it is not an absolute URL');
  }
  if (url.username !== '' || url.password !== '') {
    throw new DestinationRefusedError('it carries a user name or password');
  }
  const schemes = policy.allowPrivate ? ['https:', 'http:'] : ['https:'];
  if (!schemes.includes(url.protocol)) {
    throw new DestinationRefusedError(`it must be https (got ${url.protocol.replace(':', '')})`);
  }
  if (policy.allowPrivate) return url;
  await addressesOf(bareHost(url), policy);
  return url;
}

/** Every address of `host`, refused if any is not public (a name with one private address is not trusted). */
async function addressesOf(host: string, policy: DestinationPolicy): Promise<readonly LookupAddress[]> {
  const family = isIP(host);
  let addresses: readonly LookupAddress[];
  if (family === 4 || family === 6) addresses = [{ address: host, family }];
  else {
    try {
      addresses = await policy.resolve(host);
    } catch {
      throw new DestinationRefusedError(`its host ${host} does not resolve`);
    }
  }
  if (addresses.length === 0) throw new DestinationRefusedError(`its host ${host} does not resolve`);
  if (!policy.allowPrivate && addresses.some(({ address }) => !isPublicAddress(address))) {
    throw new DestinationRefusedError(
      `its host ${host} is or resolves to a private, loopback, link-local or metadata address`,
    );
  }
  return addresses;
}

/** A lookup for node's sockets that refuses what the policy refuses, at the moment of connecting. */
function checkedLookup(policy: DestinationPolicy): LookupFunction {
  return (hostname, options, callback) => {
    addressesOf(hostname, policy).then(
      (addresses) => {
        if (options.all === true) callback(null, [...addresses]);
        else {
          const [first] = addresses;
          callback(null, first?.address ?? '', first?.family ?? 4);
        }
      },
      (error: unknown) => {
        callback(error instanceof Error ? error : new Error(String(error)), '', 4);
      },
    );
  };
}

export interface PostResult {
  /** The subscriber's status; absent when there was no answer. */
  readonly status?: number;
  /** Why there was no usable answer, safe to store: never a URL, header or body. */
  readonly error?: string;
  /** The destination was refused: sending again will not help. */
  readonly refused?: boolean;
  readonly durationMs: number;
}

/** How much of a subscriber's answer is read; only its status counts. */
const MAX_ANSWER_BYTES = 64 * 1024;

/** Posts JSON to subscribers, through keep-alive agents whose every connection passes the policy. */
export class DeliveryClient {
  private readonly http: HttpAgent;
  private readonly https: HttpsAgent;

  constructor(private readonly policy: DestinationPolicy) {
    const lookup = checkedLookup(policy);
    this.http = new HttpAgent({ keepAlive: true, lookup, maxSockets: 16 });
    this.https = new HttpsAgent({ keepAlive: true, lookup, maxSockets: 16 });
  }

  async post(
    raw: string,
    body: string,
    headers: Readonly<Record<string, string>>,
    timeoutMs: number,
  ): Promise<PostResult> {
    const started = performance.now();
    const took = () => Math.round(performance.now() - started);
    let url: URL;
    try {
      url = await checkDestination(raw, this.policy);
    } catch (error) {
      if (error instanceof DestinationRefusedError) {
        return { error: `destination refused: ${error.message}`, refused: true, durationMs: took() };
      }
      throw error;
    }
    return new Promise((resolve) => {
      let settled = false;
      const finish = (result: Omit<PostResult, 'durationMs'>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ ...result, durationMs: took() });
      };
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const request = send(url, {
        method: 'POST',
        agent: url.protocol === 'https:' ? this.https : this.http,
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      });
      const timer = setTimeout(() => {
        finish({ error: `no answer within ${String(timeoutMs)} ms` });
        request.destroy();
      }, timeoutMs);
      request.on('response', (response: IncomingMessage) => {
        // Read (and drop) the answer so the connection can be reused; a huge one is cut off.
        let read = 0;
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_ANSWER_BYTES) response.destroy();
        });
        const answered = () => {
          finish({ status: response.statusCode ?? 0 });
        };
        response.on('end', answered);
        response.on('close', answered);
        response.on('error', answered);
      });
      request.on('error', (error: Error & { code?: string }) => {
        if (error instanceof DestinationRefusedError) {
          finish({ error: `destination refused: ${error.message}`, refused: true });
        } else finish({ error: `no answer: ${error.code ?? error.name}` });
      });
      request.end(body);
    });
  }

  close(): void {
    this.http.destroy();
    this.https.destroy();
  }
}
