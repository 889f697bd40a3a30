// One small interface over PostgreSQL (pg Pool) and PGlite (embedded PostgreSQL), so the same
// SQL and the same migrations run on both. Only ingest/store/ and ingest/db/ hold SQL.

import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

export type Row = Record<string, unknown>;

export interface QueryOptions {
  /**
   * Names the statement so PostgreSQL parses and plans it once per connection (hot paths only;
   * one name, one SQL text). PGlite has no use for it.
   */
  prepare?: string;
}

export interface Queryable {
  /** Runs one statement with $1-style parameters and returns its rows. */
  query<R extends Row = Row>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<R[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Database extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** How many statements may usefully run at once (pool size; 1 for PGlite). */
  readonly concurrency: number;
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

// int8 (counts, sums) as numbers, the way PGlite returns them; values stay far below 2^53.
const INT8_OID = 20;
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID) return (value: string) => Number(value);
    return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid, 'text');
  },
} as pg.CustomTypesConfig;

class PostgresDatabase implements Database {
  readonly kind = 'postgres' as const;
  readonly concurrency: number;
  private readonly pool: pg.Pool;

  constructor(url: string, poolSize: number) {
    this.concurrency = poolSize;
    this.pool = new pg.Pool({
      connectionString: url,
      max: poolSize,
      types: pgTypes,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      statement_timeout: 30_000,
    });
    // An idle client that loses its server emits here; without a listener it would crash the process.
    this.pool.on('error', () => {});
  }

  async query<R extends Row = Row>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<R[]> {
    const values = params as unknown[] | undefined;
    const result = await this.pool.query<R>(options?.prepare ? { name: options.prepare, text: sql, values } : { text: sql, values });
    return result.rows;
  }

  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const tx: Queryable = {
        async query<R extends Row = Row>(sql: string, params?: readonly unknown[], options?: QueryOptions) {
          const values = params as unknown[] | undefined;
          return (await client.query<R>(options?.prepare ? { name: options.prepare, text: sql, values } : { text: sql, values })).rows;
        },
        async exec(sql: string) {
          await client.query(sql);
        },
      };
      const result = await fn(tx);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        broken = rollbackError as Error;
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

class PGliteDatabase implements Database {
  readonly kind = 'pglite' as const;
  readonly concurrency = 1;

  constructor(private readonly db: PGlite) {}

  async query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]> {
    const result = await this.db.query<R>(sql, params as unknown[] | undefined);
    return result.rows;
  }

  async exec(sql: string): Promise<void> {
    await this.db.exec(sql);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.db.transaction(async (t) =>
      fn({
        async query<R extends Row = Row>(sql: string, params?: readonly unknown[]) {
          return (await t.query<R>(sql, params as unknown[] | undefined)).rows;
        },
        async exec(sql: string) {
          await t.exec(sql);
        },
      }),
    );
  }

  async close(): Promise<void> {
    if (!this.db.closed) await this.db.close();
  }
}

export interface DatabaseOptions {
  /** postgres://… to use a PostgreSQL server; otherwise PGlite. */
  url?: string | undefined;
  /** PGlite's data directory; omitted means in memory (tests). */
  dataDir?: string | undefined;
  poolSize?: number;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) {
    const db = new PostgresDatabase(options.url, options.poolSize ?? 10);
    await db.query('select 1');
    return db;
  }
  let dataDir: string | undefined;
  if (options.dataDir) {
    dataDir = path.join(options.dataDir, 'pglite');
    fs.mkdirSync(dataDir, { recursive: true });
  }
  const pglite = await PGlite.create(dataDir ? { dataDir } : {});
  return new PGliteDatabase(pglite);
}

/** PostgreSQL error codes the services turn into domain errors or retries. */
export const PG_UNIQUE_VIOLATION = '23505';
export const PG_FOREIGN_KEY_VIOLATION = '23503';
export const PG_DEADLOCK = '40P01';
export const PG_SERIALIZATION_FAILURE = '40001';

export function pgErrorCode(error: unknown): string | undefined {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string') return error.code;
  return undefined;
}
