// The search index (sql/0025): workers fill it after the fact, and a search finds a submission
// whether it is already indexed or stored since; a submission whose write committed after the
// indexer moved past its id is picked up by the look back; deleting a submission takes it out.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { indexSubmissions } from '../ingest/services/search-indexer.ts';
import { indexMissedSubmissions, uuidV7Floor } from '../ingest/store/search.ts';
import { databaseTargets, type OpenedDatabase } from './helpers/databases.ts';
import { SITE_ORIGIN, VALID_CONTACT, consoleHeaders, seedAccount, signIn, startTestApp, type Seeded, type TestApp } from './helpers/harness.ts';
import { postJson, send } from './helpers/http.ts';

for (const target of databaseTargets) {
  describe(`searching submissions on ${target.name}`, () => {
    let opened: OpenedDatabase;
    let app: TestApp;
    let owner: Seeded;
    let cookie: string;

    const search = async (q: string): Promise<string[]> => {
      const answer = await send(`${app.url}/api/forms/${owner.formId}/submissions?q=${encodeURIComponent(q)}`, { headers: consoleHeaders(cookie, app.url) });
      assert.equal(answer.status, 200, answer.text);
      return (answer.body as { items: { data: { name: string } }[] }).items.map((item) => item.data.name);
    };
    const indexed = async () => (await opened.db.query<{ n: number }>('select count(*)::int as n from submission_search where form_id = $1', [owner.formId]))[0]?.n;
    const mark = async () => (await opened.db.query<{ id: string }>('select indexed_through::text as id from search_progress'))[0]?.id;

    before(async () => {
      opened = await target.open();
      app = await startTestApp(opened.db);
      owner = await seedAccount(opened.db);
      cookie = await signIn(app.url, owner.email, owner.password);
    });
    after(async () => {
      await app?.close();
      await opened?.close();
    });

    it('finds a submission stored a moment ago (not yet indexed), and the same once the index has it', async () => {
      for (const name of ['Marie Curie', 'Pierre Curie', 'Ada Lovelace']) {
        assert.equal((await postJson(app.url, owner.formId, { ...VALID_CONTACT, name }, { origin: SITE_ORIGIN })).status, 201);
      }
      assert.equal(await indexed(), 0);
      assert.deepEqual(await search('curie'), ['Pierre Curie', 'Marie Curie']);

      // The indexer takes what is old enough to have committed: nothing yet, then all three.
      assert.equal(await indexSubmissions(opened.db), 0);
      assert.equal(await indexSubmissions(opened.db, new Date(Date.now() + 60_000)), 3);
      assert.equal(await indexed(), 3);
      assert.deepEqual(await search('curie'), ['Pierre Curie', 'Marie Curie']);
      assert.deepEqual(await search('ada love'), ['Ada Lovelace']);
      assert.equal(await indexSubmissions(opened.db, new Date(Date.now() + 60_000)), 0, 'nothing indexed twice');

      // Stored after the index ran: found through the scan of what came since.
      assert.equal((await postJson(app.url, owner.formId, { ...VALID_CONTACT, name: 'Irène Curie' }, { origin: SITE_ORIGIN })).status, 201);
      assert.deepEqual(await search('curie'), ['Irène Curie', 'Pierre Curie', 'Marie Curie']);
    });

    it('indexes, looking back, a submission whose write committed after the indexer had moved past its id', async () => {
      await indexSubmissions(opened.db, new Date(Date.now() + 60_000));
      const through = await mark();
      // A write that stalled: its id (made an hour ago) is older than the mark, and it arrives only now.
      const lateId = `${uuidV7Floor(new Date(Date.now() - 3600_000)).slice(0, 14)}7000-8000-0000000000a1`;
      assert.ok(lateId < String(through), `${lateId} sorts before ${through}`);
      await opened.db.query(
        `insert into submissions (id, form_id, site_id, account_id, data, created_at) values ($1, $2, $3, $4, $5::jsonb, now())`,
        [lateId, owner.formId, owner.siteId, owner.accountId, JSON.stringify({ ...VALID_CONTACT, name: 'Late Lise Meitner' })],
      );
      assert.deepEqual(await search('meitner'), [], 'behind the mark and not in the index');
      assert.equal(await indexMissedSubmissions(opened.db, uuidV7Floor(new Date(0)), 1000), 1);
      assert.deepEqual(await search('meitner'), ['Late Lise Meitner']);
    });

    it('takes deleted submissions out of the index, and searches no held one', async () => {
      const [row] = await opened.db.query<{ id: string }>(`select id from submissions where data->>'name' = 'Marie Curie'`);
      assert.equal((await send(`${app.url}/api/submissions/${row?.id}`, { method: 'DELETE', headers: consoleHeaders(cookie, app.url) })).status, 204);
      const left = await opened.db.query('select 1 from submission_search where submission_id = $1', [row?.id]);
      assert.equal(left.length, 0);
      assert.deepEqual(await search('marie'), []);
      await opened.db.query(`update submissions set status = 'held' where data->>'name' = 'Pierre Curie'`);
      assert.deepEqual(await search('curie'), ['Irène Curie']);
    });
  });
}
