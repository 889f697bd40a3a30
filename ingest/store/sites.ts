// Sites: every query is scoped by account, so another account's ids simply are not found.

import type { Queryable } from '../db/database.ts';

export interface Site {
  id: string;
  accountId: string;
  name: string;
  domain: string;
  allowedOrigins: string[];
  createdAt: Date;
  updatedAt: Date;
}

interface SiteRow extends Record<string, unknown> {
  id: string;
  account_id: string;
  name: string;
  domain: string;
  allowed_origins: string[];
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, account_id, name, domain, allowed_origins, created_at, updated_at';

function toSite(row: SiteRow): Site {
  return {
    id: row.id,
    accountId: row.account_id,
    name: row.name,
    domain: row.domain,
    allowedOrigins: row.allowed_origins,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function saveSite(
  db: Queryable,
  input: { accountId: string; name: string; domain: string; allowedOrigins: string[] },
): Promise<Site> {
  const [row] = await db.query<SiteRow>(
    `insert into sites (account_id, name, domain, allowed_origins) values ($1, $2, $3, $4::text[])
     returning ${COLUMNS}`,
    [input.accountId, input.name, input.domain, input.allowedOrigins],
  );
  if (!row) throw new Error('insert into sites returned no row');
  return toSite(row);
}

export async function listSitesByAccount(db: Queryable, accountId: string): Promise<Site[]> {
  const rows = await db.query<SiteRow>(
    `select ${COLUMNS} from sites where account_id = $1 order by created_at, id`,
    [accountId],
  );
  return rows.map(toSite);
}

export async function getSiteForAccount(db: Queryable, accountId: string, siteId: string): Promise<Site | null> {
  const [row] = await db.query<SiteRow>(`select ${COLUMNS} from sites where account_id = $1 and id = $2`, [
    accountId,
    siteId,
  ]);
  return row ? toSite(row) : null;
}
