-- An account is the tenant: it owns sites and forms, holds the plan, and is what gets billed.
create table accounts (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  plan text not null default 'free',
  created_at timestamptz not null default now()
);
