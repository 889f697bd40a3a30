// The account's alert recipients and whether each has confirmed (double opt-in): the worker only
// claims an email or WhatsApp alert whose recipient has (see claimJobs).

import type { Queryable } from '../db/database.ts';

export type RecipientChannel = 'email' | 'whatsapp';

export interface Recipient {
  id: number;
  channel: RecipientChannel;
  address: string;
  confirmedAt: Date | null;
  invitesSent: number;
  lastSentAt: Date | null;
}

interface RecipientRow extends Record<string, unknown> {
  id: number;
  channel: RecipientChannel;
  address: string;
  confirmed_at: Date | null;
  invites_sent: number;
  last_sent_at: Date | null;
}

const COLUMNS = 'id, channel, address, confirmed_at, invites_sent, last_sent_at';

function toRecipient(row: RecipientRow): Recipient {
  return {
    id: Number(row.id),
    channel: row.channel,
    address: row.address,
    confirmedAt: row.confirmed_at,
    invitesSent: row.invites_sent,
    lastSentAt: row.last_sent_at,
  };
}

export async function listRecipients(db: Queryable, accountId: string): Promise<Recipient[]> {
  const rows = await db.query<RecipientRow>(`select ${COLUMNS} from alert_recipients where account_id = $1 order by channel, address`, [accountId]);
  return rows.map(toRecipient);
}

export async function getRecipient(db: Queryable, accountId: string, channel: RecipientChannel, address: string): Promise<Recipient | null> {
  const [row] = await db.query<RecipientRow>(`select ${COLUMNS} from alert_recipients where account_id = $1 and channel = $2 and address = $3`, [
    accountId,
    channel,
    address,
  ]);
  return row ? toRecipient(row) : null;
}

/**
 * The recipient, added unconfirmed if it is new (or confirmed at once with `confirmed`: a verified
 * member's own address). `created`: whether this call added it.
 */
export async function saveRecipient(
  db: Queryable,
  input: { accountId: string; channel: RecipientChannel; address: string; confirmed: boolean },
): Promise<Recipient & { created: boolean }> {
  const [row] = await db.query<RecipientRow & { created: boolean }>(
    `insert into alert_recipients as r (account_id, channel, address, confirmed_at)
     values ($1, $2, $3, case when $4::boolean then now() end)
     on conflict (account_id, channel, address)
       do update set confirmed_at = coalesce(r.confirmed_at, excluded.confirmed_at)
     returning ${COLUMNS}, (xmax = 0) as created`,
    [input.accountId, input.channel, input.address, input.confirmed],
  );
  if (!row) throw new Error('upsert into alert_recipients returned no row');
  return { ...toRecipient(row), created: row.created };
}

/** Forgets the recipient (its confirmation and its link): added again, it is new and must confirm. */
export async function deleteRecipient(db: Queryable, accountId: string, channel: RecipientChannel, address: string): Promise<void> {
  await db.query('delete from alert_recipients where account_id = $1 and channel = $2 and address = $3', [accountId, channel, address]);
}

/**
 * Gives an unconfirmed recipient a new single-use token (its hash) for one more confirmation
 * message, unless `perDay` went out in the current day: null then, or when it is confirmed already.
 */
export async function issueRecipientToken(db: Queryable, recipientId: number, tokenHash: string, perDay: number): Promise<Recipient | null> {
  const [row] = await db.query<RecipientRow>(
    `update alert_recipients set
        token_hash = $2,
        invites_sent = case when invites_window_start is null or invites_window_start <= now() - interval '1 day' then 1 else invites_sent + 1 end,
        invites_window_start = case when invites_window_start is null or invites_window_start <= now() - interval '1 day' then now() else invites_window_start end,
        last_sent_at = now()
      where id = $1 and confirmed_at is null
        and (invites_window_start is null or invites_window_start <= now() - interval '1 day' or invites_sent < $3)
      returning ${COLUMNS}`,
    [recipientId, tokenHash, perDay],
  );
  return row ? toRecipient(row) : null;
}

/** The unconfirmed recipient a confirmation token belongs to, with its account's name. */
export async function findRecipientByToken(db: Queryable, tokenHash: string): Promise<(Recipient & { accountName: string }) | null> {
  const [row] = await db.query<RecipientRow & { account_name: string }>(
    `select r.id, r.channel, r.address, r.confirmed_at, r.invites_sent, r.last_sent_at, a.name as account_name
       from alert_recipients r join accounts a on a.id = r.account_id
      where r.token_hash = $1 and r.confirmed_at is null`,
    [tokenHash],
  );
  return row ? { ...toRecipient(row), accountName: row.account_name } : null;
}

/** Confirms the recipient holding this token and spends the token; null when it is unknown or spent. */
export async function confirmRecipientByToken(db: Queryable, tokenHash: string): Promise<Recipient | null> {
  const [row] = await db.query<RecipientRow>(
    `update alert_recipients set confirmed_at = now(), token_hash = null
      where token_hash = $1 and confirmed_at is null
      returning ${COLUMNS}`,
    [tokenHash],
  );
  return row ? toRecipient(row) : null;
}

/** The verified email addresses of the account's members (lower case), whose own alerts need no confirmation. */
export async function listVerifiedMemberEmails(db: Queryable, accountId: string): Promise<string[]> {
  const rows = await db.query<{ email: string }>(
    `select u.email from memberships m join users u on u.id = m.user_id
      where m.account_id = $1 and u.email_verified_at is not null`,
    [accountId],
  );
  return rows.map((row) => row.email);
}

/**
 * Test fixture and operator seeding only: records a recipient as confirmed without a confirmation,
 * for forms written straight into the database (test/helpers/harness.ts seedAccount). The console
 * API never calls this for an address that is not a verified member's own.
 */
export async function saveConfirmedRecipientFixture(db: Queryable, accountId: string, channel: RecipientChannel, address: string): Promise<void> {
  await saveRecipient(db, { accountId, channel, address, confirmed: true });
}
