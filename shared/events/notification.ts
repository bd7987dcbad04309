/**
 * Partner Center's notification, read leniently: the payload is documented by example only (reference §8), so
 * property names are matched in any case and unknown properties are ignored. Its `ResourceUri` names the referral
 * on another host and path than the referrals API (`https://api.partnercenter.microsoft.com/engagements/v1/
 * referrals/{id}`), so only the segment after `referrals/` is taken.
 */
import { z } from 'zod';
import { invalidEvent } from '../failures/failure-map';
import { isReferralId, REFERRAL_ID_RULE } from '../referral/referral-id';

/** For the API description only: the payload as Partner Center documents it (reference §8). */
export const notificationSchema = z
  .looseObject({
    EventName: z
      .string()
      .meta({ title: 'Event name', description: 'referral-created, referral-updated, ...' }),
    ResourceUri: z.string().meta({
      title: 'Resource URI',
      description: 'https://api.partnercenter.microsoft.com/engagements/v1/referrals/{id}',
    }),
    ResourceName: z.string().optional().meta({ title: 'Resource name', description: 'referral' }),
    AuditUri: z.string().nullable().optional().meta({ title: 'Audit URI', description: 'Usually null.' }),
    ResourceChangeUtcDate: z
      .string()
      .optional()
      .meta({ title: 'Changed at', description: 'When the change happened (UTC).' }),
  })
  .meta({
    title: 'Partner Center event',
    description: "Partner Center's notification of a referral change.",
  });

export interface PartnerCenterNotification {
  readonly eventName: string;
  readonly referralId?: string;
  /** Partner Center's change time, as sent (it names the change for the dedupe key). */
  readonly changedAt?: string;
}

function property(body: Record<string, unknown>, name: string): unknown {
  const wanted = name.toLowerCase();
  const key = Object.keys(body).find((candidate) => candidate.toLowerCase() === wanted);
  return key === undefined ? undefined : body[key];
}

/** The referral id in a resource URI: the path segment after the last `referrals`, percent-decoded. */
export function referralIdOfResource(resourceUri: string): string | undefined {
  let path: string;
  try {
    path = new URL(resourceUri).pathname;
  } catch {
    path = resourceUri.split(/[?#]/, 1)[0] ?? '';
  }
  const segments = path.split('/').filter((segment) => segment !== '');
  const at = segments.map((segment) => segment.toLowerCase()).lastIndexOf('referrals');
  const raw = at === -1 ? undefined : segments[at + 1];
  if (raw === undefined) return undefined;
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

export function parseNotification(text: string): PartnerCenterNotification {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalidEvent('The body is not JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalidEvent('The body is not a JSON object.');
  }
  const body = parsed as Record<string, unknown>;
  const eventName = property(body, 'EventName');
  if (typeof eventName !== 'string' || eventName.trim() === '' || eventName.length > 100) {
    throw invalidEvent('The notification has no EventName.', [
      { in: 'body', pointer: '/EventName', message: 'must be a non-empty string' },
    ]);
  }
  const resourceUri = property(body, 'ResourceUri');
  const changedAt = property(body, 'ResourceChangeUtcDate');
  const referralId = typeof resourceUri === 'string' ? referralIdOfResource(resourceUri) : undefined;
  if (referralId !== undefined && !isReferralId(referralId)) {
    throw invalidEvent('The ResourceUri does not name a referral.', [
      { in: 'body', pointer: '/ResourceUri', message: REFERRAL_ID_RULE },
    ]);
  }
  return {
    eventName: eventName.trim().toLowerCase(),
    ...(referralId === undefined ? {} : { referralId }),
    ...(typeof changedAt === 'string' && changedAt.length <= 64 ? { changedAt } : {}),
  };
}
