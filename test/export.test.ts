// Exports of a form's submissions: CSV with every column of the form plus id, status and time,
// formula cells neutralised, an optional BOM; JSON; both streamed in pages and scoped to the
// account. Compared row by row with what the database holds.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { newSubmissionId } from '../ingest/services/ids.ts';
import { saveSubmissions, type NewSubmission } from '../ingest/store/submissions.ts';
import { databaseTargets, type OpenedDatabase } from './helpers/databases.ts';
import { consoleHeaders, seedAccount, signIn, startTestApp, type Seeded, type TestApp } from './helpers/harness.ts';
import { errorOf, postJson, send } from './helpers/http.ts';

const COUNT = 2_345;
const FORMULAS = ['=HYPERLINK("http://evil.example","click")', '+1234', '-2+3', '@SUM(A1)', '\t=1+1', '\r=1+1'];

for (const target of databaseTargets) {
  describe(`exporting submissions, on ${target.name}`, () => {
    let opened: OpenedDatabase;
    let app: TestApp;
    let owner: Seeded;
    let headers: Record<string, string>;

    before(async () => {
      opened = await target.open();
      owner = await seedAccount(opened.db);
      app = await startTestApp(opened.db);
      headers = consoleHeaders(await signIn(app.url, owner.email, owner.password), app.url);
      const start = Date.parse('2026-03-01T00:00:00Z');
      const rows: NewSubmission[] = [];
      for (let i = 0; i < COUNT; i++) {
        const formula = FORMULAS[i % 50] ?? null;
        rows.push({
          id: newSubmissionId(),
          formId: owner.formId,
          siteId: owner.siteId,
          accountId: owner.accountId,
          data: {
            name: `Visitor ${i}`,
            email: `v${i}@example.com`,
            topic: i % 2 ? 'Sales' : 'Support',
            message: formula ?? `Message number ${i}, with "quotes", commas and\na second line.`,
            consent: true,
          },
          meta: { via: 'json' },
          status: i % 100 === 7 ? 'spam' : 'new',
          idempotencyKey: null,
          createdAt: new Date(start + i * 1000),
          jobs: [],
        });
      }
      for (let i = 0; i < rows.length; i += 500) await saveSubmissions(opened.db, rows.slice(i, i + 500));
    });
    after(async () => {
      await app.close();
      await opened.close();
    });

    const databaseRows = (status?: string) =>
      opened.db.query<{ id: string; status: string; created_at: Date; data: Record<string, unknown> }>(
        `select id, status, created_at, data from submissions where form_id = $1 and ${status ? 'status = $2' : "status <> 'spam'"}
          order by created_at desc, id desc`,
        status ? [owner.formId, status] : [owner.formId],
      );

    it('streams a CSV of every submission (spam apart), each column of the form, newest first, formulas neutralised', async () => {
      const res = await send(`${app.url}/api/forms/${owner.formId}/submissions.csv`, { headers });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'text/csv; charset=utf-8');
      assert.equal(res.headers.get('content-disposition'), `attachment; filename="${owner.formId}-submissions.csv"`);
      assert.notEqual(res.text.charCodeAt(0), 0xfeff);
      const records = parse(res.text) as string[][];
      assert.deepEqual(records[0], ['id', 'status', 'createdAt', 'name', 'email', 'topic', 'message', 'consent']);
      const expected = await databaseRows();
      assert.equal(records.length - 1, expected.length);
      expected.forEach((row, index) => {
        const message = String(row.data['message']);
        const cell = /^[=+\-@\t\r]/.test(message) ? `'${message}` : message;
        assert.deepEqual(records[index + 1], [
          row.id,
          row.status,
          row.created_at.toISOString(),
          String(row.data['name']),
          String(row.data['email']),
          String(row.data['topic']),
          cell,
          'true',
        ]);
      });
      // Every formula came out as text.
      const messages = records.slice(1).map((record) => record[6] ?? '');
      for (const formula of FORMULAS) assert.ok(messages.includes(`'${formula}`), JSON.stringify(formula));
      assert.ok(!messages.some((m) => /^[=+\-@\t\r]/.test(m)));
    });

    it('adds a BOM for Excel on request, and takes the list filters', async () => {
      const res = await fetch(`${app.url}/api/forms/${owner.formId}/submissions.csv?bom=1&status=spam`, { headers });
      const bytes = Buffer.from(await res.arrayBuffer());
      assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
      const records = parse(bytes.subarray(3).toString('utf8')) as string[][];
      assert.deepEqual(records.slice(1).map((r) => r[0]), (await databaseRows('spam')).map((r) => r.id));
      const bad = await send(`${app.url}/api/forms/${owner.formId}/submissions.csv?bom=yes`, { headers });
      assert.equal(bad.status, 422);
    });

    it('streams the same submissions as JSON', async () => {
      const res = await send(`${app.url}/api/forms/${owner.formId}/submissions.json`, { headers });
      assert.equal(res.status, 200);
      const items = res.body as { id: string; formId: string; status: string; createdAt: string; data: Record<string, unknown> }[];
      const expected = await databaseRows();
      assert.deepEqual(
        items,
        expected.map((row) => ({ id: row.id, formId: owner.formId, status: row.status, createdAt: row.created_at.toISOString(), data: row.data })),
      );
      const none = await send(`${app.url}/api/forms/${owner.formId}/submissions.json?q=nothing-matches-this`, { headers });
      assert.deepEqual(none.body, []);
    });

    it("neutralises a formula in the header too: on a form without a schema the columns are visitors' own field names", async () => {
      const loose = await seedAccount(opened.db, { schema: null });
      const looseHeaders = consoleHeaders(await signIn(app.url, loose.email, loose.password), app.url);
      const names = ['=HYPERLINK("http://evil.example","click")', '+cmd|calc', '-2+3', '@SUM(A1)', '\t=1+1', '\r=1+1', 'plain'];
      const sent = await postJson(app.url, loose.formId, Object.fromEntries(names.map((name) => [name, `value of ${name}`])));
      assert.equal(sent.status, 201, sent.text);
      const res = await send(`${app.url}/api/forms/${loose.formId}/submissions.csv`, { headers: looseHeaders });
      assert.equal(res.status, 200);
      const [header, row] = parse(res.text) as string[][];
      assert.deepEqual(header?.slice(0, 3), ['id', 'status', 'createdAt']);
      const columns = header?.slice(3) ?? [];
      assert.deepEqual([...columns].sort(), names.map((name) => (name === 'plain' ? name : `'${name}`)).sort());
      assert.ok(!header?.some((cell) => /^[=+\-@\t\r]/.test(cell)), JSON.stringify(header));
      // Each column still holds its own field's value.
      columns.forEach((column, index) => {
        const name = column === 'plain' ? column : column.slice(1);
        assert.equal(row?.[index + 3], `value of ${name}`);
      });
      // The JSON export keeps the names as sent: it is no spreadsheet.
      const json = await send(`${app.url}/api/forms/${loose.formId}/submissions.json`, { headers: looseHeaders });
      assert.deepEqual(Object.keys((json.body as { data: Record<string, string> }[])[0]?.data ?? {}).sort(), [...names].sort());
    });

    it("answers another account's form with 404 and a request without a session with 401", async () => {
      const other = await seedAccount(opened.db);
      const otherHeaders = consoleHeaders(await signIn(app.url, other.email, other.password), app.url);
      for (const path of ['submissions.csv', 'submissions.json']) {
        const foreign = await send(`${app.url}/api/forms/${owner.formId}/${path}`, { headers: otherHeaders });
        assert.equal(foreign.status, 404);
        assert.equal(errorOf(foreign).code, 'form_not_found');
        const anonymous = await send(`${app.url}/api/forms/${owner.formId}/${path}`);
        assert.equal(anonymous.status, 401);
      }
    });
  });
}
