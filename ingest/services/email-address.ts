// One normalisation for every email address the service compares, keys or stores about people:
// Unicode NFKC (fullwidth and other compatibility forms fold to their plain letters), then lower
// case. Sign-in limits, look-ups, uniqueness and mail caps all use this same form, so two
// spellings of one address can never count as two (the dotted capital I once did: JavaScript's
// toLowerCase and the database's lower() disagreed on it).

import { z } from 'zod';
import { isEmail } from '../../widget/validate.ts';

export function normalizeEmail(value: string): string {
  return value.normalize('NFKC').trim().toLowerCase();
}

/** A well-formed address after normalisation (plain ASCII local part and domain), normalised. */
export const emailAddress = z
  .string()
  .max(320)
  .transform(normalizeEmail)
  .refine(isEmail, 'must be an email address');
