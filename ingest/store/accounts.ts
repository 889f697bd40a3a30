// Accounts, users and memberships: one small function per query.

import type { Queryable } from '../db/database.ts';
import { normalizeEmail } from '../services/email-address.ts';

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
  emailVerified: boolean;
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
  email_verified_at: Date | null;
  created_at: Date;
}

const USER_COLUMNS = 'id, email, password_hash, is_platform_admin, email_verified_at, created_at';

function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    passwordHash: row.password_hash,
    isPlatformAdmin: row.is_platform_admin,
    emailVerified: row.email_verified_at !== null,
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
  input: { email: string; passwordHash: string; isPlatformAdmin?: boolean; emailVerified?: boolean },
): Promise<User> {
  const [row] = await db.query<UserRow>(
    `insert into users (email, password_hash, is_platform_admin, email_verified_at)
     values ($1, $2, $3, case when $4::boolean then now() end)
     returning ${USER_COLUMNS}`,
    [normalizeEmail(input.email), input.passwordHash, input.isPlatformAdmin ?? false, input.emailVerified ?? false],
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
    `select ${USER_COLUMNS} from users where email = $1`,
    [normalizeEmail(email)],
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

export async function getUserById(db: Queryable, id: string): Promise<User | null> {
  const [row] = await db.query<UserRow>(`select ${USER_COLUMNS} from users where id = $1`, [id]);
  return row ? toUser(row) : null;
}

export async function markEmailVerified(db: Queryable, userId: string): Promise<void> {
  await db.query('update users set email_verified_at = coalesce(email_verified_at, now()) where id = $1', [userId]);
}

export async function updatePasswordHash(db: Queryable, userId: string, passwordHash: string): Promise<void> {
  await db.query('update users set password_hash = $2 where id = $1', [userId, passwordHash]);
}

export async function getAccount(db: Queryable, id: string): Promise<Account | null> {
  const [row] = await db.query<{ id: string; name: string; plan: string; created_at: Date }>(
    'select id, name, plan, created_at from accounts where id = $1',
    [id],
  );
  return row ? { id: row.id, name: row.name, plan: row.plan, createdAt: row.created_at } : null;
}

export interface Member {
  userId: string;
  email: string;
  role: Role;
  createdAt: Date;
}

interface MemberRow extends Record<string, unknown> {
  user_id: string;
  email: string;
  role: Role;
  created_at: Date;
}

const toMember = (row: MemberRow): Member => ({ userId: row.user_id, email: row.email, role: row.role, createdAt: row.created_at });

export async function listMembers(db: Queryable, accountId: string): Promise<Member[]> {
  const rows = await db.query<MemberRow>(
    `select m.user_id, u.email, m.role, m.created_at
       from memberships m join users u on u.id = m.user_id
      where m.account_id = $1
      order by m.created_at, u.email`,
    [accountId],
  );
  return rows.map(toMember);
}

export async function getMember(db: Queryable, accountId: string, userId: string): Promise<Member | null> {
  const [row] = await db.query<MemberRow>(
    `select m.user_id, u.email, m.role, m.created_at
       from memberships m join users u on u.id = m.user_id
      where m.account_id = $1 and m.user_id = $2`,
    [accountId, userId],
  );
  return row ? toMember(row) : null;
}

/**
 * Locks the account's row for the rest of the transaction: changes to its owners are made one
 * at a time, so two owners demoting each other cannot leave the account with none.
 */
export async function lockAccount(db: Queryable, accountId: string): Promise<void> {
  await db.query('select id from accounts where id = $1 for update', [accountId]);
}

export async function countOwners(db: Queryable, accountId: string): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    "select count(*)::int as n from memberships where account_id = $1 and role = 'owner'",
    [accountId],
  );
  return row?.n ?? 0;
}

export async function updateMemberRole(db: Queryable, accountId: string, userId: string, role: Role): Promise<void> {
  await db.query('update memberships set role = $3 where account_id = $1 and user_id = $2', [accountId, userId, role]);
}

export async function deleteMembership(db: Queryable, accountId: string, userId: string): Promise<void> {
  await db.query('delete from memberships where account_id = $1 and user_id = $2', [accountId, userId]);
}

/** Every account with what the platform operator looks at: plan, sites, members, this month's submissions. */
export async function listAccountsForAdmin(
  db: Queryable,
  periodStart: string,
): Promise<{ id: string; name: string; plan: string; billingStatus: string; createdAt: Date; sites: number; members: number; submissionsThisPeriod: number }[]> {
  const rows = await db.query<{
    id: string;
    name: string;
    plan: string;
    billing_status: string;
    created_at: Date;
    sites: number;
    members: number;
    submissions: number;
  }>(
    `select a.id, a.name, a.plan, a.billing_status, a.created_at,
            (select count(*)::int from sites s where s.account_id = a.id) as sites,
            (select count(*)::int from memberships m where m.account_id = a.id) as members,
            (select coalesce(sum(u.accepted), 0)::int from usage_daily u where u.account_id = a.id and u.day >= $1::date) as submissions
       from accounts a
      order by a.created_at, a.id`,
    [periodStart],
  );
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    plan: row.plan,
    billingStatus: row.billing_status,
    createdAt: row.created_at,
    sites: row.sites,
    members: row.members,
    submissionsThisPeriod: row.submissions,
  }));
}

/**
 * Locks the user's row for the rest of the transaction and says whether the address was already
 * verified: two proofs of one address at once revoke footholds once, in turn.
 */
export async function lockUserVerified(db: Queryable, userId: string): Promise<boolean | null> {
  const [row] = await db.query<{ verified: boolean }>('select email_verified_at is not null as verified from users where id = $1 for update', [userId]);
  return row ? row.verified : null;
}

/** The accounts the user is an owner of. */
export async function listOwnedAccountIds(db: Queryable, userId: string): Promise<string[]> {
  const rows = await db.query<{ account_id: string }>("select account_id from memberships where user_id = $1 and role = 'owner' order by account_id", [userId]);
  return rows.map((row) => row.account_id);
}

/** Removes everyone but `userId` from the account; returns the removed members' user ids and addresses. */
export async function deleteOtherMemberships(db: Queryable, accountId: string, userId: string): Promise<{ userId: string; email: string }[]> {
  const rows = await db.query<{ user_id: string; email: string }>(
    `with gone as (delete from memberships where account_id = $1 and user_id <> $2 returning user_id)
     select g.user_id, u.email from gone g join users u on u.id = g.user_id order by u.email`,
    [accountId, userId],
  );
  return rows.map((row) => ({ userId: row.user_id, email: row.email }));
}
