-- Submissions counted per site and UTC day, for quotas and billing. Written in the same
-- transaction as the submissions themselves, one upsert per batch (not per submission).
-- No foreign key to sites: usage outlives a deleted site until its billing period closes.
create table usage_daily (
  site_id uuid not null,
  account_id uuid not null references accounts (id) on delete cascade,
  day date not null,
  accepted integer not null default 0,
  spam integer not null default 0,
  primary key (site_id, day)
);
create index usage_daily_account_day on usage_daily (account_id, day);
