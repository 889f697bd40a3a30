-- Searching a form's submissions (?q=) read every row of the form and every value of each row:
-- seconds on a million submissions. A trigram index over the values answers ILIKE '%word%' from
-- the index. The extension lives in public so every schema shares one.
create extension if not exists pg_trgm schema public;
-- The values of a submission, one per line: what a search looks in (field names are not searched).
create function submission_text(data jsonb) returns text
  language sql immutable parallel safe
  as $$ select coalesce(string_agg(value, E'\n'), '') from jsonb_each_text(data) $$;
create index submissions_search on submissions using gin (submission_text(data) public.gin_trgm_ops);
