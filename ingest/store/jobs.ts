// The notification outbox.

import type { Queryable } from '../db/database.ts';

// Counting a huge backlog exactly would make the readiness probe slow exactly when it matters.
const COUNT_CAP = 10_000;

/** Queued jobs, counted up to COUNT_CAP. */
export async function countQueuedJobs(db: Queryable): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    `select count(*)::int as n from (select 1 from jobs where status = 'queued' limit ${COUNT_CAP}) q`,
  );
  return row?.n ?? 0;
}

export interface Job {
  id: number;
  submissionId: string;
  kind: string;
  target: string;
  status: string;
}

export async function listJobsBySubmission(db: Queryable, submissionId: string): Promise<Job[]> {
  const rows = await db.query<{ id: number; submission_id: string; kind: string; target: string; status: string }>(
    'select id, submission_id, kind, target, status from jobs where submission_id = $1 order by id',
    [submissionId],
  );
  return rows.map((row) => ({ id: row.id, submissionId: row.submission_id, kind: row.kind, target: row.target, status: row.status }));
}

export interface ClaimedJob {
  id: number;
  submissionId: string;
  kind: import('./submissions.ts').JobKind;
  target: string;
  /** This attempt's number, from 1. */
  attempt: number;
}

/** An email about an account (verification, password reset, invitation, quota), not a submission. */
export interface AccountEmail {
  subject: string;
  text: string;
  html?: string;
}

export interface ClaimedAccountEmail {
  id: number;
  submissionId: null;
  kind: 'account_email';
  target: string;
  attempt: number;
  payload: AccountEmail | null;
}

export type OutboxJob = ClaimedJob | ClaimedAccountEmail;
export type OutboxKind = OutboxJob['kind'];

/** Queues an email about an account to `to`; the worker sends it like any notification. */
export async function enqueueAccountEmail(db: Queryable, to: string, mail: AccountEmail): Promise<void> {
  await db.query(`insert into jobs (kind, target, payload) values ('account_email', $1, $2::jsonb)`, [to, JSON.stringify(mail)]);
}

/**
 * An email or WhatsApp alert waits until its recipient has confirmed (alert_recipients, double
 * opt-in): a condition on a job `j` the claims add, so those jobs are never claimed meanwhile.
 */
const RECIPIENT_CONFIRMED = `(j.kind not in ('email', 'whatsapp') or exists (
    select 1 from submissions rs join alert_recipients r on r.account_id = rs.account_id
     where rs.id = j.submission_id and r.channel = j.kind and r.address = j.target and r.confirmed_at is not null))`;

/**
 * Claims up to `limit` due jobs of the given kinds for this worker: queued ones whose time has
 * come, and running ones whose lease ran out (their worker died or stalled). `FOR UPDATE SKIP
 * LOCKED` lets any number of workers claim at once without waiting on, or taking, each other's
 * jobs; the lease keeps a job theirs until it is settled or the lease expires (see renewLeases).
 * Each claim counts one more attempt, and that number fences the claim: only the worker holding
 * the job with that attempt number can settle it (settleJob).
 */
export async function claimJobs(db: Queryable, limit: number, leaseSeconds: number, kinds: readonly string[]): Promise<OutboxJob[]> {
  const rows = await db.query<{ id: number; submission_id: string | null; kind: OutboxKind; target: string; attempts: number; payload: AccountEmail | null }>(
    `with queued as (
       select id from jobs j where status = 'queued' and run_at <= now() and kind = any($3::text[]) and ${RECIPIENT_CONFIRMED}
        order by run_at limit $1 for update skip locked
     ), expired as (
       select id from jobs j where status = 'running' and locked_until < now() and kind = any($3::text[])
        limit $1 for update skip locked
     )
     update jobs j
        set status = 'running', attempts = j.attempts + 1, locked_until = now() + make_interval(secs => $2), updated_at = now()
      where j.id in (select id from queued union all select id from expired)
     returning j.id, j.submission_id, j.kind, j.target, j.attempts, j.payload`,
    [limit, leaseSeconds, kinds],
  );
  return rows.map((row): OutboxJob =>
    row.kind === 'account_email'
      ? { id: row.id, submissionId: null, kind: row.kind, target: row.target, attempt: row.attempts, payload: row.payload }
      : { id: row.id, submissionId: row.submission_id as string, kind: row.kind, target: row.target, attempt: row.attempts },
  );
}

