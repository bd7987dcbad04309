/**
 * zod issues → the problem's field errors, one per field to fix. Shared so that every endpoint names a wrong or
 * unknown field the same way, whether it sits in the body or in the query.
 */
import type { z } from 'zod';
import { toPointer, type FieldError } from './problem';

type Location = FieldError['in'];

const unknownFieldMessages: Readonly<Record<Location, string>> = {
  body: 'is not a field this endpoint accepts',
  query: 'is not a parameter this endpoint accepts',
  path: 'is not part of this route',
  header: 'is not a header this endpoint accepts',
};

export function toFieldErrors(
  issues: readonly z.core.$ZodIssue[],
  location: Location,
  /** What to say about a field the schema does not know, when the location's default is not specific enough. */
  unknownFieldMessage: string = unknownFieldMessages[location],
): FieldError[] {
  return issues.flatMap((issue): FieldError[] =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({
          in: location,
          pointer: toPointer([...issue.path, key]),
          message: unknownFieldMessage,
        }))
      : [{ in: location, pointer: toPointer(issue.path), message: issue.message }],
  );
}
