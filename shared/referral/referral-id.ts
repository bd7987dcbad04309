/**
 * What the facade accepts as a referral id in a URL: Partner Center's ids are GUIDs, but the rule is looser so
 * that other id shapes still reach Partner Center, and tight enough to be safe in a URL path and a log line.
 */
export const REFERRAL_ID_PATTERN = /^[A-Za-z0-9-]{1,64}$/;
export const REFERRAL_ID_RULE =
  'must be 1 to 64 letters, digits or hyphens, such as a Partner Center referral GUID';

export const isReferralId = (value: string): boolean => REFERRAL_ID_PATTERN.test(value);
