// Invitations into an account, by email, with a role; the mailed token is kept as a SHA-256.

import type { Queryable } from '../db/database.ts';
import { normalizeEmail } from '../services/email-address.ts';
import type { Role } from './accounts.ts';

export interface Invitation {
  id: string;
  accountId: string;
  accountName: string;
  email: string;
  role: Role;
  createdAt: Date;
  expiresAt: Date;
}

interface InvitationRow extends Record<string, unknown> {
  id: string;
  account_id: string;
  account_name: string;
  email: string;
  role: Role;
  created_at: Date;
  expires_at: Date;
}

function toInvitation(row: InvitationRow): Invitation {
  return {
    id: row.id,
    accountId: row.account_id,
    accountName: row.account_name,
    email: row.email,
    role: row.role,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}

const COLUMNS = 'i.id, i.account_id, a.name as account_name, i.email, i.role, i.created_at, i.expires_at';

export async function saveInvitation(
  db: Queryable,
  input: { accountId: string; email: string; role: Role; tokenHash: string; invitedBy: string | null; expiresAt: Date },
): Promise<Invitation> {
  const [row] = await db.query<InvitationRow>(
    `with i as (
       insert into invitations (account_id, email, role, token_hash, invited_by, expires_at)
       values ($1, $2, $3, $4, $5, $6)
       returning *
     )
     select ${COLUMNS} from i join accounts a on a.id = i.account_id`,
    [input.accountId, normalizeEmail(input.email), input.role, input.tokenHash, input.invitedBy, input.expiresAt],
  );
  if (!row) throw new Error('insert into invitations returned no row');
  return toInvitation(row);
}

/** The account's invitations not yet accepted nor expired, oldest first. */
export async function listPendingInvitations(db: Queryable, accountId: string): Promise<Invitation[]> {
  const rows = await db.query<InvitationRow>(
    `select ${COLUMNS} from invitations i join accounts a on a.id = i.account_id
      where i.account_id = $1 and i.accepted_at is null and i.expires_at > now()
      order by i.created_at, i.id`,
    [accountId],
  );
  return rows.map(toInvitation);
}

/** A live invitation by its token's hash. */
export async function getInvitationByToken(db: Queryable, tokenHash: string): Promise<Invitation | null> {
  const [row] = await db.query<InvitationRow>(
    `select ${COLUMNS} from invitations i join accounts a on a.id = i.account_id
      where i.token_hash = $1 and i.accepted_at is null and i.expires_at > now()`,
    [tokenHash],
  );
  return row ? toInvitation(row) : null;
}

/** Marks a live invitation accepted; false when someone else got there first. */
export async function acceptInvitation(db: Queryable, id: string): Promise<boolean> {
  const rows = await db.query('update invitations set accepted_at = now() where id = $1 and accepted_at is null returning id', [id]);
  return rows.length > 0;
}

export async function deleteInvitation(db: Queryable, accountId: string, id: string): Promise<boolean> {
  const rows = await db.query('delete from invitations where account_id = $1 and id = $2 and accepted_at is null returning id', [
    accountId,
    id,
  ]);
  return rows.length > 0;
}

/** Withdraws every pending invitation into the account; returns how many there were. */
export async function deletePendingInvitations(db: Queryable, accountId: string): Promise<number> {
  const rows = await db.query('delete from invitations where account_id = $1 and accepted_at is null returning id', [accountId]);
  return rows.length;
}
