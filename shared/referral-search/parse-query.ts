/**
 * The search's query string, as name/value pairs in the order sent, → validated search parameters, or a 400
 * problem naming every parameter to fix. A parameter given twice is refused rather than resolved by order, just
 * as a duplicate key in a JSON body is: the two values disagree and nothing says which one the caller meant.
 */
import { invalidRequest } from '../failures/failure-map';
import { toFieldErrors } from '../failures/field-errors';
import { toPointer, type FieldError } from '../failures/problem';
import { searchQuerySchema, type SearchQuery } from './query';

const notASearchParameter = 'is not a search parameter (see GET /api/openapi.json)';

export function parseSearchQuery(entries: Iterable<readonly [string, string]>): SearchQuery {
  const values = new Map<string, string[]>();
  for (const [name, value] of entries) {
    const seen = values.get(name);
    if (seen) seen.push(value);
    else values.set(name, [value]);
  }
  const repeated: string[] = [];
  const single: [string, string][] = [];
  for (const [name, given] of values) {
    if (given.length === 1 && given[0] !== undefined) single.push([name, given[0]]);
    else repeated.push(name);
  }
  // fromEntries defines own properties, so a parameter named __proto__ is seen (and refused) like any other.
  const parsed = searchQuerySchema.safeParse(Object.fromEntries(single));
  if (repeated.length === 0 && parsed.success) return parsed.data;
  const errors: FieldError[] = [
    ...repeated.map((name) => ({
      in: 'query' as const,
      pointer: toPointer([name]),
      message: `is given ${String(values.get(name)?.length ?? 0)} times; give it once`,
    })),
    ...(parsed.success ? [] : toFieldErrors(parsed.error.issues, 'query', notASearchParameter)),
  ];
  throw invalidRequest(
    repeated.length > 0
      ? `Give each search parameter once (${repeated.join(', ')} ${repeated.length === 1 ? 'was' : 'were'} repeated); see errors for each parameter to fix.`
      : 'A search parameter is not valid; see errors for each one.',
    errors,
  );
}
