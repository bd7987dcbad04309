/**
 * Every problem type the facade can answer, declared once: its HTTP status, title, default Retry-After, whether
 * Partner Center was reached and whether an update may have been applied, and the text of docs/errors.md (a test
 * checks that the document matches this table). Nothing else decides these facts.
 */

/** Whether the call reached Partner Center before it failed. */
export type Reached = 'no' | 'yes' | 'maybe';
/** Whether an update the caller sent may have been applied. */
export type MayHaveApplied = 'no' | 'yes' | 'maybe';

export interface ProblemType {
  /** The status this kind answers with; `statuses` lists the others it may take instead. */
  readonly status: number;
  readonly statuses?: readonly number[];
  readonly title: string;
  /** Retry-After sent when the failure gives no better figure. */
  readonly retryAfterSeconds?: number;
  readonly reached: Reached;
  readonly mayHaveApplied: MayHaveApplied;
  /** docs/errors.md: when the caller sees it, and what to do. */
  readonly meaning: string;
  readonly action: string;
}

const BOOTSTRAP = 'An operator runs the bootstrap again (docs/credentials.md).';

export const problemTypes = {
  'invalid-request': {
    status: 400,
    title: 'Invalid request',
    reached: 'no',
    mayHaveApplied: 'no',
    meaning:
      'The request is malformed or a field is wrong: bad JSON, a missing, unknown or invalid field, an unsupported JSON Patch op or path, a disallowed status pair, an invalid referral id, `return` query or `If-Match`. Nothing was sent to Partner Center.',
    action: 'Fix the fields listed in `errors`.',
  },
  'unsupported-media-type': {
    status: 415,
    title: 'Unsupported media type',
    reached: 'no',
    mayHaveApplied: 'no',
    meaning: 'A body was sent without `Content-Type: application/json` (or another `+json` type).',
    action: 'Send JSON with that header.',
  },
  'payload-too-large': {
    status: 413,
    title: 'Payload too large',
    reached: 'no',
    mayHaveApplied: 'no',
    meaning: 'The body is over 64 KiB.',
    action: 'Send less.',
  },
  'uri-too-long': {
    status: 414,
    title: 'Request target too long',
    reached: 'no',
    mayHaveApplied: 'no',
    meaning: 'The path and query are longer than 8 KiB (local host; in Azure the platform answers).',
    action: 'Send a shorter URL: search with fewer or shorter parameters.',
  },
  'headers-too-large': {
    status: 431,
    title: 'Request headers too large',
    reached: 'no',
    mayHaveApplied: 'no',
    meaning: 'The request line and headers are over 64 KiB (local host; in Azure the platform answers).',
    action: 'Send fewer or smaller headers.',
  },
  'route-not-found': {
    status: 404,
    title: 'No such endpoint',
    reached: 'no',
    mayHaveApplied: 'no',
    meaning:
      'No endpoint at that path. In Azure the Functions host answers unknown paths itself (an empty 404): a catch-all function could shadow real endpoints there, because the host orders routes by function name.',
    action: 'Check the URL against the README.',
  },
  'method-not-allowed': {
    status: 405,
    title: 'Method not allowed',
    reached: 'no',
    mayHaveApplied: 'no',
    meaning:
      'The path exists but not for this method; `Allow` lists the methods (local host; in Azure the host answers).',
    action: 'Use one of them.',
  },
  misconfigured: {
    status: 503,
    title: 'The facade is not configured',
    retryAfterSeconds: 300,
    reached: 'no',
    mayHaveApplied: 'no',
    meaning: "The facade's own settings are missing or invalid; `detail` names them.",
    action: 'An operator fixes the app settings.',
  },
  'internal-error': {
    status: 500,
    title: 'Internal error',
    reached: 'maybe',
    mayHaveApplied: 'maybe',
    meaning: 'An unexpected failure in the facade. The update may or may not have been applied.',
    action: 'Read the referral; report the correlation id.',
  },
  'upstream-rejected': {
    status: 400,
    statuses: [422],
    title: 'Partner Center rejected the request',
    reached: 'yes',
    mayHaveApplied: 'no',
    meaning:
      'Partner Center refused the call (for example a status move it does not allow); its reason is in `upstream`.',
    action: 'Fix what `upstream.message` says.',
  },
  'upstream-unauthorized': {
    status: 503,
    title: "Partner Center refused the facade's credentials",
    retryAfterSeconds: 300,
    reached: 'yes',
    mayHaveApplied: 'no',
    meaning:
      "Partner Center answered 401 to the facade's own access token (renewed once and refused again): the caller's request was fine, the facade's credentials are not, so this is a 503, not a 401.",
    action: "An operator renews the facade's Partner Center credentials.",
  },
  'upstream-forbidden': {
    status: 403,
    title: 'Partner Center denied access',
    reached: 'yes',
    mayHaveApplied: 'no',
    meaning:
      'The Partner Center user the facade acts as lacks the Referrals Admin / Referrals User role for this referral.',
    action: 'Grant the role in Partner Center.',
  },
  'referral-not-found': {
    status: 404,
    title: 'Referral not found',
    reached: 'yes',
    mayHaveApplied: 'no',
    meaning:
      "Partner Center has no such referral visible to the facade's user (or, for a webhook, none carries the `externalReferenceId` it named).",
    action: 'Check the id.',
  },
  'upstream-not-found': {
    status: 502,
    title: 'Partner Center did not find the referral list',
    reached: 'yes',
    mayHaveApplied: 'no',
    meaning:
      "Partner Center answered 404 to a search of its referral list: the facade's `PARTNER_CENTER_BASE_URL` is probably wrong.",
    action: 'An operator checks `PARTNER_CENTER_BASE_URL`; report the correlation id.',
  },
  'upstream-conflict': {
    status: 409,
    title: 'Partner Center reported a conflict',
    reached: 'yes',
    mayHaveApplied: 'no',
    meaning: "Partner Center reported a conflict with the referral's state.",
    action: 'Read the referral and decide.',
  },
  'etag-mismatch': {
    status: 412,
    title: 'The referral has changed',
    reached: 'yes',
    mayHaveApplied: 'maybe',
    meaning:
      'The referral changed since the ETag in `If-Match` was read. When an earlier attempt of the same update got no answer, `detail` says that it may have been applied.',
    action: '`GET /api/referrals/{id}` for a fresh ETag and send again.',
  },
  'upstream-throttled': {
    status: 429,
    title: 'Partner Center is throttling requests',
    reached: 'yes',
    mayHaveApplied: 'no',
    meaning: 'Partner Center is throttling; `Retry-After` says how long to wait.',
    action: 'Wait, then send again.',
  },
  'upstream-unavailable': {
    status: 503,
    title: 'Partner Center is unavailable',
    retryAfterSeconds: 30,
    reached: 'maybe',
    mayHaveApplied: 'maybe',
    meaning:
      'Partner Center kept failing (throttling, 5xx, or no connection) until the retry budget was spent; `detail` says whether an attempt may have applied the update, `upstream` has its last answer, `Retry-After` when to try again.',
    action: 'Send again after `Retry-After`.',
  },
  'upstream-error': {
    status: 502,
    title: 'Partner Center failed',
    reached: 'yes',
    mayHaveApplied: 'no',
    meaning:
      'Partner Center failed with a 5xx that is not worth retrying (501, 505), or answered a status that would mean something else if relayed to you (a redirect, 405, 407, another 4xx than 400, 403, 404, 409, 412, 422 and 429); the update was not applied.',
    action: 'Report it; sending again will not help.',
  },
  'upstream-timeout': {
    status: 504,
    title: 'Partner Center did not answer in time',
    retryAfterSeconds: 30,
    reached: 'maybe',
    mayHaveApplied: 'maybe',
    meaning:
      'Partner Center did not answer in time on the last attempt; whether the update landed is unknown.',
    action: 'Read the referral, or send again: the simplified operations are safe to repeat.',
  },
  'upstream-unreachable': {
    status: 502,
    title: 'Partner Center could not be reached',
    retryAfterSeconds: 30,
    reached: 'maybe',
    mayHaveApplied: 'maybe',
    meaning:
      'The facade could not complete its call to Partner Center and did not retry it; the update may not have been applied.',
    action: 'Read the referral, or send again later.',
  },
  'upstream-invalid-response': {
    status: 502,
    title: 'Partner Center sent an unusable answer',
    reached: 'yes',
    mayHaveApplied: 'maybe',
    meaning:
      'Partner Center answered success with a body that is not the JSON its contract promises, or a next-page link outside its referral list (not followed); an update may have been applied.',
    action: 'Read the referral before sending again.',
  },
  'outcome-unknown': {
    status: 502,
    statuses: [504],
    title: 'The outcome of the update is unknown',
    reached: 'maybe',
    mayHaveApplied: 'maybe',
    meaning:
      'An append (such as a raw `add /team/-`) or a create got no clear answer, so the facade did not resend it (that could add the entry or the referral twice); Partner Center answered 202 Accepted, which does not say the update was applied; or an attempt got no answer and Partner Center refused the resend (it may have refused it because the first one landed).',
    action:
      'Read the referral to see whether it was applied; for a create, send it again with the same `externalReferenceId` (the facade answers the referral that landed).',
  },
  'referral-unversioned': {
    status: 502,
    title: 'Partner Center gave no usable ETag',
    reached: 'yes',
    mayHaveApplied: 'no',
    meaning:
      'add-member, register-deal (or close-won with `registerDeal`) or a sync that adds team members read the referral but Partner Center gave no ETag (or one a header cannot carry), so the append could not be sent under If-Match; appending unguarded could add the entry twice, so nothing was sent.',
    action: "Send the request with the referral's ETag in `If-Match`, or report the correlation id.",
  },
  'referral-busy': {
    status: 503,
    title: 'The referral keeps changing',
    retryAfterSeconds: 2,
    reached: 'yes',
    mayHaveApplied: 'no',
    meaning:
      '`add-member`, `register-deal` or `sync` kept losing the race with other writers to the same referral (its ETag changed on every try).',
    action: 'Send again after `Retry-After`.',
  },
  'transition-forbidden': {
    status: 409,
    title: 'Partner Center does not allow this status change',
    reached: 'yes',
    mayHaveApplied: 'no',
    meaning:
      '`sync` read the referral and the status it asks for is a move Partner Center refuses (Closed is final; no move back from Active to New); `detail` names the move. Nothing was written.',
    action: "Leave status and substatus out of the sync, or send the referral's current pair.",
  },
  'credentials-missing': {
    status: 503,
    title: 'Partner Center credentials are not set up',
    retryAfterSeconds: 300,
    reached: 'no',
    mayHaveApplied: 'no',
    meaning: 'Key Vault has no secret of that name (Key Vault mode).',
    action: 'An operator runs the bootstrap (docs/credentials.md).',
  },
  'credentials-forbidden': {
    status: 503,
    title: 'The facade may not read its credentials',
    retryAfterSeconds: 300,
    reached: 'no',
    mayHaveApplied: 'no',
    meaning: "Key Vault refused the facade's identity access to a secret.",
    action: 'An operator grants the identity its Key Vault role.',
  },
  'credentials-unavailable': {
    status: 503,
    title: 'Partner Center credentials are unavailable',
    retryAfterSeconds: 30,
    reached: 'no',
    mayHaveApplied: 'no',
    meaning: 'Key Vault could not be reached and no credentials are cached yet.',
    action: 'Send again after `Retry-After`; an operator checks the vault if it persists.',
  },
  'credentials-expired': {
    status: 503,
    title: "The integration user's sign-in has expired",
    retryAfterSeconds: 300,
    reached: 'no',
    mayHaveApplied: 'no',
    meaning: 'Entra ID refused the stored refresh token (expired or revoked).',
    action: BOOTSTRAP,
  },
  'credentials-rejected': {
    status: 503,
    title: "Entra ID refused the facade's app credentials",
    retryAfterSeconds: 300,
    reached: 'no',
    mayHaveApplied: 'no',
    meaning:
      "Entra ID refused the facade's app client id or credential, or the refresh token was redeemed as the wrong kind of client (AADSTS700025, AADSTS7000218).",
    action:
      'An operator stores a valid client secret or certificate in Key Vault, or runs the bootstrap again (the detail says which).',
  },
  'credentials-mfa-required': {
    status: 503,
    title: "The integration user's sign-in lacks MFA",
    retryAfterSeconds: 300,
    reached: 'yes',
    mayHaveApplied: 'no',
    meaning:
      "Partner Center refused the facade's token with error code 900421: the integration user's sign-in had no multifactor authentication.",
    action:
      'An operator runs the bootstrap again, signing in as the integration user with MFA (docs/credentials.md).',
  },
  'token-service-unavailable': {
    status: 503,
    title: 'Entra ID is unavailable',
    retryAfterSeconds: 30,
    reached: 'no',
    mayHaveApplied: 'no',
    meaning:
      "Entra ID could not issue a token just now, or Key Vault or Entra ID did not answer within the call's time; nothing was sent to Partner Center.",
    action: 'Send again after `Retry-After`.',
  },
  'ambiguous-external-reference': {
    status: 409,
    title: 'Several referrals match',
    reached: 'yes',
    mayHaveApplied: 'no',
    meaning: 'Several referrals carry the `externalReferenceId` a webhook named.',
    action: 'Give each referral its own CRM id, or name the referral by its Partner Center id.',
  },
  'webhook-mapping-not-found': {
    status: 404,
    title: 'No such webhook',
    reached: 'no',
    mayHaveApplied: 'no',
    meaning: 'No webhook mapping has that name.',
    action: 'Check the URL, or configure the mapping (docs/webhooks.md).',
  },
  'webhook-signature-invalid': {
    status: 401,
    title: 'The webhook signature is not valid',
    reached: 'no',
    mayHaveApplied: 'no',
    meaning: 'The webhook is unsigned, mis-signed, stale or signed with another secret; nothing was changed.',
    action: "Sign the raw body as the mapping's scheme says.",
  },
  'webhook-unmappable': {
    status: 422,
    title: 'The payload does not fit the mapping',
    reached: 'no',
    mayHaveApplied: 'no',
    meaning:
      'The payload does not fit the mapping: `errors` names each field and the expression it came from.',
    action: "Fix the sender's payload or the mapping.",
  },
  'webhooks-misconfigured': {
    status: 503,
    title: 'The webhook intake is not configured',
    retryAfterSeconds: 300,
    reached: 'no',
    mayHaveApplied: 'no',
    meaning: 'The webhook mappings or their secrets are invalid; only `/api/hooks` is affected.',
    action: 'An operator fixes the webhook settings.',
  },
  'event-invalid': {
    status: 400,
    title: 'Not a Partner Center event',
    reached: 'no',
    mayHaveApplied: 'no',
    meaning:
      'A signed body sent to the events receiver is not a Partner Center notification: not JSON, no `EventName`, or a `ResourceUri` that names no referral. Nothing was stored.',
    action: 'Send the notification as Partner Center sends it (docs/events.md).',
  },
  'event-referral-unavailable': {
    status: 503,
    title: "The event's referral could not be read",
    retryAfterSeconds: 60,
    reached: 'yes',
    mayHaveApplied: 'no',
    meaning:
      "The events receiver could not read the referral a Partner Center event names (Partner Center unavailable, the facade's token refused, throttled); `detail` names the problem. Nothing was stored. Always a 5xx, whatever the read's own status, so Partner Center sends the event again.",
    action:
      'Nothing, usually: Partner Center retries, and the sweep recovers what it parks. If it persists, check the credentials (`/api/health/ready`).',
  },
  'storage-unavailable': {
    status: 503,
    title: 'Durable storage is unavailable',
    retryAfterSeconds: 30,
    reached: 'no',
    mayHaveApplied: 'no',
    meaning:
      'An asynchronous call (`Prefer: respond-async`, `?mode=async`, a mapping with `delivery: async`), an operations endpoint or an events endpoint could not use the storage account: it is not configured (`DURABLE_STORAGE`) or did not answer. Nothing was accepted.',
    action:
      'Send again after `Retry-After`, or send the call synchronously; an operator checks the storage settings.',
  },
  'operation-not-found': {
    status: 404,
    title: 'No such operation',
    reached: 'no',
    mayHaveApplied: 'no',
    meaning: 'No accepted operation has that id (the `Location` of a 202 answer).',
    action: 'Use the `Location` the 202 answer gave.',
  },
  'idempotency-key-reused': {
    status: 422,
    title: 'Idempotency key reused with a different request',
    reached: 'no',
    mayHaveApplied: 'no',
    meaning:
      'An asynchronous call carried an `Idempotency-Key` already used on this referral for a different request (another operation, body or precondition). Nothing was accepted.',
    action: 'Use a new key for a new request; send the same request to get the first operation back.',
  },
  'operation-superseded': {
    status: 409,
    title: 'A newer operation on the referral was applied first',
    reached: 'no',
    mayHaveApplied: 'no',
    meaning:
      'An accepted operation was not sent, or an operator retry was refused, because a newer operation on the same referral had already been applied: an older change never overwrites a newer one.',
    action: 'Read the referral; send the change again if it is still wanted (it is then the newest).',
  },
  'operation-not-replayable': {
    status: 409,
    title: 'The operation cannot be retried',
    reached: 'no',
    mayHaveApplied: 'no',
    meaning:
      'An operator asked to retry an operation that has not failed (it is pending or already has its outcome).',
    action: 'Retry only operations listed by `GET /api/operations?state=failed`.',
  },
  // ---- Partner Center events: the signature on POST /api/events/partner-center (shared/event-signature) ----
  'event-signature-missing': {
    status: 401,
    title: 'The event is not signed',
    reached: 'no',
    mayHaveApplied: 'no',
    meaning:
      'A Partner Center event arrived without its signature (`Authorization: Signature …` or `x-ms-signature`) or without `X-MS-Certificate-Url`; nothing was accepted.',
    action:
      'Only Partner Center posts to this endpoint; check that the registration points at it (docs/events-partner-center.md).',
  },
  'event-signature-invalid': {
    status: 401,
    title: 'The event signature is not valid',
    reached: 'no',
    mayHaveApplied: 'no',
    meaning:
      "The event's signature does not verify over the body as received, or its certificate does not chain to a trusted root, is expired or not yet valid, is not the required organisation's, or cannot be read; nothing was accepted.",
    action:
      'Nothing, if the sender was not Partner Center. Otherwise an operator checks EVENTS_TRUSTED_ROOTS and EVENTS_REQUIRED_ORGANIZATION against the certificate (docs/events-partner-center.md).',
  },
  'event-certificate-refused': {
    status: 401,
    title: 'The event certificate URL is refused',
    reached: 'no',
    mayHaveApplied: 'no',
    meaning:
      '`X-MS-Certificate-Url` is not an https URL on an allowed host, carries credentials, or names a file larger than the facade reads; the certificate was not fetched and nothing was accepted.',
    action:
      'Nothing, if the sender was not Partner Center. Otherwise an operator adds the certificate host to EVENTS_CERTIFICATE_HOSTS.',
  },
  'event-certificate-unavailable': {
    status: 503,
    title: 'The event certificate could not be fetched',
    retryAfterSeconds: 60,
    reached: 'no',
    mayHaveApplied: 'no',
    meaning:
      'The signing certificate named by `X-MS-Certificate-Url` could not be fetched in time (no connection, a timeout, a status other than 200), so the signature could not be checked; nothing was accepted.',
    action: 'Partner Center delivers the event again (up to 10 attempts); nothing to do unless it persists.',
  },
  'subscription-not-found': {
    status: 404,
    title: 'No such event subscription',
    reached: 'no',
    mayHaveApplied: 'no',
    meaning:
      'No event subscription has that id: it was never made, was deleted (Power Automate deletes its trigger subscriptions when a flow is turned off or deleted), or the id is not one the facade gives.',
    action: 'List the subscriptions (`GET /api/events/subscriptions`) or subscribe again.',
  },
  'destination-refused': {
    status: 422,
    title: 'The subscriber address is not allowed',
    reached: 'no',
    mayHaveApplied: 'no',
    meaning:
      'A subscription named an address the facade does not deliver to: not https, or a host that is or resolves to a private, loopback, link-local or cloud metadata address. Nothing was stored.',
    action:
      'Give a public https URL. For local runs only, an operator may set `EVENTS_ALLOW_PRIVATE_DESTINATIONS=true`.',
  },
  'subscription-disabled': {
    status: 409,
    title: 'The event subscription is disabled',
    reached: 'no',
    mayHaveApplied: 'no',
    meaning:
      'The subscriber answered `410 Gone` (or, for a Power Automate trigger, `404`/`410`: the flow was deleted), so the subscription was disabled and nothing more is delivered or replayed to it.',
    action: 'Subscribe again (a new subscription) if the endpoint is back.',
  },
} as const satisfies Readonly<Record<string, ProblemType>>;

export type ProblemKind = keyof typeof problemTypes;

export const PROBLEM_TYPE_BASE = 'urn:referrals-facade:problem:';

export function problemType(kind: ProblemKind): ProblemType {
  return problemTypes[kind];
}
