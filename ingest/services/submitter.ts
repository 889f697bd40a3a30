// Who submitted a form, as far as the form says: the first email field with a valid address
// (a form without a schema: a field named "email"). Used for Reply-To and autoresponses.

import type { FormSchema } from '../../widget/schema.ts';
import { isEmail } from '../../widget/validate.ts';

export function submitterEmail(schema: FormSchema | null, data: Readonly<Record<string, unknown>>): string | undefined {
  const candidates = schema ? schema.fields.filter((f) => f.type === 'email').map((f) => f.name) : ['email'];
  for (const name of candidates) {
    const value = data[name];
    if (typeof value === 'string' && isEmail(value)) return value;
  }
  return undefined;
}
