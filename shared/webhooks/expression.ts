/**
 * JMESPath (https://jmespath.org) is the one path language mappings use, through its reference implementation
 * (`jmespath`, CommonJS; the community fork ships ESM-only types, which a CommonJS build cannot import).
 * Expressions are compiled when the mapping is loaded, so a typo fails the configuration, not a delivery.
 */
import { compile, search } from 'jmespath';
import { z } from 'zod';

export const expressionSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .superRefine((text, ctx) => {
    try {
      compile(text);
    } catch (error) {
      ctx.addIssue({
        code: 'custom',
        message: `is not a valid JMESPath expression: ${error instanceof Error ? error.message : 'unreadable'}`,
      });
    }
  });

/**
 * An expression that compiled but cannot be applied to this payload, such as a function given a value of the
 * wrong type (`contains(stage, 'won')` where `stage` is a number). The sender's data, not the facade, is at fault.
 */
export class ExpressionEvaluationError extends Error {
  constructor(
    readonly expression: string,
    readonly reason: string,
  ) {
    super(`${expression}: ${reason}`);
    this.name = 'ExpressionEvaluationError';
  }
}

export function evaluate(expression: string, payload: unknown): unknown {
  try {
    return search(payload, expression) as unknown;
  } catch (error) {
    // jmespath throws plain Errors (TypeError, RuntimeError by name) for type mismatches and unknown functions.
    throw new ExpressionEvaluationError(expression, error instanceof Error ? error.message : 'unreadable');
  }
}

/** JMESPath's own notion of truth: false, null, and empty strings, arrays and objects are false. */
export function isTruthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}
