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

/** Whether JSON.parse reads `text` as exactly the number it writes: the shortest double printing the same digits. */
export function isExactNumber(text: string): boolean {
  const canonical = canonicalDecimal(text);
  return canonical !== undefined && canonical === canonicalDecimal(String(Number(text)));
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
export function findStructureProblem(text: string, maxDepth: number): StructureProblem | undefined {
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