/**
 * Extends the lease of the jobs a worker still holds (id and attempt), while it delivers them.
 * Returns the ids it no longer holds (another worker claimed them after the lease ran out).
 */
export async function renewLeases(db: Queryable, held: readonly { id: number; attempt: number }[], leaseSeconds: number): Promise<number[]> {
  if (held.length === 0) return [];
  const rows = await db.query<{ id: number }>(
    `update jobs j set locked_until = now() + make_interval(secs => $3)
       from unnest($1::bigint[], $2::int[]) as h(id, attempt)
      where j.id = h.id and j.status = 'running' and j.attempts = h.attempt
      returning j.id`,
    [held.map((job) => job.id), held.map((job) => job.attempt), leaseSeconds],
  );
  const renewed = new Set(rows.map((row) => Number(row.id)));
  return held.filter((job) => !renewed.has(job.id)).map((job) => job.id);
}

/** What a notification says: the submission with its form and site. */
export interface JobSubject {
  submissionId: string;
  data: Record<string, unknown>;
  createdAt: Date;
  formId: string;
  formName: string;
  schema: import('../../widget/schema.ts').FormSchema | null;
  webhookSecret: string | null;
  whatsappContentSid: string | null;
  autoresponse: import('./forms.ts').AutoresponseSettings | null;
  siteId: string;
  siteName: string;
  /** new, read, spam or held: spam and held submissions notify nobody (the worker checks at delivery). */
  status: string;
}

export async function getJobSubject(db: Queryable, submissionId: string): Promise<JobSubject | null> {
  const [row] = await db.query<{
    id: string;
    data: Record<string, unknown>;
    created_at: Date;
    form_id: string;
    form_name: string;
    schema: JobSubject['schema'];
    webhook_secret: string | null;
    whatsapp_content_sid: string | null;
    autoresponse: JobSubject['autoresponse'];
    site_id: string;
    site_name: string;
    status: string;
  }>(
    `select s.id, s.data, s.created_at, s.status, f.id as form_id, f.name as form_name, f.schema,
            f.settings->>'webhookSecret' as webhook_secret, f.settings->>'whatsappContentSid' as whatsapp_content_sid,
            f.settings->'autoresponse' as autoresponse,
            si.id as site_id, si.name as site_name
       from submissions s
       join forms f on f.id = s.form_id
       join sites si on si.id = s.site_id
      where s.id = $1`,
    [submissionId],
  );
  if (!row) return null;
  return {
    submissionId: row.id,
    data: row.data,
    createdAt: row.created_at,
    formId: row.form_id,
    formName: row.form_name,
    schema: row.schema,
    webhookSecret: row.webhook_secret,
    whatsappContentSid: row.whatsapp_content_sid,
    autoresponse: row.autoresponse ?? null,
    siteId: row.site_id,
    siteName: row.site_name,
    status: row.status,
  };
}

/** When a message of this kind last went to this target about this form (for digests). */
export async function lastSentAt(db: Queryable, kind: ClaimedJob['kind'], target: string, formId: string): Promise<Date | null> {
  const [row] = await db.query<{ at: Date | null }>(
    `select max(a.created_at) as at
       from delivery_attempts a
       join jobs j on j.id = a.job_id
       join submissions s on s.id = j.submission_id
      where j.kind = $1 and j.target = $2 and s.form_id = $3 and a.outcome = 'sent'`,
    [kind, target, formId],
  );
  return row?.at ?? null;
}

/** Claims the other queued jobs of the same kind and target about the same form, due or not (a digest takes them all). */
export async function claimSiblingJobs(db: Queryable, job: ClaimedJob, formId: string, leaseSeconds: number): Promise<ClaimedJob[]> {
  const rows = await db.query<{ id: number; submission_id: string; kind: ClaimedJob['kind']; target: string; attempts: number }>(
    `with siblings as (
       select j.id from jobs j join submissions s on s.id = j.submission_id
        where j.kind = $1 and j.target = $2 and s.form_id = $3 and j.status = 'queued' and j.id <> $4
        order by j.id limit 500
        for update of j skip locked
     )
     update jobs j
        set status = 'running', attempts = j.attempts + 1, locked_until = now() + make_interval(secs => $5), updated_at = now()
      where j.id in (select id from siblings)
     returning j.id, j.submission_id, j.kind, j.target, j.attempts`,
    [job.kind, job.target, formId, job.id, leaseSeconds],
  );
  return rows.map((row) => ({ id: row.id, submissionId: row.submission_id, kind: row.kind, target: row.target, attempt: row.attempts }));
}

