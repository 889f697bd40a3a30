// Console sessions, stored by the SHA-256 of the cookie token.

import type { Queryable } from '../db/database.ts';
import type { Role } from './accounts.ts';

export interface SessionContext {
  sessionId: string;
  userId: string;
  email: string;
  isPlatformAdmin: boolean;
  /** The account being worked on, with the user's role in it; null when the user has none. */
  accountId: string | null;
  accountName: string | null;
  role: Role | null;
  expiresAt: Date;
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
 * it, so a removed membership takes effect at once.
 */
export async function getSessionContext(db: Queryable, id: string): Promise<SessionContext | null> {
  const [row] = await db.query<{
    id: string;
    user_id: string;
    email: string;
    is_platform_admin: boolean;
    account_id: string | null;
    account_name: string | null;
    role: Role | null;
    expires_at: Date;
  }>(
    `select s.id, s.user_id, u.email, u.is_platform_admin, m.account_id, a.name as account_name, m.role, s.expires_at
       from sessions s
       join users u on u.id = s.user_id
       left join memberships m on m.user_id = s.user_id and m.account_id = s.account_id
       left join accounts a on a.id = m.account_id
      where s.id = $1 and s.expires_at > now()`,
    [id],
  );
  if (!row) return null;
  return {
    sessionId: row.id,
    userId: row.user_id,
    email: row.email,
    isPlatformAdmin: row.is_platform_admin,
    accountId: row.account_id,
    accountName: row.account_name,
    role: row.role,
    expiresAt: row.expires_at,
  };
}

export async function deleteSession(db: Queryable, id: string): Promise<void> {
  await db.query('delete from sessions where id = $1', [id]);
}

export async function deleteExpiredSessions(db: Queryable): Promise<number> {
  const rows = await db.query('delete from sessions where expires_at <= now() returning id');
  return rows.length;
}
