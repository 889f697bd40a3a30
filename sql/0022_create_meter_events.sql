-- Overage reported to Stripe's Billing Meter. Each report is written here first, with the
-- identifier Stripe deduplicates on, then sent; a crash between the two sends the same row (same
-- identifier) again, so a submission is never billed twice. value is how many submissions over
-- the plan's included ones the report adds for the period. A reporter takes rows with a short
-- lease (lease_until), so two reporters do not send the same row at once.
create table meter_events (
  identifier text primary key,
  account_id uuid not null references accounts (id) on delete cascade,
  stripe_customer_id text not null,
  period_start date not null,
  value integer not null check (value > 0),
  created_at timestamptz not null default now(),
  lease_until timestamptz,
  sent_at timestamptz
);
create index meter_events_account_period on meter_events (account_id, period_start);
create index meter_events_unsent on meter_events (created_at) where sent_at is null;
