/**
 * A throwaway certificate for the local HTTPS fakes, made with openssl at test setup and deleted from disk at
 * once: the repository holds no private key. Azure SDK clients and msal-node insist on https.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, getGlobalDispatcher, setGlobalDispatcher, type Dispatcher } from 'undici';

export interface TestCertificate {
  readonly cert: string;
  readonly key: string;
}

/**
 * A self-signed certificate and its key, made by openssl (Node cannot make X.509) in a folder deleted at once.
 * `keyArguments` choose the key (`-newkey …`); `extra` adds what the caller needs, such as subject names.
 */
export function selfSignedCertificate(
  keyArguments: readonly string[],
  subject: string,
  validDays: number,
  extra: readonly string[] = [],
): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'facade-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        ...keyArguments,
        '-nodes',
        '-days',
        String(validDays),
        '-subj',
        subject,
        ...extra,
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return {
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function makeLoopbackCertificate(): TestCertificate {
  return selfSignedCertificate(
    ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'],
    '/CN=127.0.0.1',
    1,
    ['-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
  );
}

/**
 * msal-node calls Entra ID with the global fetch; trusting the test certificate there is the test's stand-in
 * for NODE_EXTRA_CA_CERTS, which Node reads only at start-up. Returns the undo.
 */
export function trustForFetch(certificate: TestCertificate): () => Promise<void> {
  const previous: Dispatcher = getGlobalDispatcher();
  const agent = new Agent({ connect: { ca: certificate.cert } });
  setGlobalDispatcher(agent);
  return async () => {
    setGlobalDispatcher(previous);
    await agent.close();
  };
}
