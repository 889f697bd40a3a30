// Runs the real service (`ingest/cli.ts start`, what `npm start` runs) as a child process.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase, type Database } from '../../ingest/db/database.ts';
import { createPostgresSchema, type DatabaseTarget } from './databases.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ServiceProcess {
  url: string;
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code or signal once the process has ended. */
  exited: Promise<number | NodeJS.Signals | null>;
  stop(signal?: NodeJS.Signals): Promise<number | NodeJS.Signals | null>;
}

export async function startServiceProcess(env: Record<string, string>, timeoutMs = 60_000): Promise<ServiceProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'ingest/cli.ts', 'start'], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code)),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`service did not start in ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const check = () => {
      const match = /listening on (http:\/\/[^\s,)]+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`service exited (${code}) before listening:\n${output}`));
    });
  });
  return {
    url,
    child,
    output: () => output,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/**
 * The environment that points a service process at a fresh database of the target's kind (a new
 * PostgreSQL schema, or a new PGlite data directory); `cleanup` removes it afterwards.
 */
export async function freshDatabaseEnv(
  target: DatabaseTarget,
  cleanups: (() => Promise<void> | void)[],
): Promise<Record<string, string>> {
  if (target.name === 'postgres') {
    const schema = await createPostgresSchema();
    cleanups.push(() => schema.drop());
    return { DATABASE_URL: schema.url };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'formline-service-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return { DATA_DIR: dir };
}

/** Opens the database a service process used, once it has stopped (PGlite allows one process). */
export function openServiceDatabase(env: Record<string, string>): Promise<Database> {
  return openDatabase(env['DATABASE_URL'] ? { url: env['DATABASE_URL'] } : { dataDir: env['DATA_DIR'] });
}
