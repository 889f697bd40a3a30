// What an operator relies on: liveness, readiness (public, saying nothing but up and ready),
// Prometheus metrics (never public: a bearer token or a listener of its own), structured logs with
// a request id and no secrets, and migrations that apply once, on either database, from any
// number of processes at once.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../ingest/config.ts';
import { createLogger } from '../ingest/logger.ts';
import { startService } from '../ingest/server.ts';
import { openDatabase } from '../ingest/db/database.ts';
import { listMigrationFiles, migrate } from '../ingest/db/migrate.ts';
import { createPostgresSchema, databaseTargets, type OpenedDatabase } from './helpers/databases.ts';
import { VALID_CONTACT, consoleHeaders, seedAccount, signIn, startTestApp, type Seeded, type TestApp } from './helpers/harness.ts';
import { postJson, send } from './helpers/http.ts';

const METRICS_TOKEN = 'metrics-token-for-tests-0123456789';

for (const target of databaseTargets) {
  describe(`operations on ${target.name}`, () => {
    let opened: OpenedDatabase;
    let app: TestApp;
    let seeded: Seeded;

    before(async () => {
      opened = await target.open();
      seeded = await seedAccount(opened.db);
      app = await startTestApp(opened.db, { METRICS_TOKEN });
    });

    after(async () => {
      await app?.close();
      await opened?.close();
    });

    it('/healthz and /readyz answer anyone, and say only that the process is up and the database ready', async () => {
      await postJson(app.url, seeded.formId, VALID_CONTACT);
      const live = await send(`${app.url}/healthz`);
      assert.deepEqual([live.status, live.body], [200, { status: 'ok' }]);
      const ready = await send(`${app.url}/readyz`);
      assert.deepEqual([ready.status, ready.body], [200, { status: 'ready' }]);
      // The queue depth is for the operator's scrape.
      const metrics = await send(`${app.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      assert.ok(Number(/^formline_queued_jobs (\d+)$/m.exec(metrics.text)?.[1]) >= 1, metrics.text.slice(0, 200));
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

    it('/metrics answers a stranger 401 without the bearer token, or with a wrong one, and shows no counter', async () => {
      for (const authorization of [undefined, 'Bearer not-the-token-0123456789', `Basic ${METRICS_TOKEN}`, `Bearer ${METRICS_TOKEN}x`, 'Bearer ']) {
        const answer = await send(`${app.url}/metrics`, authorization ? { headers: { authorization } } : {});
        assert.deepEqual([answer.status, answer.body], [401, { error: { code: 'unauthorized', message: 'The metrics need Authorization: Bearer <METRICS_TOKEN>.' } }], String(authorization));
        assert.equal(answer.headers.get('www-authenticate'), 'Bearer realm="metrics"');
        assert.ok(!answer.text.includes('formline_'), 'a counter leaked');
      }
    });

    it('/metrics is not served at all (404) without METRICS_TOKEN, nor on the main port when METRICS_LISTEN is set', async () => {
      for (const env of [{}, { METRICS_LISTEN: '127.0.0.1:9464', METRICS_TOKEN }]) {
        const other = await startTestApp(opened.db, env);
        try {
          const answer = await send(`${other.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
          assert.deepEqual([answer.status, answer.body], [404, { error: { code: 'not_found', message: 'Nothing at GET /metrics.' } }], JSON.stringify(env));
        } finally {
          await other.close();
        }
      }
    });

    it('/metrics with the token counts submissions by outcome and times requests by route', async () => {
      await postJson(app.url, seeded.formId, VALID_CONTACT);
      await postJson(app.url, seeded.formId, { name: '' });
      await postJson(app.url, seeded.formId, { ...VALID_CONTACT, _gotcha: 'x' });
      await postJson(app.url, 'f_missing', VALID_CONTACT);
      const metrics = await send(`${app.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
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

describe('metrics on a listen address of their own (METRICS_LISTEN)', () => {
  it('serves /metrics there and nothing else, and not on the main port', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'formline-metrics-'));
    const config = loadConfig({ DATA_DIR: dir, PORT: '0', HOST: '127.0.0.1', METRICS_LISTEN: '127.0.0.1:0', WORKER: 'false', DEMO: 'false', LOG_LEVEL: 'silent' });
    const service = await startService(config, createLogger('silent'));
    try {
      assert.ok(service.metricsUrl && service.metricsUrl !== service.url);
      const scrape = await send(`${service.metricsUrl}/metrics`);
      assert.equal(scrape.status, 200);
      assert.match(scrape.text, /^# TYPE formline_submissions_total counter$/m);
      assert.equal((await send(`${service.metricsUrl}/healthz`)).status, 404);
      assert.equal((await send(`${service.url}/metrics`)).status, 404);
      assert.equal((await send(`${service.url}/healthz`)).status, 200);
    } finally {
      await service.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

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
