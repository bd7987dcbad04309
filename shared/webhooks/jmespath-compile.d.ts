// @types/jmespath declares only `search`; the library also exports `compile` (jmespath.js, module.exports), which
// parses an expression without evaluating it.
export {};

declare module 'jmespath' {
  export function compile(expression: string): unknown;
}
