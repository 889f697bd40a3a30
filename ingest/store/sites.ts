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

export async function updateSiteForAccount(
  db: Queryable,
  accountId: string,
  siteId: string,
  changes: { name?: string | undefined; domain?: string | undefined; allowedOrigins?: string[] | undefined },
): Promise<Site | null> {
  const [row] = await db.query<SiteRow>(
    `update sites set
        name = coalesce($3, name),
        domain = coalesce($4, domain),
        allowed_origins = coalesce($5::text[], allowed_origins),
        updated_at = now()
      where account_id = $1 and id = $2
      returning ${COLUMNS}`,
    [accountId, siteId, changes.name ?? null, changes.domain ?? null, changes.allowedOrigins ?? null],
  );
  return row ? toSite(row) : null;
}

/** Deletes a site with its forms and their submissions; returns the ids of the forms that went. */
export async function deleteSiteForAccount(db: Queryable, accountId: string, siteId: string): Promise<string[] | null> {
  const forms = await db.query<{ id: string }>('select id from forms where account_id = $1 and site_id = $2', [accountId, siteId]);
  const deleted = await db.query('delete from sites where account_id = $1 and id = $2 returning id', [accountId, siteId]);
  return deleted.length ? forms.map((form) => form.id) : null;
}
