-- What owners (and the service itself) did to an account's data that cannot be undone or that
-- changes who may see it: deletions, erasure requests, retention purges, team and key changes.
-- Kept per account, newest first; the actor is null when the service acted on its own.
create table audit_log (
  id bigint generated always as identity primary key,
  account_id uuid not null references accounts (id) on delete cascade,
  actor_user_id uuid references users (id) on delete set null,
  actor_email text,
  action text not null,
  target text,
  details jsonb not null default '{}',
  created_at timestamptz not null default now()
);
create index audit_log_account on audit_log (account_id, id desc);
