/**
 * The event signature's settings, read from the environment. Kept apart from the facade's settings like the
 * webhook and durable blocks of shared/config: a bad event setting must disable the event endpoint, not every
 * call. Every setting has a default, so an operator sets none of them for the real Partner Center.
 */
import { X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { ConfigError, isUnresolvedKeyVaultReference } from '../config';

export interface EventSignatureSettings {
  /** Hosts the certificate may be fetched from: exact names or suffixes written ".blob.core.windows.net". */
  readonly certificateHosts: readonly string[];
  /** Only for local runs against the simulator: allow http:// certificate URLs. */
  readonly allowHttpCertificateUrls: boolean;
  /** PEM roots the signing certificate must chain to. */
  readonly trustedRoots: readonly string[];
  /** The signing certificate's subject O= must equal this (Partner Center: "Microsoft Corporation"). */
  readonly requiredOrganization: string;
}

export const EVENTS_CERTIFICATE_HOSTS = 'EVENTS_CERTIFICATE_HOSTS';
export const EVENTS_TRUSTED_ROOTS = 'EVENTS_TRUSTED_ROOTS';
export const EVENTS_REQUIRED_ORGANIZATION = 'EVENTS_REQUIRED_ORGANIZATION';
export const EVENTS_ALLOW_HTTP_CERTIFICATE_URLS = 'EVENTS_ALLOW_HTTP_CERTIFICATE_URLS';

/** Every setting read here, for documentation and the infrastructure's tests. */
export const eventSignatureSettingNames = [
  EVENTS_CERTIFICATE_HOSTS,
  EVENTS_TRUSTED_ROOTS,
  EVENTS_REQUIRED_ORGANIZATION,
  EVENTS_ALLOW_HTTP_CERTIFICATE_URLS,
] as const;

/**
 * UNCONFIRMED: Partner Center's documentation says only that the certificate URL is given with each event; its
 * sample points at a blob storage host. Any storage account's blob host matches this suffix, so the chain and
 * organisation checks, not the host, are what stop a forger; the host list only limits what the facade fetches.
 */
export const defaultCertificateHosts: readonly string[] = ['.blob.core.windows.net'];

export const defaultRequiredOrganization = 'Microsoft Corporation';

/**
 * UNCONFIRMED which root Partner Center's signing certificate chains to: the documentation says "the Microsoft
 * root". These two are Microsoft's current roots, taken from Node's own bundle (the Mozilla list) by subject, so
 * no certificate is copied into the repository.
 */
export const defaultRootSubjects: readonly string[] = [
  'C=US\nO=Microsoft Corporation\nCN=Microsoft RSA Root Certificate Authority 2017',
  'C=US\nO=Microsoft Corporation\nCN=Microsoft ECC Root Certificate Authority 2017',
];

/** The default roots found in Node's bundle, by subject; a subject Node no longer ships is missing here. */
export function defaultTrustedRoots(): string[] {
  return rootCertificates.filter((pem) => defaultRootSubjects.includes(new X509Certificate(pem).subject));
}

type Environment = Readonly<Record<string, string | undefined>>;

const text = (env: Environment, name: string): string | undefined => {
  const value = env[name]?.trim();
  return value ? value : undefined;
};

/** A DNS name (or an IPv4 address, for local runs): letters, digits, hyphens, dots; no scheme, port or path. */
const hostName = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

function parseHosts(value: string, problems: string[]): string[] {
  const hosts = value.split(',').map((entry) => entry.trim().toLowerCase());
  for (const host of hosts) {
    const name = host.startsWith('.') ? host.slice(1) : host;
    if (!hostName.test(name)) {
      problems.push(
        `${EVENTS_CERTIFICATE_HOSTS} must be a comma-separated list of host names or suffixes such as .blob.core.windows.net (no scheme, port, path, wildcard or empty entry)`,
      );
      return [];
    }
    // ".net" would allow anyone's host: a suffix must leave at least a registrable domain.
    if (host.startsWith('.') && !name.includes('.')) {
      problems.push(`${EVENTS_CERTIFICATE_HOSTS}: a suffix must have at least two labels (.example.com)`);
      return [];
    }
  }
  return [...new Set(hosts)];
}

const pemBlock = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

function parseRoots(value: string, problems: string[]): string[] {
  // An app setting is one line: a PEM pasted with its line breaks written as \n is read as meant.
  const blocks = value.replaceAll('\\n', '\n').match(pemBlock) ?? [];
  if (blocks.length === 0) {
    problems.push(
      `${EVENTS_TRUSTED_ROOTS} must hold one or more PEM certificates (-----BEGIN CERTIFICATE-----)`,
    );
    return [];
  }
  const roots: string[] = [];
  for (const [index, block] of blocks.entries()) {
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(block);
    } catch {
      problems.push(`${EVENTS_TRUSTED_ROOTS}: certificate ${String(index + 1)} cannot be read`);
      continue;
    }
    if (!certificate.ca) {
      problems.push(`${EVENTS_TRUSTED_ROOTS}: certificate ${String(index + 1)} is not a CA certificate`);
      continue;
    }
    roots.push(certificate.toString());
  }
  return roots;
}

function parseFlag(value: string | undefined, problems: string[]): boolean {
  if (value === undefined) return false;
  if (/^(true|1)$/i.test(value)) return true;
  if (/^(false|0)$/i.test(value)) return false;
  problems.push(`${EVENTS_ALLOW_HTTP_CERTIFICATE_URLS} must be true or false`);
  return false;
}

/** Validates the event signature's settings. Messages name settings, never their values. */
export function loadEventSignatureSettings(env: Environment): EventSignatureSettings {
  const problems: string[] = [];
  for (const name of eventSignatureSettingNames) {
    if (isUnresolvedKeyVaultReference(env[name]))
      problems.push(`${name} is an unresolved Key Vault reference`);
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const hostsText = text(env, EVENTS_CERTIFICATE_HOSTS);
  const certificateHosts =
    hostsText === undefined ? [...defaultCertificateHosts] : parseHosts(hostsText, problems);
  const rootsText = text(env, EVENTS_TRUSTED_ROOTS);
  let trustedRoots: string[];
  if (rootsText === undefined) {
    trustedRoots = defaultTrustedRoots();
    if (trustedRoots.length === 0) {
      problems.push(
        `${EVENTS_TRUSTED_ROOTS} is required: this Node.js does not ship Microsoft's root certificates, so set them as PEM`,
      );
    }
  } else {
    trustedRoots = parseRoots(rootsText, problems);
  }
  const requiredOrganization = text(env, EVENTS_REQUIRED_ORGANIZATION) ?? defaultRequiredOrganization;
  const allowHttpCertificateUrls = parseFlag(text(env, EVENTS_ALLOW_HTTP_CERTIFICATE_URLS), problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return { certificateHosts, allowHttpCertificateUrls, trustedRoots, requiredOrganization };
}
