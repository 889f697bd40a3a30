-- Values the service makes for itself once and every process must share, such as the key for
-- time-trap tokens and visitor IP hashes when SECRET_KEY is not set.
create table instance_settings (
  key text primary key,
  value text not null,
  created_at timestamptz not null default now()
);
