-- A submission the search index cannot take (the database refuses its words: an error of the
-- data, not of the database) held up every submission after it, as the indexer retried its batch
-- forever. The indexer now takes such a batch a row at a time, records the row it cannot index
-- here with the error, and moves past it; a recorded row is never retried (the look back skips
-- it too), and the console's search does not find it.
create table search_failures (
  submission_id uuid primary key references submissions (id) on delete cascade,
  form_id text not null,
  error text not null,
  failed_at timestamptz not null default now()
);
