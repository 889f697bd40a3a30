// The search index of submissions (sql/0025): filled after the fact by the workers, a batch at a
// time in id order (ids are UUIDv7, in time order).

import type { Queryable } from '../db/database.ts';

/** The smallest UUIDv7 of a moment: every id made before it sorts below it. */
export function uuidV7Floor(at: Date): string {
  const hex = Math.max(0, Math.floor(at.getTime())).toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}

/**
 * Indexes up to `limit` submissions after the last indexed one and made before `before` (an id
 * bound: submissions made since may still be committing), and moves the mark past them.
 * Returns how many were indexed.
 */
export async function indexNextSubmissions(db: Queryable, before: string, limit: number): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    `with todo as (
       select s.id, s.form_id, s.created_at, s.status, s.data from submissions s
        where s.id > (select indexed_through from search_progress) and s.id < $1::uuid
        order by s.id limit $2
     ), indexed as (
       insert into submission_search (submission_id, form_id, created_at, status, words)
       select id, form_id, created_at, status, submission_words(data) from todo
       on conflict (submission_id) do nothing
     ), moved as (
       update search_progress set indexed_through = greatest(indexed_through, (select id from todo order by id desc limit 1))
        where exists (select 1 from todo)
     )
     select count(*)::int as n from todo`,
    [before, limit],
  );
  return row?.n ?? 0;
}

/** The ids indexNextSubmissions would take, in order (to take them one at a time). */
export async function listNextSubmissionIds(db: Queryable, before: string, limit: number): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    `select s.id::text as id from submissions s
      where s.id > (select indexed_through from search_progress) and s.id < $1::uuid
      order by s.id limit $2`,
    [before, limit],
  );
  return rows.map((row) => row.id);
}

/** Moves the mark to `through` (never back): every submission up to it has been indexed or recorded as failed. */
export async function moveSearchMark(db: Queryable, through: string): Promise<void> {
  await db.query('update search_progress set indexed_through = greatest(indexed_through, $1::uuid)', [through]);
}

/** Indexes one submission (none when it is gone, or already indexed). */
export async function indexSubmission(db: Queryable, id: string): Promise<void> {
  await db.query(
    `insert into submission_search (submission_id, form_id, created_at, status, words)
     select s.id, s.form_id, s.created_at, s.status, submission_words(s.data) from submissions s where s.id = $1::uuid
     on conflict (submission_id) do nothing`,
    [id],
  );
}

/**
 * Records a submission the index cannot take, with the error. Returns its form when this call
 * recorded it, null when it was recorded before (by another worker) or is gone.
 */
export async function recordSearchFailure(db: Queryable, id: string, error: string): Promise<{ formId: string } | null> {
  const [row] = await db.query<{ form_id: string }>(
    `insert into search_failures (submission_id, form_id, error)
     select s.id, s.form_id, $2 from submissions s where s.id = $1::uuid
     on conflict (submission_id) do nothing
     returning form_id`,
    [id, error],
  );
  return row ? { formId: row.form_id } : null;
}

/** Submissions behind the mark, after `since`, in neither the index nor the failures. */
const MISSED = `from submissions s
      where s.id > $1::uuid and s.id <= (select indexed_through from search_progress)
        and not exists (select 1 from submission_search x where x.submission_id = s.id)
        and not exists (select 1 from search_failures f where f.submission_id = s.id)`;

/**
 * Indexes submissions behind the mark that are not in the index: ones whose write committed
 * after the indexer had moved past their id (a database stall). Looks at ids after `since`;
 * never at a submission recorded as one the index cannot take.
 */
export async function indexMissedSubmissions(db: Queryable, since: string, limit: number): Promise<number> {
  const rows = await db.query(
    `insert into submission_search (submission_id, form_id, created_at, status, words)
     select s.id, s.form_id, s.created_at, s.status, submission_words(s.data) ${MISSED}
      limit $2
     on conflict (submission_id) do nothing
     returning submission_id`,
    [since, limit],
  );
  return rows.length;
}

/** The ids indexMissedSubmissions would take (to take them one at a time). */
export async function listMissedSubmissionIds(db: Queryable, since: string, limit: number): Promise<string[]> {
  const rows = await db.query<{ id: string }>(`select s.id::text as id ${MISSED} order by s.id limit $2`, [since, limit]);
  return rows.map((row) => row.id);
}
