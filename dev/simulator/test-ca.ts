/**
 * Throwaway X.509 certificates for the simulator's signed events and for the signature tests: a root CA, an
 * intermediate and an RSA signing leaf, as Partner Center's own chain is (reference events-auth-and-senders.md
 * §3: "signed with a certificate that chains to the Microsoft root"). Node can check certificates but cannot make
 * them, so openssl makes them, in a folder deleted at once: the repository holds no private key, and `npm start`
 * needs nothing beyond what `npm test` already needs (test/support/tls.ts makes its certificates the same way).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, sign, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface IssuedCertificate {
  readonly certificatePem: string;
  readonly keyPem: string;
  readonly certificate: X509Certificate;
}

export interface CertificateRequest {
  /** openssl's form: `/C=US/O=Microsoft Corporation/CN=…`. */
  readonly subject: string;
  /** Signed by this certificate; self-signed when absent. */
  readonly issuer?: IssuedCertificate;
  /** A CA may issue certificates; a leaf only signs. */
  readonly ca: boolean;
  readonly days?: number;
  /** `rsa` (the signing leaf: the events are signed RSA-SHA256) or `ec` (quicker to make, fine for a CA). */
  readonly key?: 'rsa' | 'ec';
}

const keyArguments = (key: 'rsa' | 'ec'): string[] =>
  key === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];

const caExtensions = [
  'basicConstraints=critical,CA:TRUE',
  'keyUsage=critical,keyCertSign,cRLSign',
  'subjectKeyIdentifier=hash',
];
const leafExtensions = [
  'basicConstraints=critical,CA:FALSE',
  'keyUsage=critical,digitalSignature',
  'subjectKeyIdentifier=hash',
];

export function issueCertificate(request: CertificateRequest): IssuedCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'facade-ca-'));
  const file = (name: string) => join(dir, name);
  const run = (args: readonly string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  const days = String(request.days ?? 30);
  const extensions = request.ca ? caExtensions : leafExtensions;
  try {
    if (request.issuer === undefined) {
      run([
        'req',
        '-x509',
        ...keyArguments(request.key ?? 'rsa'),
        '-nodes',
        '-sha256',
        '-days',
        days,
        '-subj',
        request.subject,
        ...extensions.flatMap((extension) => ['-addext', extension]),
        '-keyout',
        file('key.pem'),
        '-out',
        file('cert.pem'),
      ]);
    } else {
      writeFileSync(file('issuer.pem'), request.issuer.certificatePem);
      writeFileSync(file('issuer-key.pem'), request.issuer.keyPem);
      writeFileSync(
        file('extensions.cnf'),
        [...extensions, 'authorityKeyIdentifier=keyid,issuer'].join('\n') + '\n',
      );
      run([
        'req',
        '-new',
        ...keyArguments(request.key ?? 'rsa'),
        '-nodes',
        '-subj',
        request.subject,
        '-keyout',
        file('key.pem'),
        '-out',
        file('request.csr'),
      ]);
      run([
        'x509',
        '-req',
        '-in',
        file('request.csr'),
        '-CA',
        file('issuer.pem'),
        '-CAkey',
        file('issuer-key.pem'),
        '-set_serial',
        `0x${randomBytes(12).toString('hex')}`,
        '-sha256',
        '-days',
        days,
        '-extfile',
        file('extensions.cnf'),
        '-out',
        file('cert.pem'),
      ]);
    }
    const certificatePem = readFileSync(file('cert.pem'), 'utf8');
    return {
      certificatePem,
      keyPem: readFileSync(file('key.pem'), 'utf8'),
      certificate: new X509Certificate(certificatePem),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A signing chain: what Partner Center's certificate URL serves, and the root a receiver trusts. */
export interface SigningChain {
  readonly root: IssuedCertificate;
  readonly intermediate: IssuedCertificate;
  readonly leaf: IssuedCertificate;
  /** The leaf, then the intermediate: the file served at the certificate URL. */
  readonly servedPem: string;
  /** The base64 RSA-SHA256 signature of `body`'s bytes (UTF-8 for a string) with the leaf's key. */
  sign(body: string | Uint8Array): string;
}

export interface SigningChainOptions {
  /** The leaf's O=; Partner Center's is "Microsoft Corporation". */
  readonly organization?: string;
  /** Names the chain, so two chains in one test are told apart. */
  readonly name?: string;
  readonly leafDays?: number;
}

/** openssl's subject form; a `/` or `\` inside a value would start a new attribute, so it is escaped. */
const subjectValue = (value: string): string => value.replace(/[\\/]/g, (character) => `\\${character}`);

export function makeSigningChain(options: SigningChainOptions = {}): SigningChain {
  const name = subjectValue(options.name ?? 'Test');
  const root = issueCertificate({
    subject: `/O=referrals-facade tests/CN=${name} Root CA`,
    ca: true,
    key: 'ec',
    days: 365,
  });
  const intermediate = issueCertificate({
    subject: `/O=referrals-facade tests/CN=${name} Issuing CA`,
    issuer: root,
    ca: true,
    key: 'ec',
    days: 180,
  });
  const leaf = issueCertificate({
    subject: `/C=US/O=${subjectValue(options.organization ?? 'Microsoft Corporation')}/CN=${name} event signing`,
    issuer: intermediate,
    ca: false,
    key: 'rsa',
    days: options.leafDays ?? 30,
  });
  return {
    root,
    intermediate,
    leaf,
    servedPem: leaf.certificatePem + intermediate.certificatePem,
    sign: (body) =>
      sign('sha256', typeof body === 'string' ? Buffer.from(body, 'utf8') : body, leaf.keyPem).toString(
        'base64',
      ),
  };
}

let simulatorChain: SigningChain | undefined;

/**
 * The simulator's chain, made once per process on first use: making keys takes a few hundred milliseconds, and a
 * test run starts many simulators that need not each have their own CA.
 */
export function simulatorSigningChain(): SigningChain {
  simulatorChain ??= makeSigningChain({ name: 'Partner Center simulator' });
  return simulatorChain;
}
