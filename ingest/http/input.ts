// Request bodies and queries checked against a zod schema; problems come back as a 422 naming
// each field ("schema.fields.0.name": "..."), never as a 500.

import type { z } from 'zod';
import { hasBadCharacters } from '../../widget/validate.ts';
import { BadRequestError, ValidationError, type ErrorFields } from '../errors.ts';

const BAD_TEXT = 'contains characters that are not allowed (NUL or broken Unicode)';

/** PostgreSQL cannot store NUL in text, and a lone surrogate is not text: find them anywhere. */
function findBadText(value: unknown, path: string, fields: ErrorFields, depth = 0): void {
  if (depth > 20) return;
  if (typeof value === 'string') {
    if (hasBadCharacters(value)) fields[path || '(body)'] = BAD_TEXT;
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => findBadText(item, path ? `${path}.${index}` : String(index), fields, depth + 1));
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const itemPath = path ? `${path}.${key}` : key;
      if (hasBadCharacters(key)) fields[itemPath] = BAD_TEXT;
      else findBadText(item, itemPath, fields, depth + 1);
    }
  }
}

export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  if (input === undefined) throw new BadRequestError('invalid_body', 'Send a JSON body (Content-Type: application/json).');
  const fields: ErrorFields = {};
  findBadText(input, '', fields);
  if (Object.keys(fields).length > 0) throw new ValidationError(fields, 'Some values need attention.');
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) fields[path ? `${path}.${key}` : key] ??= 'is not a field this API takes';
    } else {
      fields[path || '(body)'] ??= issue.message;
    }
  }
  throw new ValidationError(fields, 'Some values need attention.');
}
