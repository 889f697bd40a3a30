// Submissions, their usage counts and their notification jobs.

import type { Queryable } from '../db/database.ts';
import type { CleanData } from '../../widget/validate.ts';

export type SubmissionStatus = 'new' | 'read' | 'spam' | 'held';
export type JobKind = 'email' | 'whatsapp' | 'webhook' | 'autoresponse';

export interface SubmissionMeta {
  ipHash?: string;
  userAgent?: string;
  origin?: string;
  referer?: string;
  via: 'json' | 'form';
  spamReason?: string;
}

export interface NewSubmission {
  id: string;
  formId: string;
  siteId: string;
  accountId: string;
  data: CleanData;
  meta: SubmissionMeta;
  status: SubmissionStatus;
  idempotencyKey: string | null;
  createdAt: Date;
  jobs: { kind: JobKind; target: string }[];
}

export interface Submission {
  id: string;
  formId: string;
  /** Null while the submission is held over its plan's quota: nobody sees it until an upgrade reveals it. */
  data: CleanData | null;
  status: SubmissionStatus;
  createdAt: Date;
}

/** A plan that holds what comes past its quota, with the submissions a calendar month includes. */
export interface HoldingCap {
  plan: string;
  included: number;
}

/**
 * Stores a batch of submissions in one statement, hence one transaction: the rows, the day's
 * usage counters (one upsert per site and day for the whole batch, so a busy form does not
 * queue on its counter row) and the notification jobs. Rows whose (form, idempotency key) is
 * already stored are skipped; the ids of the rows actually inserted are returned. (The statement
 * returns just a count: when every row went in, as nearly always, no ids travel back.)
 *
 * An account on a plan in `caps` (or held to the free plan's limits after a failed payment) that
 * is past its month's included submissions gets the rest stored as `held`: kept, counted, never
 * notified (no jobs), revealed on upgrade. Two batches of one account at the very same moment
 * may each take the last free places, so the quota can be passed by a batch at most.
 *
 * Rows go in sorted by (form, key) and counters by (site, day), so two batches running at once
 * always take their locks in the same order and cannot deadlock each other.
 */
export async function saveSubmissions(db: Queryable, batch: readonly NewSubmission[], caps: readonly HoldingCap[] = []): Promise<Set<string>> {
  const inserted = await insertSubmissions(db, batch, caps);
  if (inserted === batch.length) return new Set(batch.map((s) => s.id));
  const found = await db.query<{ id: string }>('select id from submissions where id = any($1::uuid[])', [batch.map((s) => s.id)]);
  return new Set(found.map((row) => row.id));
}

