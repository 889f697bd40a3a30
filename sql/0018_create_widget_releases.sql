-- Every build of the embed script a Formline process has served, by its content hash. A site
-- owner's script tag is pinned to /w.<hash>.js with a Subresource Integrity hash, so that URL must
-- keep answering the very same bytes after an upgrade, and from every instance while old and new
-- versions run side by side during a rolling deploy. Each process records its build at start.
create table widget_releases (
  hash text primary key,
  code bytea not null,
  integrity text not null,
  created_at timestamptz not null default now()
);
