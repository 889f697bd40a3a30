-- What visitors sent. Ids are UUIDv7 (time-ordered), made by the service when it accepts a post.
-- The idempotency key is unique per form so a retried post is stored once. The console pages
-- through a form's submissions newest first by (created_at, id).
create table submissions (
  id uuid primary key,
  form_id text not null references forms (id) on delete cascade,
  site_id uuid not null,
  account_id uuid not null,
  data jsonb not null,
  meta jsonb not null default '{}',
  status text not null default 'new' check (status in ('new', 'read', 'spam', 'held')),
  idempotency_key text,
  created_at timestamptz not null default now(),
  constraint submissions_idempotency_key unique (form_id, idempotency_key)
);
create index submissions_form_created on submissions (form_id, created_at desc, id desc);
