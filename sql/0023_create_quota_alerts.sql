-- The quota emails an account was sent (80% and 100% of its plan's included submissions), one per
-- threshold per period, so owners are told once and not on every submission.
create table quota_alerts (
  account_id uuid not null references accounts (id) on delete cascade,
  period_start date not null,
  threshold integer not null,
  created_at timestamptz not null default now(),
  primary key (account_id, period_start, threshold)
);
