// The audit log: what was done to an account's data, by whom, newest first.

import type { Queryable } from '../db/database.ts';

export interface AuditEntry {
  id: number;
  action: string;
  actorEmail: string | null;
  target: string | null;
  details: Record<string, unknown>;
  createdAt: Date;
}

export interface NewAuditEntry {
  accountId: string;
  /** Null when the service acted on its own (a retention purge). */
  actor: { userId: string | null; email: string | null } | null;
  action: string;
  target?: string | null;
  details?: Record<string, unknown>;
}

export async function saveAuditEntry(db: Queryable, entry: NewAuditEntry): Promise<void> {
  await db.query(
    `insert into audit_log (account_id, actor_user_id, actor_email, action, target, details)
     values ($1, $2, $3, $4, $5, $6::jsonb)`,
    [
      entry.accountId,
      entry.actor?.userId ?? null,
      entry.actor?.email ?? null,
      entry.action,
      entry.target ?? null,
      JSON.stringify(entry.details ?? {}),
    ],
  );
}

/** A page of the account's audit log, newest first, before the entry `before` (a keyset on id). */
export async function listAuditEntries(
  db: Queryable,
  accountId: string,
  limit: number,
  before: number | null,
): Promise<{ items: AuditEntry[]; more: boolean }> {
  const rows = await db.query<{
    id: number;
    action: string;
    actor_email: string | null;
    target: string | null;
    details: Record<string, unknown>;
    created_at: Date;
  }>(
    `select id, action, actor_email, target, details, created_at from audit_log
      where account_id = $1 and ($2::bigint is null or id < $2::bigint)
      order by id desc limit $3`,
    [accountId, before, limit + 1],
  );
  return {
    items: rows.slice(0, limit).map((row) => ({
      id: Number(row.id),
      action: row.action,
      actorEmail: row.actor_email,
      target: row.target,
      details: row.details,
      createdAt: row.created_at,
    })),
    more: rows.length > limit,
  };
}
