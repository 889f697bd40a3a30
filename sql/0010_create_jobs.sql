-- The notification outbox: one job per channel and target, inserted in the same transaction as
-- its submission, so a stored submission always has its jobs. Workers claim due jobs with
-- FOR UPDATE SKIP LOCKED.
create table jobs (
  id bigint generated always as identity primary key,
  submission_id uuid not null references submissions (id) on delete cascade,
  kind text not null check (kind in ('email', 'whatsapp', 'webhook')),
  target text not null,
  status text not null default 'queued' check (status in ('queued', 'running', 'done', 'dead')),
  attempts integer not null default 0,
  run_at timestamptz not null default now(),
  locked_until timestamptz,
  last_error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index jobs_due on jobs (run_at) where status = 'queued';
create index jobs_submission on jobs (submission_id);
