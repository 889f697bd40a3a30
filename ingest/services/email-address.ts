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

// A mailbox key folds the spellings that reach one mailbox, for per-mailbox limits (autoresponses):
// the `+tag` of the local part is dropped everywhere (sub-addressing), and for Gmail (gmail.com
// and googlemail.com are one domain) dots in the local part are ignored too, as Google documents.
// Other providers' dots are kept: elsewhere a.b@ and ab@ may be different people. The same rule in
// SQL: mailboxKeySql in store/jobs.ts.
export const GMAIL_DOMAINS = ['gmail.com', 'googlemail.com'] as const;

export function mailboxKey(email: string): string {
  const address = normalizeEmail(email);
  const at = address.lastIndexOf('@');
  if (at < 0) return address;
  let local = address.slice(0, at).replace(/\+.*$/, '');
  let domain = address.slice(at + 1);
  if ((GMAIL_DOMAINS as readonly string[]).includes(domain)) {
    local = local.replaceAll('.', '');
    domain = 'gmail.com';
  }
  return `${local}@${domain}`;
}
