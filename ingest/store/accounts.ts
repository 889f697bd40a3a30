// Accounts, users and memberships: one small function per query.

import type { Queryable } from '../db/database.ts';

export type Role = 'owner' | 'member';

export interface Account {
  id: string;
  name: string;
  plan: string;
  createdAt: Date;
}

export interface User {
  id: string;
  email: string;
  passwordHash: string;
  isPlatformAdmin: boolean;
  createdAt: Date;
}

export interface Membership {
  accountId: string;
  accountName: string;
  role: Role;
}

interface UserRow extends Record<string, unknown> {
  id: string;
  email: string;
  password_hash: string;
  is_platform_admin: boolean;
  created_at: Date;
}

function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    passwordHash: row.password_hash,
    isPlatformAdmin: row.is_platform_admin,
    createdAt: row.created_at,
  };
}

export async function saveAccount(db: Queryable, input: { name: string; plan?: string }): Promise<Account> {
  const [row] = await db.query<{ id: string; name: string; plan: string; created_at: Date }>(
    'insert into accounts (name, plan) values ($1, $2) returning id, name, plan, created_at',
    [input.name, input.plan ?? 'free'],
  );
  if (!row) throw new Error('insert into accounts returned no row');
  return { id: row.id, name: row.name, plan: row.plan, createdAt: row.created_at };
}

export async function saveUser(
  db: Queryable,
  input: { email: string; passwordHash: string; isPlatformAdmin?: boolean },
): Promise<User> {
  const [row] = await db.query<UserRow>(
    `insert into users (email, password_hash, is_platform_admin) values ($1, $2, $3)
     returning id, email, password_hash, is_platform_admin, created_at`,
    [input.email, input.passwordHash, input.isPlatformAdmin ?? false],
  );
  if (!row) throw new Error('insert into users returned no row');
  return toUser(row);
}

export async function saveMembership(db: Queryable, input: { accountId: string; userId: string; role: Role }): Promise<void> {
  await db.query('insert into memberships (account_id, user_id, role) values ($1, $2, $3)', [
    input.accountId,
    input.userId,
    input.role,
  ]);
}

export async function getUserByEmail(db: Queryable, email: string): Promise<User | null> {
  const [row] = await db.query<UserRow>(
    'select id, email, password_hash, is_platform_admin, created_at from users where lower(email) = lower($1)',
    [email],
  );
  return row ? toUser(row) : null;
}

export async function countUsers(db: Queryable): Promise<number> {
  const [row] = await db.query<{ n: number }>('select count(*)::int as n from users');
  return row?.n ?? 0;
}

/** The user's accounts, oldest membership first (the default account to work on). */
export async function listMembershipsByUser(db: Queryable, userId: string): Promise<Membership[]> {
  const rows = await db.query<{ account_id: string; name: string; role: Role }>(
    `select m.account_id, a.name, m.role
       from memberships m join accounts a on a.id = m.account_id
      where m.user_id = $1
      order by m.created_at, m.account_id`,
    [userId],
  );
  return rows.map((row) => ({ accountId: row.account_id, accountName: row.name, role: row.role }));
}
