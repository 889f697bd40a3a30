-- Sessions end after a stretch of disuse (SESSION_IDLE_MINUTES) as well as at their absolute
-- expiry: a console left signed in on a shared machine does not stay usable for a month.
alter table sessions add column last_seen_at timestamptz not null default now();
