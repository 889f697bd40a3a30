-- Searching a form's submissions (?q=) read every row of the form and every value of each row:
-- seconds on a million submissions. A full-text index of the values answers it instead. Words are
-- runs of letters and digits (ada@example.com is ada, example and com), and each word of a search
-- must begin a word of some value: "ada exam" finds ada@example.com. The 'simple' configuration
-- keeps words as written (lower-cased, no stemming) in every language.
--
-- The index lives beside the submissions (submission_search) and the workers fill it a moment
-- after a submission is stored, so indexing costs the submission path nothing; a search also reads
-- the few submissions stored since (ids after search_progress.indexed_through; ids are UUIDv7, in
-- time order).
create function submission_words(data jsonb) returns tsvector
  language sql immutable parallel safe
  as $$ select array_to_tsvector(array_remove(regexp_split_to_array(lower(coalesce(string_agg(value, ' '), '')), '[^[:alnum:]]+'), ''))
          from jsonb_each_text(data) $$;
-- A search as a query: every word a prefix, all of them required; null (matching nothing) when
-- it holds no letter or digit.
create function submission_query(q text) returns tsquery
  language sql immutable parallel safe
  as $$ select case when w = '' then null else to_tsquery('simple', replace(w, ' ', ':* & ') || ':*') end
          from (select trim(regexp_replace(lower(q), '[^[:alnum:]]+', ' ', 'g')) as w) as search $$;
-- created_at and status are the submission's (status kept in step when it changes), so a search
-- with its filters is one query on this table: the planner walks a form's newest entries for a
-- common word, or takes the few entries of a rare one from the words index.
create table submission_search (
  submission_id uuid primary key references submissions (id) on delete cascade,
  form_id text not null,
  created_at timestamptz not null,
  status text not null,
  words tsvector not null
);
create index submission_search_words on submission_search using gin (words);
-- Many word statistics, so the planner can tell a rare word (take its entries from the words
-- index) from a common one (walk the newest entries): its guess for an unseen word drops with them.
alter table submission_search alter column words set statistics 1000;
create index submission_search_form_created on submission_search (form_id, created_at desc, submission_id desc);
-- How far the index has come: every submission up to this id has been indexed.
create table search_progress (
  singleton boolean primary key default true check (singleton),
  indexed_through uuid not null
);
insert into search_progress (indexed_through) values ('00000000-0000-0000-0000-000000000000');
