/**
 * The app's certificate credential as Key Vault keeps it: one PEM text with the private key and the certificate
 * (what a PEM certificate's secret holds, or what an operator stores with --content-type application/x-pem-file).
 * Only node:crypto here, so the readiness view can read the validity without loading the Azure SDKs.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';

/** The content type Key Vault gives a PEM certificate's secret. */
export const PEM_CONTENT_TYPE = 'application/x-pem-file';

export interface ParsedCertificate {
  /** PKCS#8 PEM, as msal-node wants it. */
  readonly privateKey: string;
  /** SHA-256 thumbprint in hex, sent as the assertion's x5t#S256 header. */
  readonly thumbprintSha256: string;
  /** The certificate PEM, sent as x5c (lets Entra ID accept a renewed certificate by subject name). */
  readonly certificatePem: string;
  readonly notAfter: Date;
}

/** A PEM that is not a private key with its certificate; the message says what is missing, never the content. */
export class CertificateFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CertificateFormatError';
  }
}

const certificateBlock = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;
const keyBlock =
  /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/;

export function parseCertificatePem(pem: string): ParsedCertificate {
  const certificatePem = certificateBlock.exec(pem)?.[0];
  const keyPem = keyBlock.exec(pem)?.[0];
  if (certificatePem === undefined || keyPem === undefined) {
    throw new CertificateFormatError(
      'the certificate secret must hold a PEM private key and its PEM certificate (application/x-pem-file)',
    );
  }
  let certificate: X509Certificate;
  let privateKey: string;
  try {
    certificate = new X509Certificate(certificatePem);
    const key = createPrivateKey(keyPem);
    if (!certificate.checkPrivateKey(key)) {
      throw new CertificateFormatError(
        'the private key in the certificate secret does not match its certificate',
      );
    }
    privateKey = key.export({ type: 'pkcs8', format: 'pem' }).toString();
  } catch (error) {
    if (error instanceof CertificateFormatError) throw error;
    throw new CertificateFormatError(
      'the certificate secret holds a PEM that cannot be read (or an encrypted key)',
    );
  }
  return {
    privateKey,
    thumbprintSha256: certificate.fingerprint256.replaceAll(':', '').toLowerCase(),
    certificatePem,
    notAfter: new Date(certificate.validTo),
  };
}
