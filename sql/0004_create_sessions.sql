-- Server-side console sessions. The cookie holds a random token; only its SHA-256 is stored,
-- so a leaked table does not leak live sessions. account_id is the account being worked on.
create table sessions (
  id text primary key,
  user_id uuid not null references users (id) on delete cascade,
  account_id uuid references accounts (id) on delete set null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index sessions_user on sessions (user_id);
create index sessions_expires on sessions (expires_at);
