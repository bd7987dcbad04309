/**
 * The Entra app's certificate credential for tests: an RSA key and a self-signed certificate made with openssl and
 * deleted from disk at once (Entra ID takes RSA certificates for client assertions; Node cannot make X.509).
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface AppCertificate {
  /** What goes into Key Vault: the private key and the certificate, one PEM text. */
  readonly pem: string;
  /** What is uploaded to the app registration: the certificate alone. */
  readonly certificatePem: string;
  readonly notAfter: Date;
}

export function makeAppCertificate(validDays = 365): AppCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'facade-app-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        String(validDays),
        '-subj',
        '/CN=referrals-facade',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    const certificatePem = readFileSync(join(dir, 'cert.pem'), 'utf8');
    return {
      pem: readFileSync(join(dir, 'key.pem'), 'utf8') + certificatePem,
      certificatePem,
      notAfter: new Date(new X509Certificate(certificatePem).validTo),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
