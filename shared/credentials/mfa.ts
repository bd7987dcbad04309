/**
 * Partner Center's answer to an App+User token without an MFA claim: 401 with error code 900421 (Microsoft's
 * FY26 CSP technical-changes briefing; the Partner Center authentication page announces the enforcement). The
 * body's shape for the referrals API is not documented, so the code is looked for in both of Partner Center's
 * error shapes: `{error:{code,innerError}}` and `{code,description}`.
 */
export const MFA_REQUIRED_CODE = '900421';

function hasMfaCode(node: unknown, depth: number): boolean {
  if (typeof node !== 'object' || node === null || depth > 8) return false;
  const { code, error, innerError } = node as { code?: unknown; error?: unknown; innerError?: unknown };
  if (String(code) === MFA_REQUIRED_CODE) return true;
  return hasMfaCode(error, depth + 1) || hasMfaCode(innerError, depth + 1);
}

export function isMfaRequired(status: number, body: string): boolean {
  if (status !== 401 || !body.includes(MFA_REQUIRED_CODE)) return false;
  try {
    return hasMfaCode(JSON.parse(body), 0);
  } catch {
    return false;
  }
}
