/**
 * A local Key Vault that speaks the protocol the real `SecretClient` uses: an unauthenticated first request gets
 * the 401 bearer challenge, then `GET /secrets/{name}[/{version}]` and `PUT /secrets/{name}` with
 * `{ value, id, contentType, tags, attributes }` (`attributes.exp` is the secret's expiry, epoch seconds: Key Vault
 * REST "Set Secret"). Secrets keep every version with its own content type and tags, as Key Vault does.
 */
import { randomBytes } from 'node:crypto';
import type { TokenCredential } from '@azure/identity';
import type { ServerResponse } from 'node:http';
import { sendJson, startHttpsServer } from './https-fake';
import type { TestCertificate } from './tls';

export interface SeedAttributes {
  readonly contentType?: string;
  readonly tags?: Readonly<Record<string, string>>;
  /** Epoch ms. */
  readonly expires?: number;
}

interface Version extends SeedAttributes {
  readonly id: string;
  readonly value: string;
  readonly updated: number;
}

export interface VaultCall {
  readonly method: string;
  readonly name: string;
}

export interface FakeKeyVault {
  readonly url: string;
  /** The bearer token the vault accepts; `credential` hands it out. */
  readonly accessToken: string;
  /** Stands in for the managed identity, which cannot run here; the SDK's challenge policy still asks it. */
  readonly credential: TokenCredential;
  readonly calls: VaultCall[];
  /** While true, every connection is dropped, as in an outage. */
  down: boolean;
  /** While true, writes get 403, as for an identity with the Secrets User role only. */
  refuseWrites: boolean;
  /** While true, every request is read and never answered: the connection stays open, as with a hung vault. */
  stalled: boolean;
  /** Requests received while stalled. */
  readonly stalledRequests: () => number;
  seed(name: string, value: string, updatedAt?: number, attributes?: SeedAttributes): void;
  value(name: string): string | undefined;
  /** The content type, tags and expiry of the latest version. */
  attributes(name: string): SeedAttributes | undefined;
  versions(name: string): readonly string[];
  reads(name?: string): number;
  writes(name?: string): number;
  close(): Promise<void>;
}

export interface FakeKeyVaultOptions {
  readonly certificate: TestCertificate;
  readonly tenantId: string;
  readonly now?: () => number;
}

export async function startFakeKeyVault(options: FakeKeyVaultOptions): Promise<FakeKeyVault> {
  const now = options.now ?? Date.now;
  const accessToken = `kv-${randomBytes(18).toString('base64url')}`;
  const secrets = new Map<string, Version[]>();
  const calls: VaultCall[] = [];
  let url = '';

  const held = new Set<ServerResponse>();
  const store = (name: string, value: string, updated: number, attributes: SeedAttributes = {}): Version => {
    const version: Version = { id: randomBytes(16).toString('hex'), value, updated, ...attributes };
    secrets.set(name, [...(secrets.get(name) ?? []), version]);
    return version;
  };
  const bundle = (name: string, version: Version) => ({
    value: version.value,
    id: `${url}/secrets/${name}/${version.id}`,
    ...(version.contentType === undefined ? {} : { contentType: version.contentType }),
    ...(version.tags === undefined ? {} : { tags: version.tags }),
    attributes: {
      enabled: true,
      created: Math.floor(version.updated / 1_000),
      updated: Math.floor(version.updated / 1_000),
      ...(version.expires === undefined ? {} : { exp: Math.floor(version.expires / 1_000) }),
      recoveryLevel: 'Recoverable+Purgeable',
    },
  });

  const server = await startHttpsServer(options.certificate, (request, body, response) => {
    if (vault.down) {
      response.socket?.destroy();
      return;
    }
    if (vault.stalled) {
      held.add(response);
      return;
    }
    if (request.headers.authorization !== `Bearer ${accessToken}`) {
      sendJson(
        response,
        401,
        { error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' } },
        {
          'www-authenticate': `Bearer authorization="https://login.microsoftonline.com/${options.tenantId}", resource="https://vault.azure.net"`,
        },
      );
      return;
    }
    const path = new URL(request.url ?? '/', url).pathname;
    const match = /^\/secrets\/([0-9A-Za-z-]+)\/?([0-9a-f]*)$/.exec(path);
    const name = match?.[1];
    if (!name) {
      sendJson(response, 404, { error: { code: 'NotFound', message: 'No such path' } });
      return;
    }
    calls.push({ method: request.method ?? '', name });
    if (request.method === 'PUT' && vault.refuseWrites) {
      sendJson(response, 403, {
        error: {
          code: 'Forbidden',
          message: 'The user, group or application does not have secrets set permission.',
        },
      });
      return;
    }
    if (request.method === 'PUT') {
      const put = JSON.parse(body) as {
        value: string;
        contentType?: string;
        tags?: Record<string, string>;
        attributes?: { exp?: number };
      };
      const attributes: SeedAttributes = {
        ...(put.contentType === undefined ? {} : { contentType: put.contentType }),
        ...(put.tags === undefined ? {} : { tags: put.tags }),
        ...(put.attributes?.exp === undefined ? {} : { expires: put.attributes.exp * 1_000 }),
      };
      sendJson(response, 200, bundle(name, store(name, put.value, now(), attributes)));
      return;
    }
    const versions = secrets.get(name) ?? [];
    const wanted = match[2] ? versions.find((version) => version.id === match[2]) : versions.at(-1);
    if (!wanted) {
      sendJson(response, 404, {
        error: {
          code: 'SecretNotFound',
          message: `A secret with (name/id) ${name} was not found in this key vault.`,
        },
      });
      return;
    }
    sendJson(response, 200, bundle(name, wanted));
  });
  url = server.url;

  const count = (method: string, name?: string) =>
    calls.filter((call) => call.method === method && (name === undefined || call.name === name)).length;
  const vault: FakeKeyVault = {
    url,
    accessToken,
    credential: {
      getToken: () => Promise.resolve({ token: accessToken, expiresOnTimestamp: Date.now() + 3_600_000 }),
    },
    calls,
    down: false,
    refuseWrites: false,
    stalled: false,
    stalledRequests: () => held.size,
    seed: (name, value, updatedAt, attributes) => {
      store(name, value, updatedAt ?? now(), attributes);
    },
    value: (name) => secrets.get(name)?.at(-1)?.value,
    attributes: (name) => {
      const latest = secrets.get(name)?.at(-1);
      if (!latest) return undefined;
      const { contentType, tags, expires } = latest;
      return {
        ...(contentType === undefined ? {} : { contentType }),
        ...(tags === undefined ? {} : { tags }),
        ...(expires === undefined ? {} : { expires }),
      };
    },
    versions: (name) => (secrets.get(name) ?? []).map((version) => version.value),
    reads: (name) => count('GET', name),
    writes: (name) => count('PUT', name),
    close: async () => {
      for (const response of held) response.destroy();
      held.clear();
      await server.close();
    },
  };
  return vault;
}
