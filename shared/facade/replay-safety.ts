/**
 * Which JSON Patch documents can be sent twice without harm, and how to recognise the one non-idempotent write
 * the facade makes safe itself: appending a member to a referral's team.
 */
import type { PatchOperation } from '../referral/writable-paths';

/**
 * `replace`, and `add` to a named member, set a value: applying them twice leaves what applying them once
 * left. `add` to `/-` appends, so a second application appends again.
 */
export function isReplaySafePatch(patch: readonly PatchOperation[]): boolean {
  return patch.every((operation) => operation.op === 'replace' || !operation.path.endsWith('/-'));
}

const teamAppendPath = '/team/-';

/** The email of the member a patch appends to `/team`, when the patch is exactly that one append. */
export function teamMemberAppend(patch: readonly PatchOperation[]): string | undefined {
  const [only, ...rest] = patch;
  if (only === undefined || rest.length > 0 || only.op !== 'add' || only.path !== teamAppendPath) {
    return undefined;
  }
  const email = (only.value as { email?: unknown } | null)?.email;
  return typeof email === 'string' ? email : undefined;
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
