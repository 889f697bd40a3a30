// A visitor's retries never store twice, and a burst of submissions is counted exactly.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '../ingest/db/database.ts';
import { databaseTargets, type OpenedDatabase } from './helpers/databases.ts';
import { VALID_CONTACT, seedAccount, startTestApp, type Seeded, type TestApp } from './helpers/harness.ts';
import { postJson, send } from './helpers/http.ts';

const today = () => new Date().toISOString().slice(0, 10);

/** The group-commit histogram: how many batches were written, holding how many submissions. */
/** /metrics is served to the operator's bearer token only. */
const METRICS_TOKEN = 'metrics-token-for-tests-0123456789';

async function batchMetrics(url: string): Promise<{ batches: number; submissions: number; singles: number }> {
  const text = (await send(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text;
  const value = (name: string) => Number(new RegExp(`^${name.replace(/[{}"]/g, '\\$&')} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return {
    batches: value('formline_submission_batch_size_count'),
    submissions: value('formline_submission_batch_size_sum'),
    singles: value('formline_submission_batch_size_bucket{le="1"}'),
  };
}

for (const target of databaseTargets) {
  describe(`idempotency and concurrency on ${target.name}`, () => {
    let opened: OpenedDatabase;
    let app: TestApp;

    before(async () => {
      opened = await target.open();
      app = await startTestApp(opened.db, { METRICS_TOKEN });
    });

    after(async () => {
      await app?.close();
      await opened?.close();
    });

    const count = async (sql: string, params: unknown[]) => (await opened.db.query<{ n: number }>(sql, params))[0]?.n;

    it('a retried post with the same Idempotency-Key returns the first id and stores nothing new', async () => {
      const seeded = await seedAccount(opened.db);
      const key = randomUUID();
      const first = await postJson(app.url, seeded.formId, VALID_CONTACT, { 'idempotency-key': key });
      const second = await postJson(app.url, seeded.formId, { ...VALID_CONTACT, name: 'Changed' }, { 'idempotency-key': key });
      assert.equal(first.status, 201);
      assert.equal(second.status, 201);
      assert.deepEqual(second.body, first.body);
      assert.equal(second.headers.get('idempotent-replayed'), 'true');
      assert.equal(first.headers.get('idempotent-replayed'), null);
      assert.equal(await count('select count(*)::int as n from submissions where form_id = $1', [seeded.formId]), 1);
      assert.equal(await count('select count(*)::int as n from jobs j join submissions s on s.id = j.submission_id where s.form_id = $1', [seeded.formId]), 1);
      const usage = await opened.db.query<{ accepted: number }>('select accepted from usage_daily where site_id = $1', [seeded.siteId]);
      assert.deepEqual(usage, [{ accepted: 1 }]);
    });

    it('the same key on another form is another submission', async () => {
      const a = await seedAccount(opened.db);
      const b = await seedAccount(opened.db);
      const key = randomUUID();
      const first = await postJson(app.url, a.formId, VALID_CONTACT, { 'idempotency-key': key });
      const second = await postJson(app.url, b.formId, VALID_CONTACT, { 'idempotency-key': key });
      assert.notDeepEqual(first.body, second.body);
      assert.equal(second.headers.get('idempotent-replayed'), null);
    });

    it('20 concurrent posts with one key all get the same id, and one submission with one set of jobs is stored', async () => {
      const seeded = await seedAccount(opened.db, { settings: { notifyEmails: ['a@shop.example', 'b@shop.example'] } });
      const key = randomUUID();
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => postJson(app.url, seeded.formId, VALID_CONTACT, { 'idempotency-key': key })),
      );
      assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([201]));
      const ids = new Set(answers.map((a) => (a.body as { id: string }).id));
      assert.equal(ids.size, 1);
      assert.equal(answers.filter((a) => a.headers.get('idempotent-replayed') === null).length, 1, 'exactly one first answer');
      assert.equal(await count('select count(*)::int as n from submissions where form_id = $1', [seeded.formId]), 1);
      assert.equal(await count('select count(*)::int as n from jobs where submission_id = $1', [[...ids][0]]), 2);
      assert.equal(await count('select accepted as n from usage_daily where site_id = $1 and day = $2::date', [seeded.siteId, today()]), 1);
    });

    it('N concurrent submissions to one form count exactly N in usage_daily, each with its jobs', async () => {
      // A paying account: its quota does not hold any of them (billing.test.ts covers the free plan's).
      const seeded: Seeded = await seedAccount(opened.db, { plan: 'business' });
      const n = 300;
      const before = await batchMetrics(app.url);
      const answers = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          postJson(app.url, seeded.formId, { ...VALID_CONTACT, name: `Visitor ${i}` }, { 'idempotency-key': randomUUID() }),
        ),
      );
      assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([201]));
      assert.equal(new Set(answers.map((a) => (a.body as { id: string }).id)).size, n);
      assert.equal(await count('select accepted as n from usage_daily where site_id = $1 and day = $2::date', [seeded.siteId, today()]), n);
      assert.equal(await count('select count(*)::int as n from submissions where form_id = $1', [seeded.formId]), n);
      assert.equal(
        await count('select count(*)::int as n from jobs j join submissions s on s.id = j.submission_id where s.form_id = $1', [seeded.formId]),
        n,
      );
      // Each visitor's own data under their own id.
      for (const [i, answer] of answers.entries()) {
        const [row] = await opened.db.query<{ name: string }>("select data->>'name' as name from submissions where id = $1", [
          (answer.body as { id: string }).id,
        ]);
        assert.equal(row?.name, `Visitor ${i}`);
      }
      // Group commit: the burst was written in batches (one statement each), not one write per post.
      const after = await batchMetrics(app.url);
      const batches = after.batches - before.batches;
      assert.equal(after.submissions - before.submissions, n, 'every submission went through a batch');
      assert.ok(batches < n, `${n} posts took ${batches} batches: one write per post`);
      assert.ok(after.singles - before.singles < batches, 'some batch held more than one submission');
    });

    it('spam and accepted submissions are counted apart', async () => {
      const seeded = await seedAccount(opened.db);
      await Promise.all([
        postJson(app.url, seeded.formId, VALID_CONTACT),
        postJson(app.url, seeded.formId, VALID_CONTACT),
        postJson(app.url, seeded.formId, { ...VALID_CONTACT, _gotcha: 'bot' }),
      ]);
      const usage = await opened.db.query<{ accepted: number; spam: number }>(
        'select accepted, spam from usage_daily where site_id = $1',
        [seeded.siteId],
      );
      assert.deepEqual(usage, [{ accepted: 2, spam: 1 }]);
    });

    if (target.name === 'postgres') {
      it('two service instances sharing one PostgreSQL store a key once, whichever wins', async () => {
        const seeded = await seedAccount(opened.db);
        const secondDb = await openDatabase({ url: opened.url, poolSize: 5 });
        const second = await startTestApp(secondDb);
        try {
          for (let round = 0; round < 10; round++) {
            const key = randomUUID();
            const answers = await Promise.all(
              Array.from({ length: 10 }, (_, i) =>
                postJson(i % 2 ? app.url : second.url, seeded.formId, VALID_CONTACT, { 'idempotency-key': key }),
              ),
            );
            assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([201]));
            assert.equal(new Set(answers.map((a) => (a.body as { id: string }).id)).size, 1, `round ${round}`);
          }
          assert.equal(await count('select count(*)::int as n from submissions where form_id = $1', [seeded.formId]), 10);
          assert.equal(await count('select accepted as n from usage_daily where site_id = $1 and day = $2::date', [seeded.siteId, today()]), 10);
        } finally {
          await second.close();
          await secondDb.close();
        }
      });
    }
  });
}
