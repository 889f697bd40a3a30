-- A site is a domain an account collects submissions from; allowed_origins are the browser
-- origins its forms accept posts from. (id, account_id) is unique so forms can reference both.
create table sites (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references accounts (id) on delete cascade,
  name text not null,
  domain text not null,
  allowed_origins text[] not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (id, account_id)
);
create index sites_account on sites (account_id, created_at);
