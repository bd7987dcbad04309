/**
 * How long the credential machinery waits for Key Vault and Entra ID. Fixed rather than settings: each must sit
 * well inside the shortest call deadline (PARTNER_CENTER_DEADLINE_MS, at least 1 s, default 60 s) and inside the
 * readiness budget, and a service that has not answered in these times is treated as down, not slow.
 */

/** One Key Vault operation (the SDK's retries and its bearer challenge included). */
export const KEY_VAULT_TIMEOUT_MS = 3_000;
/** One request to Entra ID's token endpoint. */
export const ENTRA_TIMEOUT_MS = 5_000;
/**
 * Readiness answers within this, whatever Key Vault and Entra ID do: a check still running then is reported as
 * failed, by name. Under the 5 s an orchestrator's probe typically allows.
 */
export const READINESS_BUDGET_MS = 4_000;
/**
 * A caller who finds the token in its renewal window (its last 5 minutes) waits this long for the renewal, then
 * is served the current token while the renewal goes on: a hung Entra ID must not fail calls a valid token serves.
 */
export const RENEWAL_GRACE_MS = 1_000;
