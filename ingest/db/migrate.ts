// Applies sql/NNNN_*.sql in order with Umzug. Each file runs in its own transaction together with
// the row that records it, so a migration is either wholly applied and recorded or not at all.
// Several processes may start at once against one PostgreSQL: a transaction-scoped advisory lock
// serialises them, and each re-checks inside the lock whether another already applied the file.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Umzug, type UmzugStorage } from 'umzug';
import type { Database, Queryable } from './database.ts';

export const SQL_DIR = fileURLToPath(new URL('../../sql/', import.meta.url));

// Any constant works; it only has to be the same in every Formline process.
const MIGRATION_LOCK_KEY = 8_231_547;

const CREATE_LEDGER = `
  create table if not exists schema_migrations (
    name text primary key,
    applied_at timestamptz not null default now()
  )`;

async function lock(tx: Queryable, db: Database): Promise<void> {
  // PGlite is one process with one connection: there is nobody to race with.
  if (db.kind === 'postgres') await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
}

class LedgerStorage implements UmzugStorage {
  constructor(private readonly db: Database) {}

  async executed(): Promise<string[]> {
    const rows = await this.db.query<{ name: string }>('select name from schema_migrations order by name');
    return rows.map((row) => row.name);
  }

  // Recording happens inside each migration's transaction (see below), not here.
  async logMigration(): Promise<void> {}
  async unlogMigration(): Promise<void> {}
}

export function listMigrationFiles(dir = SQL_DIR): string[] {
  return fs
    .readdirSync(dir)
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort();
}

/** Applies what is pending; returns the files this call applied (not those another process did). */
export async function migrate(db: Database, dir = SQL_DIR): Promise<string[]> {
  const applied: string[] = [];
  await db.transaction(async (tx) => {
    await lock(tx, db);
    await tx.exec(CREATE_LEDGER);
  });
  const umzug = new Umzug({
    migrations: listMigrationFiles(dir).map((file) => ({
      name: file,
      path: path.join(dir, file),
      up: async () => {
        const sql = fs.readFileSync(path.join(dir, file), 'utf8');
        const ran = await db.transaction(async (tx) => {
          await lock(tx, db);
          const done = await tx.query('select 1 from schema_migrations where name = $1', [file]);
          if (done.length > 0) return false;
          await tx.exec(sql);
          await tx.query('insert into schema_migrations (name) values ($1)', [file]);
          return true;
        });
        if (ran) applied.push(file);
      },
    })),
    storage: new LedgerStorage(db),
    logger: undefined,
  });
  await umzug.up();
  return applied;
}
