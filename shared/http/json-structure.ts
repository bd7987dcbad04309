/**
 * Structural checks that JSON.parse does not make: a member name given twice in one object (JSON.parse keeps
 * the last silently, so two readers of the same body could disagree about it), nesting deeper than any facade
 * body needs, and a number with more digits than a double holds (JSON.parse would round it silently, and an
 * amount of 99999999999999.9999 would be sent as 100000000000000). Works on the token stream, without recursion, so hostile nesting cannot exhaust the stack.
 */
import { createScanner } from 'jsonc-parser';

/** jsonc-parser's `SyntaxKind` values; its declaration is a const enum, which isolated modules cannot read. */
const SyntaxKind = {
  OpenBraceToken: 1,
  CloseBraceToken: 2,
  OpenBracketToken: 3,
  CloseBracketToken: 4,
  CommaToken: 5,
  StringLiteral: 10,
  NumericLiteral: 11,
  EOF: 17,
} as const;

export type StructureProblem =
  | { readonly kind: 'duplicate-key'; readonly path: readonly string[] }
  | { readonly kind: 'too-deep'; readonly path: readonly string[] }
  /** A number JSON.parse cannot hold exactly: the value read would differ from the digits sent. */
  | { readonly kind: 'inexact-number'; readonly path: readonly string[]; readonly text: string };

const numberParts = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/** A decimal number as significant digits and a power of ten, so that 2500.50 and 2.5005e3 compare equal. */
function canonicalDecimal(text: string): string | undefined {
  const parts = numberParts.exec(text);
  if (!parts) return undefined;
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = parts;
  let digits = (whole + fraction).replace(/^0+/, '');
  let power = Number(exponent) - fraction.length;
  if (digits === '') return '0';
  const trailing = /0+$/.exec(digits)?.[0].length ?? 0;
  digits = digits.slice(0, digits.length - trailing);
  power += trailing;
  return `${sign}${digits}e${String(power)}`;
}

/** Any decimal of at most 15 significant digits survives a double (DBL_DIG); this shape has no more than that. */
const shortPlainNumber = /^-?[0-9.]{1,15}$/;

/**
 * Whether the double JSON.parse makes of `text` carries every digit sent: the text is that double's shortest form,
 * or its form at the text's own precision of at most 17 digits (what serialisers that print 17 digits write, such
 * as 0.10000000000000001 for 0.1). Digits beyond that, as in 99999999999999.9999, are lost.
 */
export function isExactNumber(text: string): boolean {
  if (shortPlainNumber.test(text)) return true;
  const canonical = canonicalDecimal(text);
  if (canonical === undefined) return false;
  const value = Number(text);
  if (!Number.isFinite(value)) return false;
  if (canonical === canonicalDecimal(String(value))) return true;
  const significant = canonical.replace(/^-/, '').split('e')[0]?.length ?? 0;
  return significant <= 17 && canonical === canonicalDecimal(value.toPrecision(significant));
}

/**
 * The JSON text with every number a double cannot carry exactly written as a string of its digits, so that
 * nothing is rounded: for payloads from other systems, where such a number may sit in a field nobody reads.
 */
export function quoteInexactNumbers(text: string): string {
  const scanner = createScanner(text, true);
  let result = '';
  let copied = 0;
  for (let kind: number = scanner.scan(); kind !== SyntaxKind.EOF; kind = scanner.scan()) {
    if (kind !== SyntaxKind.NumericLiteral) continue;
    const start = scanner.getTokenOffset();
    const end = start + scanner.getTokenLength();
    const literal = text.slice(start, end);
    if (isExactNumber(literal)) continue;
    result += `${text.slice(copied, start)}"${literal}"`;
    copied = end;
  }
  return copied === 0 ? text : result + text.slice(copied);
}

interface Frame {
  readonly path: readonly string[];
  /** Member names seen so far; undefined for arrays. */
  readonly keys: Set<string> | undefined;
  expectingKey: boolean;
  currentKey: string;
  index: number;
}

/** The first structural problem in `text`, which must already be known to be valid JSON. */
export function findStructureProblem(
  text: string,
  maxDepth: number,
  options: { readonly checkNumbers: boolean } = { checkNumbers: true },
): StructureProblem | undefined {
  const scanner = createScanner(text, true);
  const stack: Frame[] = [];
  for (let kind: number = scanner.scan(); kind !== SyntaxKind.EOF; kind = scanner.scan()) {
    const top = stack.at(-1);
    switch (kind) {
      case SyntaxKind.OpenBraceToken:
      case SyntaxKind.OpenBracketToken: {
        const path = top ? [...top.path, top.keys ? top.currentKey : String(top.index)] : [];
        if (stack.length >= maxDepth) return { kind: 'too-deep', path };
        const isObject = kind === SyntaxKind.OpenBraceToken;
        stack.push({
          path,
          keys: isObject ? new Set() : undefined,
          expectingKey: isObject,
          currentKey: '',
          index: 0,
        });
        break;
      }
      case SyntaxKind.CloseBraceToken:
      case SyntaxKind.CloseBracketToken:
        stack.pop();
        break;
      case SyntaxKind.CommaToken:
        if (top?.keys) top.expectingKey = true;
        else if (top) top.index++;
        break;
      case SyntaxKind.StringLiteral:
        if (top?.keys && top.expectingKey) {
          const key = scanner.getTokenValue();
          if (top.keys.has(key)) return { kind: 'duplicate-key', path: [...top.path, key] };
          top.keys.add(key);
          top.currentKey = key;
          top.expectingKey = false;
        }
        break;
      case SyntaxKind.NumericLiteral: {
        if (!options.checkNumbers) break;
        const literal = text.slice(
          scanner.getTokenOffset(),
          scanner.getTokenOffset() + scanner.getTokenLength(),
        );
        if (!isExactNumber(literal)) {
          const path = top ? [...top.path, top.keys ? top.currentKey : String(top.index)] : [];
          return { kind: 'inexact-number', path, text: literal };
        }
        break;
      }
      default:
        break;
    }
  }
  return undefined;
}
