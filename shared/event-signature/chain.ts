/**
 * The certificate checks of Partner Center's signing steps (reference events-auth-and-senders.md §3; partner-
 * center-referrals.md §8: "verify the chain and the Organization"), with node:crypto's X509Certificate alone:
 * read the served file, build the chain leaf → intermediates → a trusted root, check every certificate's dates,
 * then the leaf's organisation. Failures are returned as reasons the sender may read.
 */
import { X509Certificate } from 'node:crypto';

/** Longest chain followed: Microsoft's chains are leaf, one or two issuing CAs, root. */
const MAX_DEPTH = 6;

const pemBlock = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * The certificates in a served file: PEM (one or several blocks: the leaf and its intermediates) or a single DER
 * certificate. Which form Partner Center serves is not documented, so both are read. Undefined when neither fits.
 */
export function readCertificates(bytes: Uint8Array): X509Certificate[] | undefined {
  const text = Buffer.from(bytes).toString('latin1');
  try {
    if (text.includes('-----BEGIN CERTIFICATE-----')) {
      const blocks = text.match(pemBlock) ?? [];
      return blocks.length === 0 ? undefined : blocks.map((block) => new X509Certificate(block));
    }
    return [new X509Certificate(Buffer.from(bytes))];
  } catch {
    return undefined;
  }
}

export type ChainResult =
  { readonly ok: true; readonly leaf: X509Certificate } | { readonly ok: false; readonly reason: string };

/** Whether `child` names `issuer` as its issuer and carries `issuer`'s signature. */
const issuedBy = (child: X509Certificate, issuer: X509Certificate): boolean =>
  issuer.ca && child.checkIssued(issuer) && child.verify(issuer.publicKey);

function validity(certificate: X509Certificate, now: number, role: string): string | undefined {
  const from = Date.parse(certificate.validFrom);
  const to = Date.parse(certificate.validTo);
  if (Number.isNaN(from) || Number.isNaN(to))
    return `the ${role} certificate's validity dates cannot be read`;
  if (now < from) return `the ${role} certificate is not valid yet`;
  if (now > to) return `the ${role} certificate has expired`;
  return undefined;
}

/** The values of one attribute (such as O) in Node's subject text, one `NAME=value` a line. */
function attributeValues(subject: string, name: string): string[] {
  return subject
    .split('\n')
    .filter((line) => line.startsWith(`${name}=`))
    .map((line) => line.slice(name.length + 1));
}

/**
 * The leaf is the first certificate that is not a CA (the files seen list it first, but order is not promised);
 * the rest are candidate intermediates, tried in any order.
 */
export function verifyChain(
  served: readonly X509Certificate[],
  trustedRoots: readonly X509Certificate[],
  requiredOrganization: string,
  now: number,
): ChainResult {
  const leaf = served.find((certificate) => !certificate.ca) ?? served[0];
  if (leaf === undefined) return { ok: false, reason: 'the certificate URL served no certificate' };
  const chain: X509Certificate[] = [leaf];
  let current = leaf;
  let root: X509Certificate | undefined;
  while (root === undefined) {
    if (chain.length > MAX_DEPTH) {
      return { ok: false, reason: 'the certificate chain is longer than the facade follows' };
    }
    // A trusted root is matched by its key, so a root re-issued or cross-signed under the same key still counts.
    root = trustedRoots.find((candidate) => issuedBy(current, candidate));
    if (root !== undefined) break;
    const next = served.find((candidate) => !chain.includes(candidate) && issuedBy(current, candidate));
    if (next === undefined) {
      return { ok: false, reason: 'the signing certificate does not chain to a trusted root' };
    }
    chain.push(next);
    current = next;
  }
  const roles = chain.map((_, index) => (index === 0 ? 'signing' : 'intermediate'));
  for (const [index, certificate] of [...chain, root].entries()) {
    const problem = validity(certificate, now, roles[index] ?? 'root');
    if (problem !== undefined) return { ok: false, reason: problem };
  }
  if (!attributeValues(leaf.subject, 'O').includes(requiredOrganization)) {
    return { ok: false, reason: "the signing certificate is not the required organisation's (subject O=)" };
  }
  return { ok: true, leaf };
}
