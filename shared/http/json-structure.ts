/**
 * Structural checks that JSON.parse does not make: a member name given twice in one object (JSON.parse keeps
 * the last silently, so two readers of the same body could disagree about it) and nesting deeper than any
 * facade body needs. Works on the token stream, without recursion, so hostile nesting cannot exhaust the stack.
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
  EOF: 17,
} as const;

export type StructureProblem =
  | { readonly kind: 'duplicate-key'; readonly path: readonly string[] }
  | { readonly kind: 'too-deep'; readonly path: readonly string[] };

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
      default:
        break;
    }
  }
  return undefined;
}