/** services/email-address.ts mailboxKey in SQL: NFKC, lower case, no +tag, and no dots for Gmail. */
function mailboxKeySql(address: string): string {
  const lowered = `lower(normalize(btrim(${address}), NFKC))`;
  const local = `regexp_replace(regexp_replace(${lowered}, '@[^@]*$', ''), '[+].*$', '')`;
  const domain = `substring(${lowered} from '@([^@]*)$')`;
  return `(case when ${domain} in ('gmail.com', 'googlemail.com') then replace(${local}, '.', '') || '@gmail.com' else ${local} || '@' || coalesce(${domain}, '') end)`;
}

/**
 * How many messages of this kind went to this target's mailbox since `since` (a per-recipient
 * limit): `Ada+x@gmail.com` and `a.da@googlemail.com` are one mailbox (services/email-address.ts).
 */
export async function countSentTo(db: Queryable, kind: ClaimedJob['kind'], target: string, since: Date): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    `select count(*)::int as n from delivery_attempts a join jobs j on j.id = a.job_id
      where j.kind = $1 and ${mailboxKeySql('j.target')} = ${mailboxKeySql('$2::text')} and a.outcome = 'sent' and a.created_at >= $3`,
    [kind, target, since],
  );
  return row?.n ?? 0;
}

export type AttemptOutcome = 'sent' | 'failed' | 'dead';

/**
 * Records an attempt and moves the job on: done, queued again at `retryAt`, or dead. Only the
 * worker that holds the job can: it must still be running with this attempt number. A worker
 * whose lease ran out (another claimed the job since) changes nothing, and gets false.
 * `providerId`: the provider's id of what was sent (Twilio's message SID), for its later reports.
 */
export async function settleJob(
  db: Queryable,
  job: OutboxJob,
  outcome: AttemptOutcome,
  error: string | null,
  retryAt: Date | null,
  providerId: string | null = null,
): Promise<boolean> {
  const rows = await db.query<{ id: number }>(
    `with settled as (
       update jobs
          set status = case $4::text when 'sent' then 'done' when 'dead' then 'dead' else 'queued' end,
              run_at = coalesce($6::timestamptz, run_at),
              locked_until = null, last_error = $5, updated_at = now(),
              payload = case when $4::text = 'sent' then null else payload end
        where id = $1 and status = 'running' and attempts = $3
        returning id
     )
     insert into delivery_attempts (job_id, submission_id, attempt, outcome, error, provider_id)
     select id, $2::uuid, $3::int, $4::text, $5::text, $7::text from settled
     returning job_id as id`,
    [job.id, job.submissionId, job.attempt, outcome, error, retryAt, providerId],
  );
  return rows.length > 0;
}

/**
 * A job that must wait without spending an attempt (its digest window is still open): back in
 * the queue at `runAt`, with the reason for the console. Fenced like settleJob: false when this
 * worker no longer holds the job.
 */
export async function postponeJob(db: Queryable, job: OutboxJob, reason: string, runAt: Date): Promise<boolean> {
  const rows = await db.query(
    `update jobs set status = 'queued', attempts = attempts - 1, run_at = $2, locked_until = null, last_error = $3, updated_at = now()
      where id = $1 and status = 'running' and attempts = $4
      returning id`,
    [job.id, runAt, reason, job.attempt],
  );
  return rows.length > 0;
}

/** What became of a message the provider accepted, as it reported later (see reportProviderFailure). */
export type ProviderVerdict = { outcome: 'failed'; error: string; retryAt: Date } | { outcome: 'dead'; error: string };

/**
 * A message the provider accepted (an attempt recorded `sent` with its `providerId`) and later
 * reported failed: each job it was sent for (one, or a digest's several) is queued again or dead,
 * with one more attempt recorded. Only while that `sent` attempt is still the job's last word (the
 * job done, with that attempt number, nothing recorded since): a duplicate or late report changes
 * nothing. `verdict` is asked per job, with the attempt number. Returns the jobs it changed.
 */
