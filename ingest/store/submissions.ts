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
  data: CleanData;
  status: SubmissionStatus;
  createdAt: Date;
}

/**
 * Stores a batch of submissions in one statement, hence one transaction: the rows, the day's
 * usage counters (one upsert per site and day for the whole batch, so a busy form does not
 * queue on its counter row) and the notification jobs. Rows whose (form, idempotency key) is
 * already stored are skipped; the ids of the rows actually inserted are returned. (The statement
 * returns just a count: when every row went in, as nearly always, no ids travel back.)
 *
 * Rows go in sorted by (form, key) and counters by (site, day), so two batches running at once
 * always take their locks in the same order and cannot deadlock each other.
 */
export async function saveSubmissions(db: Queryable, batch: readonly NewSubmission[]): Promise<Set<string>> {
  const inserted = await insertSubmissions(db, batch);
  if (inserted === batch.length) return new Set(batch.map((s) => s.id));
  const found = await db.query<{ id: string }>('select id from submissions where id = any($1::uuid[])', [batch.map((s) => s.id)]);
  return new Set(found.map((row) => row.id));
}

async function insertSubmissions(db: Queryable, batch: readonly NewSubmission[]): Promise<number> {
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
     ), inserted as (
       insert into submissions (id, form_id, site_id, account_id, data, meta, status, idempotency_key, created_at)
       select id, form_id, site_id, account_id, data, meta, status, idempotency_key, created_at from input
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
     )
     select count(*)::int as inserted from inserted`,
    [JSON.stringify(rows)],
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
  /** Case-insensitive text anywhere in the values (not the field names). */
  q?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

/** A page of a form's submissions, newest first. Reads one row more than asked to tell whether more follow. */
export async function listSubmissions(db: Queryable, query: SubmissionQuery): Promise<{ items: Submission[]; more: boolean }> {
  const rows = await db.query<{ id: string; form_id: string; data: CleanData; status: SubmissionStatus; created_at: Date }>(
    `select id, form_id, data, status, created_at
       from submissions
      where form_id = $1 and account_id = $2
        and ($3::timestamptz is null or (created_at, id) < ($3::timestamptz, $4::uuid))
        and (case when $5::text is null then status <> 'spam' else status = $5::text end)
        and ($6::text is null or exists (
              select 1 from jsonb_each_text(data) as field where field.value ilike '%' || $6::text || '%'))
        and ($7::timestamptz is null or created_at >= $7::timestamptz)
        and ($8::timestamptz is null or created_at < $8::timestamptz)
      order by created_at desc, id desc
      limit $9`,
    [
      query.formId,
      query.accountId,
      query.after?.createdAt ?? null,
      query.after?.id ?? null,
      query.status ?? null,
      query.q ? escapeLike(query.q) : null,
      query.from ?? null,
      query.to ?? null,
      query.limit + 1,
    ],
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

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => '\\' + c);
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
