/**
 * The Entra app's certificate credential for tests: an RSA key and a self-signed certificate made with openssl and
 * deleted from disk at once (Entra ID takes RSA certificates for client assertions; Node cannot make X.509).
 */
import { X509Certificate } from 'node:crypto';
import { selfSignedCertificate } from './tls';

export interface AppCertificate {
  /** What goes into Key Vault: the private key and the certificate, one PEM text. */
  readonly pem: string;
  /** What is uploaded to the app registration: the certificate alone. */
  readonly certificatePem: string;
  readonly notAfter: Date;
}

export function makeAppCertificate(validDays = 365): AppCertificate {
  const { cert, key } = selfSignedCertificate(['-newkey', 'rsa:2048'], '/CN=referrals-facade', validDays);
  return { pem: key + cert, certificatePem: cert, notAfter: new Date(new X509Certificate(cert).validTo) };
}
