import type { PatchOperation } from '../referral/writable-paths';

/** Where each simplified field lives on the referral, in the order its `replace` appears in a patch. */
const fieldPaths = {
  dealValue: '/details/dealValue',
  currency: '/details/currency',
  closingDateTime: '/details/closingDateTime',
  notes: '/details/notes',
  externalReferenceId: '/externalReferenceId',
  statusReason: '/statusReason',
} as const;

export type DetailField = keyof typeof fieldPaths;
export type DetailFields = Partial<Record<DetailField, string>>;

/** One `replace` per field the caller gave, in the table's order, so patches are deterministic. */
export function replaceGivenFields(fields: DetailFields): PatchOperation[] {
  const patch: PatchOperation[] = [];
  for (const [field, path] of Object.entries(fieldPaths) as [DetailField, string][]) {
    const value = fields[field];
    if (value !== undefined) patch.push({ op: 'replace', path, value });
  }
  return patch;
}

export function replaceStatus(status: string, substatus: string): PatchOperation[] {
  return [
    { op: 'replace', path: '/status', value: status },
    { op: 'replace', path: '/substatus', value: substatus },
  ];
}
