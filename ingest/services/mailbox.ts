// How email addresses are compared. An address is kept as NFKC, lower case (what the user typed,
// otherwise). A mailbox key folds the variants that reach one mailbox, for per-mailbox limits:
// the `+tag` of the local part is dropped everywhere (sub-addressing), and for Gmail
// (gmail.com, googlemail.com: one domain) dots in the local part are ignored too, as Google
// documents. Other providers' dots are kept: elsewhere a.b@ and ab@ may be different people.
// The same rule in SQL: mailboxKeySql in store/jobs.ts.

export const GMAIL_DOMAINS = ['gmail.com', 'googlemail.com'] as const;

export function normalisedAddress(email: string): string {
  return email.normalize('NFKC').trim().toLowerCase();
}

export function mailboxKey(email: string): string {
  const address = normalisedAddress(email);
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