async function insertSubmissions(db: Queryable, batch: readonly NewSubmission[], caps: readonly HoldingCap[]): Promise<number> {
  const rows = batch
    .map((s) => ({
      id: s.id,
      form_id: s.formId,
      site_id: s.siteId,
      account_id: s.accountId,
      data: s.data,
      meta: s.meta,
      status: s.status,
      idempotency_key: s.idempotencyKey,
      created_at: s.createdAt.toISOString(),
      jobs: s.jobs,
    }))
    .sort((a, b) => compare(a.form_id, b.form_id) || compare(a.idempotency_key ?? '', b.idempotency_key ?? ''));
  const [result] = await db.query<{ inserted: number }>(
    `with input as (
       select * from jsonb_to_recordset($1::jsonb) as x(
         id uuid, form_id text, site_id uuid, account_id uuid, data jsonb, meta jsonb, status text,
         idempotency_key text, created_at timestamptz, jobs jsonb)
     ), capped as (
       select a.id as account_id, c.included,
              (select coalesce(sum(u.accepted), 0) from usage_daily u
                where u.account_id = a.id and u.day >= date_trunc('month', now() at time zone 'UTC')::date) as used
         from accounts a
         join jsonb_to_recordset($2::jsonb) as c(plan text, included int)
           on c.plan = case when a.billing_status = 'restricted' then 'free' else a.plan end
        where a.id in (select account_id from input)
     ), decided as (
       select i.*,
              case when i.status = 'new' and q.account_id is not null
                        and q.used + count(*) filter (where i.status = 'new')
                              over (partition by i.account_id order by i.created_at, i.id) > q.included
                   then 'held' else i.status end as final_status
         from input i left join capped q on q.account_id = i.account_id
     ), inserted as (
       insert into submissions (id, form_id, site_id, account_id, data, meta, status, idempotency_key, created_at)
       select id, form_id, site_id, account_id, data, meta, final_status, idempotency_key, created_at from decided
       order by form_id, idempotency_key
       on conflict (form_id, idempotency_key) do nothing
       returning id, site_id, account_id, status, created_at
     ), counted as (
       insert into usage_daily (site_id, account_id, day, accepted, spam)
       select site_id, account_id, (created_at at time zone 'UTC')::date,
              count(*) filter (where status <> 'spam'), count(*) filter (where status = 'spam')
         from inserted
        group by 1, 2, 3
        order by 1, 3
       on conflict (site_id, day) do update
         set accepted = usage_daily.accepted + excluded.accepted,
             spam = usage_daily.spam + excluded.spam
     ), queued as (
       insert into jobs (submission_id, kind, target, run_at)
       select i.id, j.kind, j.target, i.created_at
         from inserted i
         join input x on x.id = i.id
         cross join lateral jsonb_to_recordset(x.jobs) as j(kind text, target text)
        where i.status = 'new'
     )
     select count(*)::int as inserted from inserted`,
    [JSON.stringify(rows), JSON.stringify(caps)],
    { prepare: 'save_submissions' },
  );
  return result?.inserted ?? 0;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The ids already stored under these (form, idempotency key) pairs. */
export async function findSubmissionIdsByKeys(
  db: Queryable,
  keys: readonly { formId: string; idempotencyKey: string }[],
): Promise<Map<string, string>> {
  const rows = await db.query<{ form_id: string; idempotency_key: string; id: string }>(
    `select s.form_id, s.idempotency_key, s.id
       from jsonb_to_recordset($1::jsonb) as k(form_id text, idempotency_key text)
       join submissions s on s.form_id = k.form_id and s.idempotency_key = k.idempotency_key`,
    [JSON.stringify(keys.map((k) => ({ form_id: k.formId, idempotency_key: k.idempotencyKey })))],
  );
  return new Map(rows.map((row) => [idempotencyMapKey(row.form_id, row.idempotency_key), row.id]));
}

export function idempotencyMapKey(formId: string, key: string): string {
  return formId + '\u0000' + key;
}

export interface SubmissionQuery {
  formId: string;
  accountId: string;
  limit: number;
  /** Keyset position: list rows strictly older than this (createdAt, id). */
  after?: { createdAt: Date; id: string } | undefined;
  /** One status, or undefined for every status but spam. */
  status?: SubmissionStatus | undefined;
  /**
   * Words that must each begin a word of some value (not of the field names), any letter case:
   * through the search index, and among the submissions stored since it was last filled (sql/0025).
   */
  q?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

/** What the console may see of a submission's values: nothing while it is held. */
const VISIBLE_DATA = "case when s.status = 'held' then null else s.data end as data";

/** A list's filters on the rows of `a` (submissions, or the search index): $3 status, $4 from, $5 to. */
function filterOn(a: string): string {
  return `(case when $3::text is null then ${a}.status <> 'spam' else ${a}.status = $3::text end)
        and ($4::timestamptz is null or ${a}.created_at >= $4::timestamptz)
        and ($5::timestamptz is null or ${a}.created_at < $5::timestamptz)`;
}

/** Keyset position on `a`, with its created_at and id columns, from parameters $n and $n+1. */
function after(a: string, id: string, n: number): string {
  return `($${n}::timestamptz is null or (${a}.created_at, ${a}.${id}) < ($${n}::timestamptz, $${n + 1}::uuid))`;
}

/**
 * The ids of a search's matches, newest first, after the keyset position $7/$8, at most $9 from
 * each place: the search index (sql/0025; the planner walks the form's newest entries for a
 * common word, or takes the few entries of a rare one) and the submissions stored since it was
 * last filled. Held submissions are never searched. Params: $1 form, $3..$5 filters, $6 search.
 */
function searchMatches(withLimit: boolean): string {
  const limit = withLimit ? 'limit $9' : '';
  return `(select x.submission_id as id, x.created_at from submission_search x
            where x.form_id = $1 and x.words @@ submission_query($6::text) and x.status <> 'held'
              and ${filterOn('x')} and ${after('x', 'submission_id', 7)}
            order by x.created_at desc, x.submission_id desc ${limit})
          union all
          (select r.id, r.created_at from submissions r
            where r.form_id = $1 and r.id > (select indexed_through from search_progress) and r.status <> 'held'
              and submission_words(r.data) @@ submission_query($6::text)
              and ${filterOn('r')} and ${after('r', 'id', 7)}
            -- By id (UUIDv7, in time order): the few ids after the mark, from the primary key.
            order by r.id desc ${limit})`;
}

type ListRow = { id: string; form_id: string; data: CleanData | null; status: SubmissionStatus; created_at: Date };

/** A page of a form's submissions, newest first. Reads one row more than asked to tell whether more follow. */
export async function listSubmissions(db: Queryable, query: SubmissionQuery): Promise<{ items: Submission[]; more: boolean }> {
  const params = [
    query.formId,
    query.accountId,
    query.status ?? null,
    query.from ?? null,
    query.to ?? null,
    query.q || null,
    query.after?.createdAt ?? null,
    query.after?.id ?? null,
    query.limit + 1,
  ];
  const rows = query.q
    ? await db.query<ListRow>(
        `select s.id, s.form_id, ${VISIBLE_DATA}, s.status, s.created_at
           from (${searchMatches(true)}) k
           join submissions s on s.id = k.id
          where s.form_id = $1 and s.account_id = $2 and s.status <> 'held' and ${filterOn('s')}
          order by k.created_at desc, k.id desc
          limit $9`,
        params,
      )
    : await db.query<ListRow>(
        `select s.id, s.form_id, ${VISIBLE_DATA}, s.status, s.created_at
           from submissions s
          where s.form_id = $1 and s.account_id = $2 and ($6::text is null) and ${filterOn('s')} and ${after('s', 'id', 7)}
          order by s.created_at desc, s.id desc
          limit $9`,
        params,
      );
  const more = rows.length > query.limit;
  const items = rows.slice(0, query.limit).map((row) => ({
    id: row.id,
    formId: row.form_id,
    data: row.data,
    status: row.status,
    createdAt: row.created_at,
  }));
  return { items, more };
}

/** How many submissions a list with these filters holds (an export's progress). */
export async function countSubmissions(db: Queryable, query: Omit<SubmissionQuery, 'limit' | 'after'>): Promise<number> {
  const params = [query.formId, query.accountId, query.status ?? null, query.from ?? null, query.to ?? null, query.q || null, null, null];
  const [row] = await db.query<{ n: number }>(
    query.q
      ? `select count(*)::int as n from (${searchMatches(false)}) k join submissions s on s.id = k.id
          where s.form_id = $1 and s.account_id = $2 and s.status <> 'held' and ${filterOn('s')}`
      : `select count(*)::int as n from submissions s
          where s.form_id = $1 and s.account_id = $2 and ($6::text is null) and ($7::timestamptz is null) and ($8::uuid is null) and ${filterOn('s')}`,
    params,
  );
  return row?.n ?? 0;
}

export interface SubmissionDetail extends Submission {
  meta: SubmissionMeta;
}

export async function getSubmissionForAccount(db: Queryable, accountId: string, id: string): Promise<SubmissionDetail | null> {
  const [row] = await db.query<{ id: string; form_id: string; data: CleanData | null; meta: SubmissionMeta; status: SubmissionStatus; created_at: Date }>(
    `select s.id, s.form_id, ${VISIBLE_DATA}, s.meta, s.status, s.created_at from submissions s where s.account_id = $1 and s.id = $2`,
    [accountId, id],
  );
  return row ? { id: row.id, formId: row.form_id, data: row.data, meta: row.meta, status: row.status, createdAt: row.created_at } : null;
}

/**
 * Sets the status of the account's submissions among `ids` (read, new, spam); held ones keep
 * theirs (they are revealed by an upgrade, not by hand). Returns the ids changed.
 */
export async function updateSubmissionStatuses(
  db: Queryable,
  accountId: string,
  ids: readonly string[],
  status: Exclude<SubmissionStatus, 'held'>,
): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    `with changed as (
       update submissions set status = $3
        where account_id = $1 and id = any($2::uuid[]) and status <> 'held'
        returning id
     ), searched as (
       update submission_search set status = $3 where submission_id in (select id from changed)
     )
     select id from changed`,
    [accountId, ids, status],
  );
  return rows.map((row) => row.id);
}

