-- Alert recipients confirm once (double opt-in) before the service mails or messages them:
-- otherwise anyone who signs up could turn a form into a relay to strangers (issue 10). One row
-- per account, channel and normalised address; confirmed_at is set by the recipient's own click,
-- or at once for a verified member's own address. Only the SHA-256 of the single-use link's token
-- is kept. invites_sent counts the confirmations sent since invites_window_start (a day), so
-- resends stay bounded.
create table alert_recipients (
  id bigint generated always as identity primary key,
  account_id uuid not null references accounts (id) on delete cascade,
  channel text not null check (channel in ('email', 'whatsapp')),
  address text not null,
  confirmed_at timestamptz,
  token_hash text unique,
  invites_sent integer not null default 0,
  invites_window_start timestamptz,
  last_sent_at timestamptz,
  created_at timestamptz not null default now(),
  unique (account_id, channel, address)
);
