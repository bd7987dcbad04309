/**
 * The subset of OData `$filter`/`$orderby` the reference documents for the referral list (§5.2): `and`-joined
 * comparisons of a field with a quoted string or a date-time, and `team/any(t:t/email eq '…')`. Anything else is
 * refused, as a strict service would.
 */

export type Predicate = (item: Record<string, unknown>) => boolean;

export class ODataError extends Error {
  override name = 'ODataError';
}

/** Splits on top-level ` and `, outside quotes and parentheses. */
function splitAnd(filter: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < filter.length; i++) {
    const char = filter[i];
    if (char === "'") quoted = !quoted;
    else if (!quoted && char === '(') depth++;
    else if (!quoted && char === ')') depth--;
    else if (!quoted && depth === 0 && /^\sand\s/i.test(filter.slice(i, i + 5))) {
      parts.push(filter.slice(start, i));
      start = i + 5;
      i += 4;
    }
  }
  parts.push(filter.slice(start));
  return parts.map((part) => part.trim());
}

function valueAt(item: unknown, path: string): unknown {
  let current = item;
  for (const segment of path.split('/')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

const field = String.raw`[A-Za-z][A-Za-z0-9]*(?:/[A-Za-z][A-Za-z0-9]*)*`;
const stringLiteral = String.raw`'((?:[^']|'')*)'`;
const comparison = new RegExp(String.raw`^(${field}) (eq|ne) ${stringLiteral}$`);
const dateComparison = new RegExp(
  String.raw`^(${field}) (ge|gt|le|lt) (\d{4}-\d{2}-\d{2}T[0-9:.]+(?:Z|[+-]\d{2}:\d{2}))$`,
);
const anyComparison = new RegExp(String.raw`^(${field})/any\((\w+):\2/(${field}) eq ${stringLiteral}\)$`);

export interface FilterSupport {
  /** Fields whose filter is refused with 400, as a service that does not index them might. */
  readonly refuse?: readonly string[];
  /** Fields whose filter is silently ignored, as a lenient service might. */
  readonly ignore?: readonly string[];
}

function clause(text: string, support: FilterSupport): Predicate {
  const unwrapped = text.startsWith('(') && text.endsWith(')') ? text.slice(1, -1).trim() : text;
  if (unwrapped !== text) return filterPredicate(unwrapped, support);
  const check = (name: string): boolean => {
    if (support.refuse?.includes(name)) throw new ODataError(`Filtering on ${name} is not supported`);
    return !support.ignore?.includes(name);
  };
  const equal = comparison.exec(text);
  if (equal?.[1] && equal[2] && equal[3] !== undefined) {
    const [, path, op, raw] = equal;
    if (!check(path)) return () => true;
    const expected = raw.replaceAll("''", "'");
    return (item) => (valueAt(item, path) === expected) === (op === 'eq');
  }
  const dated = dateComparison.exec(text);
  if (dated?.[1] && dated[2] && dated[3]) {
    const [, path, op, raw] = dated;
    if (!check(path)) return () => true;
    const bound = Date.parse(raw);
    if (Number.isNaN(bound)) throw new ODataError(`Invalid date-time ${raw}`);
    return (item) => {
      const value = Date.parse(String(valueAt(item, path)));
      if (Number.isNaN(value)) return false;
      return op === 'ge'
        ? value >= bound
        : op === 'gt'
          ? value > bound
          : op === 'le'
            ? value <= bound
            : value < bound;
    };
  }
  const any = anyComparison.exec(text);
  if (any?.[1] && any[3] && any[4] !== undefined) {
    const [, collection, , member, raw] = any;
    if (!check(`${collection}/${member}`)) return () => true;
    const expected = raw.replaceAll("''", "'").toLowerCase();
    return (item) => {
      const list = valueAt(item, collection);
      return (
        Array.isArray(list) && list.some((entry) => String(valueAt(entry, member)).toLowerCase() === expected)
      );
    };
  }
  throw new ODataError(`Unsupported filter expression: ${text}`);
}

export function filterPredicate(filter: string, support: FilterSupport = {}): Predicate {
  const predicates = splitAnd(filter).map((part) => clause(part, support));
  return (item) => predicates.every((predicate) => predicate(item));
}

export function orderComparator(
  orderby: string,
): (a: Record<string, unknown>, b: Record<string, unknown>) => number {
  const match = /^([A-Za-z][A-Za-z0-9]*)(?: (asc|desc))?$/.exec(orderby.trim());
  if (!match?.[1]) throw new ODataError(`Unsupported $orderby: ${orderby}`);
  const path = match[1];
  const sign = match[2] === 'desc' ? -1 : 1;
  const key = (item: Record<string, unknown>) => {
    const value = item[path];
    return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
  };
  return (a, b) => sign * key(a).localeCompare(key(b));
}
