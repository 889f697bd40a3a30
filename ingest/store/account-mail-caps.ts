// The per-recipient cap on account emails, counted in the outbox itself: every process and
// restart sees the same count, and what is counted is exactly what was queued to be sent.

import type { Queryable } from '../db/database.ts';

// Any constant, paired with a hash of the address (the pair names one transaction lock).
const RECIPIENT_LOCK_SPACE = 8_231_549;

/** Holds a lock on the recipient until `tx` ends, so parallel requests count one after another. */
export async function lockAccountEmailRecipient(tx: Queryable, address: string): Promise<void> {
  await tx.query('select pg_advisory_xact_lock($1, hashtext($2))', [RECIPIENT_LOCK_SPACE, address]);
}

/** Account emails queued to `address` since `since`, and when the oldest of them was queued. */
export async function countAccountEmailsSince(db: Queryable, address: string, since: Date): Promise<{ count: number; oldest: Date | null }> {
  const [row] = await db.query<{ n: number; oldest: Date | null }>(
    "select count(*)::int as n, min(created_at) as oldest from jobs where kind = 'account_email' and target = $1 and created_at > $2",
    [address, since],
  );
  return { count: row?.n ?? 0, oldest: row?.oldest ?? null };
}