/** Deletes the account's submissions among `ids` (their jobs and delivery records go too); returns them by form. */
export async function deleteSubmissionsForAccount(db: Queryable, accountId: string, ids: readonly string[]): Promise<{ id: string; formId: string }[]> {
  const rows = await db.query<{ id: string; form_id: string }>(
    'delete from submissions where account_id = $1 and id = any($2::uuid[]) returning id, form_id',
    [accountId, ids],
  );
  return rows.map((row) => ({ id: row.id, formId: row.form_id }));
}

/** A data-subject request: deletes every submission of the account with a value equal to this email address. */
export async function eraseSubmissionsByEmail(db: Queryable, accountId: string, email: string): Promise<number> {
  const rows = await db.query(
    `delete from submissions s
      where s.account_id = $1
        and exists (
          select 1 from jsonb_each(s.data) as field
           where (jsonb_typeof(field.value) = 'string' and lower(field.value #>> '{}') = lower($2))
              or (jsonb_typeof(field.value) = 'array' and exists (
                    select 1 from jsonb_array_elements_text(field.value) as item where lower(item) = lower($2))))
      returning s.id`,
    [accountId, email.trim()],
  );
  return rows.length;
}

/** Deletes up to `limit` of a form's submissions older than `before`; returns how many went. */
export async function purgeSubmissionsBefore(db: Queryable, formId: string, before: Date, limit: number): Promise<number> {
  const rows = await db.query(
    `delete from submissions where id in (
       select id from submissions where form_id = $1 and created_at < $2 order by created_at limit $3 for update skip locked
     ) returning id`,
    [formId, before, limit],
  );
  return rows.length;
}

/** The account's submissions per UTC day from `from` to `to` (inclusive), every day present, oldest first. */
export async function listUsageByDay(
  db: Queryable,
  accountId: string,
  from: string,
  to: string,
): Promise<{ day: string; accepted: number; spam: number }[]> {
  const rows = await db.query<{ day: string; accepted: number; spam: number }>(
    `select to_char(d.day, 'YYYY-MM-DD') as day,
            coalesce(sum(u.accepted), 0)::int as accepted,
            coalesce(sum(u.spam), 0)::int as spam
       from generate_series($2::date, $3::date, interval '1 day') as d(day)
       left join usage_daily u on u.account_id = $1 and u.day = d.day::date
      group by d.day
      order by d.day`,
    [accountId, from, to],
  );
  return rows;
}

/** The usage counters of a site for one UTC day (tests and the console's usage page). */
export async function getUsageForDay(
  db: Queryable,
  siteId: string,
  day: string,
): Promise<{ accepted: number; spam: number }> {
  const [row] = await db.query<{ accepted: number; spam: number }>(
    'select accepted, spam from usage_daily where site_id = $1 and day = $2::date',
    [siteId, day],
  );
  return row ?? { accepted: 0, spam: 0 };
}
