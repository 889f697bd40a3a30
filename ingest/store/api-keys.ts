// API keys: a public prefix to find a key by, and the SHA-256 of its secret part to check it with.

import type { Queryable } from '../db/database.ts';

export interface ApiKey {
  id: string;
  accountId: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

interface ApiKeyRow extends Record<string, unknown> {
  id: string;
  account_id: string;
  name: string;
  prefix: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const COLUMNS = 'id, account_id, name, prefix, created_at, last_used_at, revoked_at';

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    accountId: row.account_id,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

export async function saveApiKey(
  db: Queryable,
  input: { accountId: string; name: string; prefix: string; secretHash: string; createdBy: string | null },
): Promise<ApiKey> {
  const [row] = await db.query<ApiKeyRow>(
    `insert into api_keys (account_id, name, prefix, secret_hash, created_by) values ($1, $2, $3, $4, $5)
     returning ${COLUMNS}`,
    [input.accountId, input.name, input.prefix, input.secretHash, input.createdBy],
  );
  if (!row) throw new Error('insert into api_keys returned no row');
  return toApiKey(row);
}

export async function listApiKeys(db: Queryable, accountId: string): Promise<ApiKey[]> {
  const rows = await db.query<ApiKeyRow>(`select ${COLUMNS} from api_keys where account_id = $1 order by created_at, id`, [accountId]);
  return rows.map(toApiKey);
}

/** A key that is not revoked, by its prefix, with the hash to check the secret against. */
export async function getLiveApiKeyByPrefix(db: Queryable, prefix: string): Promise<(ApiKey & { secretHash: string }) | null> {
  const [row] = await db.query<ApiKeyRow & { secret_hash: string }>(
    `select ${COLUMNS}, secret_hash from api_keys where prefix = $1 and revoked_at is null`,
    [prefix],
  );
  return row ? { ...toApiKey(row), secretHash: row.secret_hash } : null;
}

/** Notes a use, at most once a minute per key (a read per request, a write only now and then). */
export async function touchApiKey(db: Queryable, id: string): Promise<void> {
  await db.query(
    `update api_keys set last_used_at = now()
      where id = $1 and (last_used_at is null or last_used_at < now() - interval '1 minute')`,
    [id],
  );
}

export async function revokeApiKey(db: Queryable, accountId: string, id: string): Promise<ApiKey | null> {
  const [row] = await db.query<ApiKeyRow>(
    `update api_keys set revoked_at = coalesce(revoked_at, now()) where account_id = $1 and id = $2 returning ${COLUMNS}`,
    [accountId, id],
  );
  return row ? toApiKey(row) : null;
}

/** Revokes every live key of the account; returns the prefixes revoked. */
export async function revokeAccountApiKeys(db: Queryable, accountId: string): Promise<string[]> {
  const rows = await db.query<{ prefix: string }>(
    'update api_keys set revoked_at = now() where account_id = $1 and revoked_at is null returning prefix',
    [accountId],
  );
  return rows.map((row) => row.prefix).sort();
}
