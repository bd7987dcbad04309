/** A signed `crm` webhook mapping for tests that need one, with the cases each test chooses. */
import { newHmacSecret, type HmacSigning } from './webhook-signing';

export const crmSigning: HmacSigning = {
  secret: newHmacSecret(),
  signatureHeader: 'X-Signature',
  timestampHeader: 'X-Timestamp',
  encoding: 'hex',
};

export interface CrmCase {
  readonly when: string;
  readonly operation: string;
  readonly fields?: Readonly<Record<string, string>>;
}

/** The mapping file: one `crm` mapping, HMAC-signed with `crmSigning`, naming its referral by `referralId`. */
export function crmMappings(cases: readonly CrmCase[]) {
  return {
    mappings: {
      crm: {
        auth: {
          scheme: 'hmac-sha256',
          secretSetting: 'WEBHOOK_SECRET_CRM',
          signatureHeader: crmSigning.signatureHeader,
          timestampHeader: crmSigning.timestampHeader,
        },
        referral: { id: 'referralId' },
        cases,
      },
    },
  };
}
