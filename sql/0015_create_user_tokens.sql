-- Single-use links mailed to a user: verifying their email address, resetting their password.
-- Only the SHA-256 of the token is kept, so the table cannot be used to take over an account.
create table user_tokens (
  token_hash text primary key,
  user_id uuid not null references users (id) on delete cascade,
  purpose text not null check (purpose in ('verify_email', 'reset_password')),
  expires_at timestamptz not null,
  used_at timestamptz,
  created_at timestamptz not null default now()
);
create index user_tokens_user on user_tokens (user_id, purpose);
