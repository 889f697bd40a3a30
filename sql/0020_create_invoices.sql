-- What an account owes per billing period (a calendar month, UTC). Without Stripe the service
-- computes each closed period's statement itself (plan, per-site fees, overage) and marks it
-- uncollected; with Stripe, the invoices Stripe issues are recorded here from its webhooks.
create table invoices (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references accounts (id) on delete cascade,
  period_start date not null,
  period_end date not null,
  plan text not null,
  lines jsonb not null default '[]',
  total_cents integer not null,
  currency text not null,
  status text not null check (status in ('open', 'paid', 'payment_failed', 'uncollected', 'void')),
  stripe_invoice_id text unique,
  hosted_url text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index invoices_account on invoices (account_id, period_start desc);
create unique index invoices_statement on invoices (account_id, period_start) where stripe_invoice_id is null;
