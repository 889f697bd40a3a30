// Request bodies and queries checked against a zod schema; problems come back as a 422 naming
// each field ("schema.fields.0.name": "..."), never as a 500.

import type { z } from 'zod';
import { BadRequestError, ValidationError, type ErrorFields } from '../errors.ts';

export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  if (input === undefined) throw new BadRequestError('invalid_body', 'Send a JSON body (Content-Type: application/json).');
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fields: ErrorFields = {};
  for (const issue of result.error.issues) {
    const path = issue.path.map(String).join('.') || '(body)';
    fields[path] ??= issue.message;
  }
  throw new ValidationError(fields, 'Some values need attention.');
}
