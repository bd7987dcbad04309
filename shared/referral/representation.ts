/**
 * The referral as the facade answers it. Partner Center's documented samples carry the deal value as a number
 * (`"dealValue": 0`) while the facade writes the decimal string the update samples use, so the same field may
 * come back either way. Answers always carry the decimal string: one declared type holds whichever the upstream
 * sent, a flow never sees the type change after its own update, and no amount loses precision in a designer.
 */

/** A JSON number as a plain decimal string: never in exponent notation, which no decimal parser expects. */
export function decimalString(value: number): string {
  const text = String(value);
  if (!/e/i.test(text)) return text;
  return value.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether `normalizeReferral` would change this value: lets the relay pass the upstream's bytes on untouched. */
export function needsNormalizing(referral: unknown): boolean {
  if (!isRecord(referral)) return false;
  const details = referral['details'];
  return isRecord(details) && typeof details['dealValue'] === 'number';
}

/** The referral with its amounts as decimal strings; the same object when there is nothing to change. */
export function normalizeReferral<T>(referral: T): T {
  if (!needsNormalizing(referral)) return referral;
  const record = referral as Record<string, unknown>;
  const details = record['details'] as Record<string, unknown>;
  return {
    ...record,
    details: { ...details, dealValue: decimalString(details['dealValue'] as number) },
  } as T;
}
