// What an operator relies on: liveness, readiness, Prometheus metrics, structured logs with a
// request id and no secrets, and migrations that apply once, on either database, from any
// number of processes at once.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '../ingest/db/database.ts';
import { listMigrationFiles, migrate } from '../ingest/db/migrate.ts';
import { createPostgresSchema, databaseTargets, type OpenedDatabase } from './helpers/databases.ts';
import { VALID_CONTACT, consoleHeaders, seedAccount, signIn, startTestApp, type Seeded, type TestApp } from './helpers/harness.ts';
import { postJson, send } from './helpers/http.ts';

for (const target of databaseTargets) {
  describe(`operations on ${target.name}`, () => {
    let opened: OpenedDatabase;
    let app: TestApp;
    let seeded: Seeded;

    before(async () => {
      opened = await target.open();
      seeded = await seedAccount(opened.db);
      app = await startTestApp(opened.db);
    });

    after(async () => {
      await app?.close();
      await opened?.close();
    });

    it('/healthz answers while the process runs; /readyz reports the database and the queue depth', async () => {
      const live = await send(`${app.url}/healthz`);
      assert.equal(live.status, 200);
      assert.deepEqual(live.body, { status: 'ok' });
      await postJson(app.url, seeded.formId, VALID_CONTACT);
      const ready = await send(`${app.url}/readyz`);
      assert.equal(ready.status, 200);
      const body = ready.body as { status: string; database: string; queuedJobs: number };
      assert.equal(body.status, 'ready');
      assert.equal(body.database, target.name);
      assert.ok(body.queuedJobs >= 1);
    });

    if (target.name === 'postgres') {
      it('/readyz answers 503 not_ready when the database cannot be reached, and submissions 503 with Retry-After', async () => {
        // A service whose connection pool is gone: the database is unreachable from this process.
        const lost = await openDatabase({ url: opened.url, poolSize: 2 });
        const cut = await startTestApp(lost);
        try {
          assert.equal((await send(`${cut.url}/readyz`)).status, 200);
          await lost.close();
          const ready = await send(`${cut.url}/readyz`);
          assert.equal(ready.status, 503);
          assert.deepEqual(ready.body, { error: { code: 'not_ready', message: 'The database is not reachable.' } });
          assert.equal((await send(`${cut.url}/healthz`)).status, 200, 'the process itself is alive');
          const posted = await postJson(cut.url, seeded.formId, VALID_CONTACT);
          assert.equal(posted.status, 503);
          assert.deepEqual(posted.body, { error: { code: 'service_unavailable', message: 'The service is briefly unavailable; try again shortly.' } });
          assert.equal(posted.headers.get('retry-after'), '5');
        } finally {
          await cut.close();
        }
      });
    }

    it('/metrics counts submissions by outcome and times requests by route', async () => {
      await postJson(app.url, seeded.formId, VALID_CONTACT);
      await postJson(app.url, seeded.formId, { name: '' });
      await postJson(app.url, seeded.formId, { ...VALID_CONTACT, _gotcha: 'x' });
      await postJson(app.url, 'f_missing', VALID_CONTACT);
      const metrics = await send(`${app.url}/metrics`);
      assert.equal(metrics.status, 200);
      const value = (line: string) => Number(new RegExp(`^${line.replace(/[{}"]/g, '\\$&')} (\\d+)`, 'm').exec(metrics.text)?.[1]);
      assert.ok(value('formline_submissions_total{outcome="accepted"}') >= 1);
      assert.ok(value('formline_submissions_total{outcome="invalid"}') >= 1);
      assert.ok(value('formline_submissions_total{outcome="spam"}') >= 1);
      assert.ok(value('formline_submissions_total{outcome="rejected"}') >= 1);
      assert.match(metrics.text, /formline_http_request_duration_seconds_bucket\{le="0\.05",method="POST",route="\/v1\/f\/:formId",status="201"\}/);
    });

    it('logs one JSON line per request with its request id, and never a password or session cookie', async () => {
      const cookie = await signIn(app.url, seeded.email, seeded.password);
      await send(`${app.url}/api/sites`, { headers: { ...consoleHeaders(cookie, app.url), 'x-request-id': 'trace-me-123' } });
      const answer = await send(`${app.url}/healthz`, { headers: { 'x-request-id': 'not valid!' } });
      assert.match(answer.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/, 'an unusable request id is replaced');
      const line = app.logs.find((entry) => entry['reqId'] === 'trace-me-123');
      assert.ok(line, 'the request is logged under the id the caller sent');
      assert.equal(line['status'], 200);
      assert.equal(line['method'], 'GET');
      assert.equal(line['url'], '/api/sites');
      assert.equal(typeof line['ms'], 'number');
      const all = JSON.stringify(app.logs);
      assert.ok(!all.includes(seeded.password), 'a password reached the logs');
      assert.ok(!all.includes(cookie.split('=')[1] as string), 'a session token reached the logs');
    });
  });

  describe(`migrations on ${target.name}`, () => {
    it('apply every sql/ file once, in order, and do nothing when run again', async () => {
      const opened = await target.open();
      try {
        const files = listMigrationFiles();
        assert.ok(files.length >= 10);
        const rows = await opened.db.query<{ name: string }>('select name from schema_migrations order by name');
        assert.deepEqual(rows.map((row) => row.name), files);
        assert.deepEqual(await migrate(opened.db), []);
        const tables = await opened.db.query<{ table_name: string }>(
          `select table_name from information_schema.tables where table_schema = current_schema() order by 1`,
        );
        for (const table of ['accounts', 'users', 'memberships', 'sessions', 'api_keys', 'sites', 'forms', 'submissions', 'usage_daily', 'jobs']) {
          assert.ok(tables.some((row) => row.table_name === table), `table ${table} is missing`);
        }
        const [index] = await opened.db.query<{ indexdef: string }>(
          `select indexdef from pg_indexes where indexname = 'submissions_form_created'`,
        );
        assert.match(index?.indexdef ?? '', /\(form_id, created_at DESC, id DESC\)/);
      } finally {
        await opened.close();
      }
    });
  });
}

if (databaseTargets.some((target) => target.name === 'postgres')) {
  describe('migrations on one PostgreSQL from several processes', () => {
    it('five migrators starting at once apply each file exactly once', async () => {
      const schema = await createPostgresSchema();
      const dbs = await Promise.all(Array.from({ length: 5 }, () => openDatabase({ url: schema.url, poolSize: 2 })));
      try {
        const applied = await Promise.all(dbs.map((db) => migrate(db)));
        const total = applied.flat();
        assert.deepEqual([...total].sort(), listMigrationFiles(), 'every file applied by exactly one of them');
        const rows = await (dbs[0] as (typeof dbs)[number]).query<{ n: number }>('select count(*)::int as n from schema_migrations');
        assert.equal(rows[0]?.n, listMigrationFiles().length);
      } finally {
        await Promise.all(dbs.map((db) => db.close()));
        await schema.drop();
      }
    });
  });
}
