// The search index (sql/0025): workers fill it after the fact, and a search finds a submission
// whether it is already indexed or stored since; a submission whose write committed after the
// indexer moved past its id is picked up by the look back; deleting a submission takes it out.
// No value a visitor can send stops the indexer or makes a search or export answer 5xx (sql/0027),
// and a row the index cannot take is left out and recorded, once, while indexing goes on (sql/0028).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { indexSubmissions, startSearchIndexer } from '../ingest/services/search-indexer.ts';
import { createLogger } from '../ingest/logger.ts';
import { indexMissedSubmissions, uuidV7Floor } from '../ingest/store/search.ts';
import { databaseTargets, type OpenedDatabase } from './helpers/databases.ts';
import { SITE_ORIGIN, VALID_CONTACT, consoleHeaders, seedAccount, signIn, startTestApp, type Seeded, type TestApp } from './helpers/harness.ts';
import { postJson, send } from './helpers/http.ts';
import { Writable } from 'node:stream';

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

  describe(`a visitor's long words do not stop search, on ${target.name}`, () => {
    let opened: OpenedDatabase;
    let app: TestApp;
    let owner: Seeded;
    let other: Seeded;
    let cookie: string;
    let otherCookie: string;
    const LATER = () => new Date(Date.now() + 60_000);

    const post = async (form: Seeded, name: string, message: string): Promise<string> => {
      const answer = await postJson(app.url, form.formId, { ...VALID_CONTACT, name, message }, { origin: SITE_ORIGIN });
      assert.equal(answer.status, 201, answer.text);
      return (answer.body as { id: string }).id;
    };
    const search = async (form: Seeded, session: string, q: string): Promise<string[]> => {
      const answer = await send(`${app.url}/api/forms/${form.formId}/submissions?q=${encodeURIComponent(q)}`, { headers: consoleHeaders(session, app.url) });
      assert.equal(answer.status, 200, answer.text.slice(0, 300));
      return (answer.body as { items: { data: { name: string } }[] }).items.map((item) => item.data.name);
    };
    const indexedIds = async (form: Seeded) =>
      (await opened.db.query<{ id: string }>('select submission_id::text as id from submission_search where form_id = $1 order by 1', [form.formId])).map((row) => row.id);

    before(async () => {
      opened = await target.open();
      app = await startTestApp(opened.db);
      owner = await seedAccount(opened.db);
      other = await seedAccount(opened.db);
      cookie = await signIn(app.url, owner.email, owner.password);
      otherCookie = await signIn(app.url, other.email, other.password);
    });
    after(async () => {
      await app?.close();
      await opened?.close();
    });

    it('a 5,000-letter word and 700 × 中 are found by prefix, the others around them too, exports answer 200, and later submissions are indexed', async () => {
      const longWord = 'a'.repeat(5_000);
      const han = '中'.repeat(700);
      assert.equal(Buffer.byteLength(han), 2_100);
      await post(owner, 'Marie Curie', 'Radium notes for the lab');
      await post(owner, 'Long Word', `Start ${longWord} end`);
      await post(owner, 'Han Word', `${han} 結束`);
      await post(owner, 'Pierre Curie', 'Polonium notes please');

      // Not indexed yet: found through the scan of what came since the mark.
      assert.deepEqual(await search(owner, cookie, 'curie'), ['Pierre Curie', 'Marie Curie']);
      assert.deepEqual(await search(owner, cookie, 'a'.repeat(200)), ['Long Word']);

      assert.equal(await indexSubmissions(opened.db, LATER()), 4);
      assert.equal((await indexedIds(owner)).length, 4);
      assert.deepEqual(await search(owner, cookie, 'curie'), ['Pierre Curie', 'Marie Curie']);
      assert.deepEqual(await search(owner, cookie, 'notes'), ['Pierre Curie', 'Marie Curie']);
      assert.deepEqual(await search(owner, cookie, 'aaaaaaaa'), ['Long Word']);
      assert.deepEqual(await search(owner, cookie, 'a'.repeat(200)), ['Long Word']);
      assert.deepEqual(await search(owner, cookie, 'start end'), ['Long Word']);
      assert.deepEqual(await search(owner, cookie, '中中中'), ['Han Word']);
      assert.deepEqual(await search(owner, cookie, '結束'), ['Han Word']);

      // Filtered exports and the list.
      const csv = await send(`${app.url}/api/forms/${owner.formId}/submissions.csv?q=aaaa`, { headers: consoleHeaders(cookie, app.url) });
      assert.equal(csv.status, 200, csv.text.slice(0, 300));
      const records = parse(csv.text) as string[][];
      assert.deepEqual(records.slice(1).map((record) => record[3]), ['Long Word']);
      const json = await send(`${app.url}/api/forms/${owner.formId}/submissions.json?q=${encodeURIComponent('中')}`, { headers: consoleHeaders(cookie, app.url) });
      assert.equal(json.status, 200, json.text.slice(0, 300));
      assert.deepEqual((json.body as { data: { name: string } }[]).map((item) => item.data.name), ['Han Word']);
      const list = await send(`${app.url}/api/forms/${owner.formId}/submissions`, { headers: consoleHeaders(cookie, app.url) });
      assert.equal(list.status, 200);

      // Another form's later submissions are indexed as ever.
      const later = await post(other, 'Ada Later', 'Analytical engine notes');
      assert.equal(await indexSubmissions(opened.db, LATER()), 1);
      assert.deepEqual(await indexedIds(other), [later]);
      assert.deepEqual(await search(other, otherCookie, 'analytical'), ['Ada Later']);
    });

    it('a submission the index cannot take is left out and recorded once, and indexing goes on past it', async () => {
      const before = await post(owner, 'Before Poison', 'Ordinary words first');
      const poisoned = await post(owner, 'Poisoned Row', 'The index refuses this one');
      const after = await post(owner, 'After Poison', 'Ordinary words after');
      const elsewhere = await post(other, 'Elsewhere Row', 'Another form entirely');
      // A stand-in for any row the database cannot index: a trigger refuses this one with a
      // program-limit error, as array_to_tsvector did with a word over 2,047 bytes.
      // (A sequence counts the attempts: nextval is not undone with the statement.)
      await opened.db.exec(`
        create sequence poisoned_attempts;
        create function refuse_poisoned_row() returns trigger language plpgsql as $$
        begin
          if new.submission_id = '${poisoned}'::uuid then
            perform nextval('poisoned_attempts');
            raise exception 'word is too long (stand-in)' using errcode = '54000';
          end if;
          return new;
        end $$;
        create trigger refuse_poisoned_row before insert on submission_search
          for each row execute function refuse_poisoned_row();`);

      const lines: Record<string, unknown>[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
          done();
        },
      });
      const logger = createLogger('info', sink);
      const skipped: string[] = [];
      assert.equal(await indexSubmissions(opened.db, LATER(), (skip) => skipped.push(skip.submissionId)), 3);
      assert.deepEqual(skipped, [poisoned]);
      const indexed = new Set([...(await indexedIds(owner)), ...(await indexedIds(other))]);
      for (const id of [before, after, elsewhere]) assert.ok(indexed.has(id), id);
      assert.ok(!indexed.has(poisoned));
      const failures = await opened.db.query<{ submission_id: string; form_id: string; error: string }>(
        'select submission_id::text, form_id, error from search_failures',
      );
      assert.deepEqual(failures, [{ submission_id: poisoned, form_id: owner.formId, error: 'word is too long (stand-in)' }]);

      // Never retried: neither by the next run nor by the look back, and logged by none of them.
      const attempts = async () => (await opened.db.query<{ n: number }>('select last_value::int as n from poisoned_attempts'))[0]?.n;
      const tried = await attempts();
      const worker = startSearchIndexer(opened.db, logger, 60_000);
      await worker.stop();
      assert.equal(await indexSubmissions(opened.db, LATER(), (skip) => skipped.push(skip.submissionId)), 0);
      assert.deepEqual(skipped, [poisoned]);
      assert.equal(await attempts(), tried, 'not tried again');
      assert.deepEqual(lines.filter((line) => line['level'] === 50), [], 'no failed run');
      assert.equal(lines.filter((line) => line['submissionId'] === poisoned).length, 0, 'already recorded: not logged again');

      // A fresh failure met by the worker is logged once, with the submission and the error.
      const next = await post(owner, 'Poisoned Again', 'Refused as well');
      await opened.db.exec(`create or replace function refuse_poisoned_row() returns trigger language plpgsql as $$
        begin
          if new.submission_id = '${next}'::uuid then raise exception 'refused again' using errcode = '22023'; end if;
          return new;
        end $$;`);
      const later = await post(owner, 'After Again', 'Indexed after the refused one');
      await new Promise((resolve) => setTimeout(resolve, 2_100));
      const second = startSearchIndexer(opened.db, logger, 60_000);
      await second.stop();
      const logged = lines.filter((line) => line['submissionId'] === next);
      assert.equal(logged.length, 1, JSON.stringify(lines));
      assert.equal(logged[0]?.['formId'], owner.formId);
      assert.equal(logged[0]?.['error'], 'refused again');
      assert.ok((await indexedIds(owner)).includes(later));
      assert.deepEqual(lines.filter((line) => line['level'] === 50), [], 'no failed run');
      await opened.db.exec('drop trigger refuse_poisoned_row on submission_search; drop function refuse_poisoned_row(); drop sequence poisoned_attempts;');

      // Search answers whatever the index left out, and the export with it.
      assert.deepEqual(await search(owner, cookie, 'ordinary'), ['After Poison', 'Before Poison']);
      const csv = await send(`${app.url}/api/forms/${owner.formId}/submissions.csv?q=poison`, { headers: consoleHeaders(cookie, app.url) });
      assert.equal(csv.status, 200);
    });
  });
}
