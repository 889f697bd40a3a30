// Console sessions, stored by the SHA-256 of the cookie token.

import type { Queryable } from '../db/database.ts';
import type { Role } from './accounts.ts';

export interface SessionContext {
  sessionId: string;
  userId: string;
  email: string;
  isPlatformAdmin: boolean;
  emailVerified: boolean;
  /** The account being worked on, with the user's role in it; null when the user has none. */
  accountId: string | null;
  accountName: string | null;
  role: Role | null;
  plan: string | null;
  billingStatus: string | null;
  expiresAt: Date;
  /** When the session was last used (to the minute): its idle expiry counts from here. */
  lastSeenAt: Date;
}

export async function saveSession(
  db: Queryable,
  input: { id: string; userId: string; accountId: string | null; expiresAt: Date },
): Promise<void> {
  await db.query('insert into sessions (id, user_id, account_id, expires_at) values ($1, $2, $3, $4)', [
    input.id,
    input.userId,
    input.accountId,
    input.expiresAt,
  ]);
}

/**
 * A live session with its user and account. The account comes with the user's current role in
 * it, so a removed membership takes effect at once (the session falls back to the user's oldest
 * remaining account, if any).
 */
export async function getSessionContext(db: Queryable, id: string, idleMinutes: number): Promise<SessionContext | null> {
  const [row] = await db.query<{
    id: string;
    user_id: string;
    email: string;
    is_platform_admin: boolean;
    email_verified: boolean;
    account_id: string | null;
    account_name: string | null;
    role: Role | null;
    plan: string | null;
    billing_status: string | null;
    expires_at: Date;
    last_seen_at: Date;
  }>(
    `select s.id, s.user_id, u.email, u.is_platform_admin, u.email_verified_at is not null as email_verified,
            m.account_id, a.name as account_name, m.role, a.plan, a.billing_status, s.expires_at, s.last_seen_at
       from sessions s
       join users u on u.id = s.user_id
       left join lateral (
         select mm.account_id, mm.role from memberships mm
          where mm.user_id = s.user_id
          order by (mm.account_id = s.account_id) desc, mm.created_at, mm.account_id
          limit 1
       ) m on true
       left join accounts a on a.id = m.account_id
      where s.id = $1 and s.expires_at > now() and s.ended_reason is null
        and s.last_seen_at > now() - make_interval(mins => $2)`,
    [id, idleMinutes],
  );
  if (!row) return null;
  return {
    sessionId: row.id,
    userId: row.user_id,
    email: row.email,
    isPlatformAdmin: row.is_platform_admin,
    emailVerified: row.email_verified,
    accountId: row.account_id,
    accountName: row.account_name,
    role: row.role,
    plan: row.plan,
    billingStatus: row.billing_status,
    expiresAt: row.expires_at,
    lastSeenAt: row.last_seen_at,
  };
}

export async function deleteSession(db: Queryable, id: string): Promise<void> {
  await db.query('delete from sessions where id = $1', [id]);
}

export async function deleteExpiredSessions(db: Queryable): Promise<number> {
  const rows = await db.query('delete from sessions where expires_at <= now() returning id');
  return rows.length;
}

/** Points a session at another of its user's accounts; false when the user is not a member of it. */
export async function setSessionAccount(db: Queryable, sessionId: string, accountId: string): Promise<boolean> {
  const rows = await db.query(
    `update sessions s set account_id = $2
      where s.id = $1 and s.ended_reason is null and exists (select 1 from memberships m where m.user_id = s.user_id and m.account_id = $2)
      returning s.id`,
    [sessionId, accountId],
  );
  return rows.length > 0;
}

/** Signs a user out everywhere (after a password reset), optionally keeping one session. */
export async function deleteSessionsByUser(db: Queryable, userId: string, keep?: string): Promise<void> {
  await db.query('delete from sessions where user_id = $1 and ($2::text is null or id <> $2::text)', [userId, keep ?? null]);
}

export type SessionEndReason = 'password_changed' | 'ownership_proven';

/**
 * Ends the user's sessions (optionally keeping one), marking why: each browser still holding one
 * is told the reason until the session would have expired anyway.
 */
export async function endSessionsByUser(db: Queryable, userId: string, reason: SessionEndReason, keep?: string): Promise<void> {
  await db.query(
    'update sessions set ended_reason = $3 where user_id = $1 and ended_reason is null and ($2::text is null or id <> $2::text)',
    [userId, keep ?? null, reason],
  );
}

/** Why a session that is no longer live ended, when something the user did elsewhere ended it. */
export async function getSessionEndReason(db: Queryable, id: string): Promise<SessionEndReason | null> {
  const [row] = await db.query<{ ended_reason: SessionEndReason | null }>(
    'select ended_reason from sessions where id = $1 and expires_at > now()',
    [id],
  );
  return row?.ended_reason ?? null;
}

/** Notes a use, at most once a minute per session (the idle expiry counts from the last one). */
export async function touchSession(db: Queryable, id: string): Promise<void> {
  await db.query("update sessions set last_seen_at = now() where id = $1 and last_seen_at < now() - interval '1 minute'", [id]);
}
