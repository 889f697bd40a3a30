-- Programmatic access, scoped to one account. The key is shown once; we keep a public prefix to
-- find it by and a hash of the secret part to check it with.
create table api_keys (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references accounts (id) on delete cascade,
  name text not null,
  prefix text not null unique,
  secret_hash text not null,
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
create index api_keys_account on api_keys (account_id);
