-- A form has a public id (f_...) used in embed snippets and submission URLs, an optional schema
-- (null accepts any fields within global limits) and settings (redirect, who is notified, ...).
-- The composite key keeps a form's account equal to its site's account.
create table forms (
  id text primary key check (id ~ '^f_[A-Za-z0-9]{3,32}$'),
  site_id uuid not null,
  account_id uuid not null,
  name text not null,
  schema jsonb,
  settings jsonb not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  foreign key (site_id, account_id) references sites (id, account_id) on delete cascade
);
create index forms_account on forms (account_id, created_at);
create index forms_site on forms (site_id);
