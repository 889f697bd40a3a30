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
