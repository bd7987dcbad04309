/**
 * Labels in Title Case, as the Power Platform connector string guidance asks of parameter and property display
 * names ("Referral ID", "Estimated Closing Date"). The zod schemas keep their natural wording; the API model applies
 * this once, so both generated descriptions show the same labels.
 */
import type { JsonSchema } from './json-schema';

/** Short words stay lower case inside a title, as in common title-case styles. */
const minorWords = new Set([
  'a',
  'an',
  'and',
  'as',
  'at',
  'but',
  'by',
  'for',
  'in',
  'nor',
  'of',
  'on',
  'or',
  'the',
  'to',
  'with',
]);
/** Initialisms written in capitals wherever they appear. */
const initialisms = new Map([
  ['id', 'ID'],
  ['ids', 'IDs'],
  ['crm', 'CRM'],
  ['url', 'URL'],
]);

export function titleCase(text: string): string {
  return text
    .split(' ')
    .map((word, index) => {
      const lower = word.toLowerCase();
      const initialism = initialisms.get(lower);
      if (initialism) return initialism;
      // Words that already carry capitals past their first letter (ETag, OpenAPI, JSON) are names: kept.
      if (/[A-Z]/.test(word.slice(1))) return word;
      if (index > 0 && minorWords.has(lower)) return lower;
      return word.charAt(0).toUpperCase() + word.slice(1);
    })
    .join(' ');
}

/** A schema with every `title` in Title Case; property names (which may themselves be "title") untouched. */
export function withTitleCase(schema: JsonSchema): JsonSchema {
  const result: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'title' && typeof value === 'string') result[key] = titleCase(value);
    else if (key === 'properties' && typeof value === 'object' && value !== null) {
      result[key] = Object.fromEntries(
        Object.entries(value as Record<string, JsonSchema>).map(([name, child]) => [
          name,
          withTitleCase(child),
        ]),
      );
    } else if (
      (key === 'items' || key === 'additionalProperties') &&
      typeof value === 'object' &&
      value !== null
    ) {
      result[key] = withTitleCase(value as JsonSchema);
    } else if ((key === 'anyOf' || key === 'oneOf' || key === 'allOf') && Array.isArray(value)) {
      result[key] = (value as JsonSchema[]).map(withTitleCase);
    } else result[key] = value;
  }
  return result;
}
