/**
 * Verification of Partner Center's event signature: the contract the event receiver codes against.
 * docs/events-partner-center.md describes the rules and the settings.
 */
export {
  createEventSignatureVerifier,
  DEFAULT_CACHE_TTL_MS,
  DEFAULT_FETCH_TIMEOUT_MS,
  type EventSignatureOptions,
  type EventSignatureVerifier,
} from './verifier';
export {
  defaultCertificateHosts,
  defaultRequiredOrganization,
  defaultRootSubjects,
  defaultTrustedRoots,
  eventSignatureSettingNames,
  loadEventSignatureSettings,
  type EventSignatureSettings,
} from './settings';
export {
  MAX_CACHED_URLS,
  MAX_CONCURRENT_DOWNLOADS,
  MAX_CERTIFICATE_BYTES,
  type CertificateFetch,
  type CertificateResponse,
} from './certificate-source';
