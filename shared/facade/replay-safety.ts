/**
 * Which JSON Patch documents can be sent twice without harm, and whether a referral already has a member.
 */
import type { PatchOperation } from '../referral/writable-paths';

/**
 * `replace`, and `add` to a named member, set a value: applying them twice leaves what applying them once
 * left. `add` to `/-` appends, so a second application appends again.
 */
export function isReplaySafePatch(patch: readonly PatchOperation[]): boolean {
  return patch.every((operation) => operation.op === 'replace' || !operation.path.endsWith('/-'));
}

/** Email addresses compare case-insensitively here, as mailbox providers treat them in practice. */
export function hasTeamMember(referral: unknown, email: string): boolean {
  const team = typeof referral === 'object' && referral !== null ? (referral as { team?: unknown }).team : [];
  if (!Array.isArray(team)) return false;
  const wanted = email.trim().toLowerCase();
  return team.some((member: unknown) => {
    const candidate =
      typeof member === 'object' && member !== null ? (member as { email?: unknown }).email : undefined;
    return typeof candidate === 'string' && candidate.trim().toLowerCase() === wanted;
  });
}
