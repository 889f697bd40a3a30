-- An owner invites someone by email into their account with a role; the mailed link (its token
-- kept as a SHA-256) makes them a member, creating their user when they have none.
create table invitations (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references accounts (id) on delete cascade,
  email text not null,
  role text not null check (role in ('owner', 'member')),
  token_hash text not null unique,
  invited_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  accepted_at timestamptz
);
create index invitations_account on invitations (account_id, created_at);
