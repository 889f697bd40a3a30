// The databases a suite runs on: PGlite always, PostgreSQL too when TEST_DATABASE_URL is set.
// Each PostgreSQL suite gets a schema of its own (through search_path), so suites can run side
// by side on one database and leave nothing behind. With CI=true a missing TEST_DATABASE_URL is
// a failure, not a skip.

import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../../ingest/db/database.ts';
import { migrate } from '../../ingest/db/migrate.ts';

export interface DatabaseTarget {
  name: 'pglite' | 'postgres';
  /** A fresh, migrated database. `url` is set for PostgreSQL (for child processes). */
  open(): Promise<OpenedDatabase>;
}

export interface OpenedDatabase {
  db: Database;
  url: string | undefined;
  close(): Promise<void>;
}

export const isCI = process.env['CI'] === 'true';
const postgresUrl = process.env['TEST_DATABASE_URL'];

if (isCI && !postgresUrl) {
  throw new Error('CI=true but TEST_DATABASE_URL is not set: the PostgreSQL suites cannot be skipped in CI.');
}

/** A throwaway schema on the test PostgreSQL; the returned URL selects it through search_path. */
export async function createPostgresSchema(baseUrl = postgresUrl): Promise<{ url: string; drop(): Promise<void> }> {
  if (!baseUrl) throw new Error('TEST_DATABASE_URL is not set');
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const url = new URL(baseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: baseUrl });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    },
  };
}

const pglite: DatabaseTarget = {
  name: 'pglite',
  async open() {
    const db = await openDatabase({});
    await migrate(db);
    return { db, url: undefined, close: () => db.close() };
  },
};

const postgres: DatabaseTarget = {
  name: 'postgres',
  async open() {
    const schema = await createPostgresSchema();
    const db = await openDatabase({ url: schema.url, poolSize: 10 });
    await migrate(db);
    return {
      db,
      url: schema.url,
      async close() {
        await db.close();
        await schema.drop();
      },
    };
  },
};

export const databaseTargets: DatabaseTarget[] = postgresUrl ? [pglite, postgres] : [pglite];