export async function reportProviderFailure(
  db: Queryable,
  providerId: string,
  verdict: (attempt: number) => ProviderVerdict,
): Promise<{ jobId: number; outcome: 'failed' | 'dead' }[]> {
  const sent = await db.query<{ job_id: number; attempt: number }>(
    `select a.job_id, a.attempt from delivery_attempts a
      where a.provider_id = $1 and a.outcome = 'sent'
        and not exists (select 1 from delivery_attempts later where later.job_id = a.job_id and later.id > a.id)`,
    [providerId],
  );
  const changed: { jobId: number; outcome: 'failed' | 'dead' }[] = [];
  for (const { job_id: jobId, attempt } of sent) {
    const result = verdict(attempt);
    const rows = await db.query<{ id: number }>(
      `with reported as (
         update jobs
            set status = case $3::text when 'dead' then 'dead' else 'queued' end,
                run_at = coalesce($5::timestamptz, run_at), last_error = $4, updated_at = now()
          where id = $1 and status = 'done' and attempts = $2
          returning id, submission_id
       )
       insert into delivery_attempts (job_id, submission_id, attempt, outcome, error, provider_id)
       select id, submission_id, $2::int, $3::text, $4::text, $6::text from reported
       returning job_id as id`,
      [jobId, attempt, result.outcome, result.error, result.outcome === 'failed' ? result.retryAt : null, providerId],
    );
    if (rows.length > 0) changed.push({ jobId: Number(jobId), outcome: result.outcome });
  }
  return changed;
}

/** Whether any attempt recorded this provider id (a status report may come before the worker recorded the send). */
export async function isKnownProviderId(db: Queryable, providerId: string): Promise<boolean> {
  const [row] = await db.query('select 1 from delivery_attempts where provider_id = $1 limit 1', [providerId]);
  return row !== undefined;
}

export interface Delivery {
  id: number;
  channel: string;
  target: string;
  status: string;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: Date | null;
  /** False for an email or WhatsApp alert whose recipient has not confirmed yet (it waits). */
  recipientConfirmed: boolean;
  /** `providerId`: the provider's id of what the attempt sent (Twilio's message SID), if any. */
  history: { attempt: number; outcome: AttemptOutcome; error: string | null; providerId: string | null; at: Date }[];
}

/** A submission's notification jobs with their attempts, if the submission is the account's. */
export async function listDeliveries(db: Queryable, accountId: string, submissionId: string): Promise<Delivery[] | null> {
  const rows = await db.query<{
    id: number;
    kind: string;
    target: string;
    status: string;
    attempts: number;
    last_error: string | null;
    run_at: Date;
    recipient_confirmed: boolean;
    history: { attempt: number; outcome: AttemptOutcome; error: string | null; providerId: string | null; at: string }[] | null;
    found: boolean;
  }>(
    `select j.id, j.kind, j.target, j.status, j.attempts, j.last_error, j.run_at, ${RECIPIENT_CONFIRMED} as recipient_confirmed,
            (select json_agg(json_build_object('attempt', a.attempt, 'outcome', a.outcome, 'error', a.error, 'providerId', a.provider_id, 'at', a.created_at) order by a.id)
               from delivery_attempts a where a.job_id = j.id) as history
       from submissions s
       join jobs j on j.submission_id = s.id
      where s.id = $1 and s.account_id = $2
      order by j.id`,
    [submissionId, accountId],
  );
  if (rows.length === 0) {
    const [exists] = await db.query('select 1 from submissions where id = $1 and account_id = $2', [submissionId, accountId]);
    if (!exists) return null;
  }
  return rows.map((row) => ({
    id: row.id,
    channel: row.kind,
    target: row.target,
    status: row.status,
    attempts: row.attempts,
    lastError: row.last_error,
    nextAttemptAt: row.status === 'queued' ? row.run_at : null,
    recipientConfirmed: row.recipient_confirmed,
    history: (row.history ?? []).map((h) => ({ ...h, at: new Date(h.at) })),
  }));
}

/** Sends a dead (or waiting) job again, at once, with a fresh set of attempts. Null if not the account's. */
export async function retryJob(db: Queryable, accountId: string, jobId: number): Promise<{ status: string } | null> {
  const [row] = await db.query<{ status: string }>(
    `update jobs j set status = 'queued', attempts = 0, run_at = now(), locked_until = null, updated_at = now()
       from submissions s
      where j.id = $1 and s.id = j.submission_id and s.account_id = $2 and j.status in ('dead', 'queued')
      returning j.status`,
    [jobId, accountId],
  );
  if (row) return row;
  const [existing] = await db.query<{ status: string }>(
    'select j.status from jobs j join submissions s on s.id = j.submission_id where j.id = $1 and s.account_id = $2',
    [jobId, accountId],
  );
  return existing ?? null;
}
