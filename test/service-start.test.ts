// What a new user sees: `npm start` on a fresh data directory migrates, creates the admin, a demo
// site and form, prints the console URL and login, and serves; starting again changes nothing.
// A bad environment stops boot with a message naming the variable.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../ingest/config.ts';
import { databaseTargets } from './helpers/databases.ts';
import { send } from './helpers/http.ts';
import { freePort } from './helpers/ports.ts';
import { freshDatabaseEnv, openServiceDatabase, startServiceProcess } from './helpers/service-process.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

for (const target of databaseTargets) {
  describe(`starting the service on ${target.name}`, () => {
    const cleanups: (() => Promise<void> | void)[] = [];
    after(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup();
    });

    it('first start creates the admin, a demo site and its two forms (contact, waitlist), prints the login; a restart changes nothing', async () => {
      const env: Record<string, string> = { ...(await freshDatabaseEnv(target, cleanups)), ADMIN_EMAIL: 'Owner@Example.com' };

      const first = await startServiceProcess(env);
      cleanups.push(() => void first.stop('SIGKILL'));
      const banner = first.output();
      // PORT=0 (any free port) keeps the default PUBLIC_URL of http://localhost:8080.
      assert.match(banner, /Console: {2}http:\/\/localhost:8080\/console\//);
      assert.match(banner, /Login: {4}owner@example\.com/);
      const password = /Password: (\S+) {3}\(generated now and shown once/.exec(banner)?.[1];
      assert.ok(password, `no generated password in:\n${banner}`);

      // The printed login works.
      const signIn = await send(`${first.url}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'owner@example.com', password }),
      });
      assert.equal(signIn.status, 200);
      const me = signIn.body as { user: { isPlatformAdmin: boolean }; account: { role: string } };
      assert.equal(me.user.isPlatformAdmin, true);
      assert.equal(me.account.role, 'owner');
      const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] as string;
      const sites = await send(`${first.url}/api/sites`, { headers: { cookie } });
      assert.deepEqual(
        (sites.body as { items: { allowedOrigins: string[] }[] }).items.map((s) => s.allowedOrigins),
        [['http://localhost:8080']],
      );

      // The demo form takes a submission from the demo origin.
      const posted = await send(`${first.url}/v1/f/f_demo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'http://localhost:8080' },
        body: JSON.stringify({ name: 'Ada', email: 'ada@example.com', message: 'Hello from the demo!', consent: true }),
      });
      assert.equal(posted.status, 201);
      assert.equal(await first.stop('SIGTERM'), 0, 'a SIGTERM stops the service cleanly');

      const second = await startServiceProcess(env);
      cleanups.push(() => void second.stop('SIGKILL'));
      assert.doesNotMatch(second.output(), /generated now/);
      assert.match(second.output(), /as set when this database was first started/);
      assert.equal(await second.stop('SIGTERM'), 0);

      const db = await openServiceDatabase(env);
      try {
        const [counts] = await db.query<{ users: number; accounts: number; sites: number; forms: number; submissions: number }>(
          `select (select count(*)::int from users) as users, (select count(*)::int from accounts) as accounts,
                  (select count(*)::int from sites) as sites, (select count(*)::int from forms) as forms,
                  (select count(*)::int from submissions) as submissions`,
        );
        assert.deepEqual(counts, { users: 1, accounts: 1, sites: 1, forms: 2, submissions: 1 });
      } finally {
        await db.close();
      }
    });
  });
}

describe('starting the service while Redis is unreachable', () => {
  // REDIS_URL names a port nothing listens on: rate limits cannot be shared, so requests pass
  // (ARCHITECTURE.md, step 5), and the service must still start, answer and stop.
  const dirs: string[] = [];
  after(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });
  const freshEnv = async (): Promise<Record<string, string>> => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'formline-redis-down-'));
    dirs.push(dir);
    return { DATA_DIR: dir, REDIS_URL: `redis://127.0.0.1:${await freePort()}`, RATE_LIMIT_IP_PER_MINUTE: '1', ADMIN_PASSWORD: 'redis-down-password' };
  };

  it('listens, accepts submissions (limits cannot apply), says so once in the log, and stops on SIGTERM', async () => {
    const service = await startServiceProcess(await freshEnv());
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const posted = await send(`${service.url}/v1/f/f_demo`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: 'http://localhost:8080' },
          body: JSON.stringify({ name: 'Ada', email: 'ada@example.com', message: 'Hello while Redis is down', consent: true }),
        });
        statuses.push(posted.status);
      }
      assert.deepEqual(statuses, [201, 201, 201]);
      assert.equal(await service.stop('SIGTERM'), 0, 'a SIGTERM stops the service cleanly');
      const redisLines = service.output().split('\n').filter((line) => /"msg":"[^"]*redis/i.test(line));
      assert.equal(redisLines.length, 1, `the outage is logged once, not per request:\n${redisLines.join('\n')}`);
      assert.match(redisLines[0] ?? '', /redis is unreachable/);
    } finally {
      await service.stop('SIGKILL');
    }
  });

  it('a SIGTERM that arrives during startup stops it cleanly', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'ingest/cli.ts', 'start'], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] ?? '', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...(await freshEnv()) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
    try {
      // The first migrations are applied early in startup, long before the service listens.
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no startup progress:\n${output}`)), 60_000);
        const watch = (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes('migrations applied')) {
            clearTimeout(timer);
            resolve();
          }
        };
        child.stdout.on('data', watch);
        child.stderr.on('data', watch);
      });
      child.kill('SIGTERM');
      const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('still running 30 s after SIGTERM'), 30_000).unref());
      assert.equal(await Promise.race([exited, timeout]), 0, output);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('configuration', () => {
  it('a bad value stops boot with a message naming the variable', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'ingest/cli.ts', 'start'], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] ?? '', PORT: 'eighty', DATABASE_URL: 'mysql://nope', LOG_LEVEL: 'loud' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /PORT:/);
    assert.match(result.stderr, /DATABASE_URL: must be a URL starting with postgres:\/\/ or postgresql:\/\//);
    assert.match(result.stderr, /LOG_LEVEL:/);
  });

  it('the defaults are those README.md documents, and the result is frozen', () => {
    const config = loadConfig({});
    assert.equal(config.port, 8080);
    assert.equal(config.publicUrl, 'http://localhost:8080');
    assert.equal(config.dataDir, path.resolve('./data'));
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.limits.maxBodyBytes, 102_400);
    assert.ok(Object.isFrozen(config) && Object.isFrozen(config.limits));
  });

  it('refuses a submission store this version cannot use, saying so', () => {
    assert.throws(() => loadConfig({ SUBMISSION_STORE: 'mongodb' }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /SUBMISSION_STORE/);
      return true;
    });
  });

  it('one embedded database serves one process: a second start on the same DATA_DIR is refused', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'formline-lock-'));
    const first = await startServiceProcess({ DATA_DIR: dir });
    try {
      const second = spawnSync(process.execPath, ['--import', 'tsx', 'ingest/cli.ts', 'start'], {
        cwd: ROOT,
        env: { PATH: process.env['PATH'] ?? '', DATA_DIR: dir, PORT: '0', HOST: '127.0.0.1' },
        encoding: 'utf8',
        timeout: 30_000,
      });
      assert.equal(second.status, 1);
      assert.match(second.stderr, /is in use by process \d+/);
    } finally {
      await first.stop('SIGTERM');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
