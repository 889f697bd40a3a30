-- Every attempt to deliver a notification job (email, WhatsApp, webhook), kept per submission so
-- the console can show what happened: sent, failed (and will be retried), or dead (given up).
create table delivery_attempts (
  id bigint generated always as identity primary key,
  job_id bigint not null references jobs (id) on delete cascade,
  submission_id uuid not null references submissions (id) on delete cascade,
  attempt integer not null,
  outcome text not null check (outcome in ('sent', 'failed', 'dead')),
  error text,
  created_at timestamptz not null default now()
);
create index delivery_attempts_submission on delivery_attempts (submission_id, id);
create index delivery_attempts_job on delivery_attempts (job_id);
-- Running jobs whose lease ran out (a worker died) are claimed again.
create index jobs_running_lease on jobs (locked_until) where status = 'running';
