// Single-use tokens mailed to users (email verification, password reset), kept as SHA-256 hashes.

import type { Queryable } from '../db/database.ts';

export type TokenPurpose = 'verify_email' | 'reset_password';

export async function saveUserToken(
  db: Queryable,
  input: { tokenHash: string; userId: string; purpose: TokenPurpose; expiresAt: Date },
): Promise<void> {
  await db.query('insert into user_tokens (token_hash, user_id, purpose, expires_at) values ($1, $2, $3, $4)', [
    input.tokenHash,
    input.userId,
    input.purpose,
    input.expiresAt,
  ]);
}

/** Marks a live, unused token used and returns its user; null when it is unknown, used or expired. */
export async function consumeUserToken(db: Queryable, tokenHash: string, purpose: TokenPurpose): Promise<string | null> {
  const [row] = await db.query<{ user_id: string }>(
    `update user_tokens set used_at = now()
      where token_hash = $1 and purpose = $2 and used_at is null and expires_at > now()
      returning user_id`,
    [tokenHash, purpose],
  );
  return row?.user_id ?? null;
}

/** Older unused tokens of the same purpose stop working when a new one is sent. */
export async function expireUserTokens(db: Queryable, userId: string, purpose: TokenPurpose): Promise<void> {
  await db.query('update user_tokens set expires_at = now() where user_id = $1 and purpose = $2 and used_at is null and expires_at > now()', [
    userId,
    purpose,
  ]);
}
