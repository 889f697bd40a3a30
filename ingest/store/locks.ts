// Transaction-scoped advisory locks on PostgreSQL: processes starting at once against one database
// take turns where only one may act. Each lock is held until its transaction ends.

import type { Queryable } from '../db/database.ts';

// Any constant; only bootstrapping processes take it (migrations use their own, in db/migrate.ts).
const BOOTSTRAP_LOCK_KEY = 8_231_548;

/** Waits for, then holds, the first-start bootstrap's lock until `tx` ends (PostgreSQL only). */
export async function lockBootstrap(tx: Queryable): Promise<void> {
  await tx.query('select pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK_KEY]);
}
