-- Searching a form's submissions (?q=) read every row of the form and every value of each row:
-- seconds on a million submissions. A full-text index over the values answers it instead. Words
-- are runs of letters and digits (so ada@example.com is ada, example and com), and each word of
-- a search must begin a word of some value: "ada exam" finds ada@example.com. The 'simple'
-- configuration keeps words as written (lower-cased, no stemming) in every language.
create function submission_words(data jsonb) returns tsvector
  language sql immutable parallel safe
  as $$ select to_tsvector('simple', regexp_replace(coalesce(string_agg(value, ' '), ''), '[^[:alnum:]]+', ' ', 'g'))
          from jsonb_each_text(data) $$;
-- A search as a query: every word a prefix, all of them required; null (matching nothing) when
-- it holds no letter or digit.
create function submission_query(q text) returns tsquery
  language sql immutable parallel safe
  as $$ select case when w = '' then null else to_tsquery('simple', replace(w, ' ', ':* & ') || ':*') end
          from (select trim(regexp_replace(lower(q), '[^[:alnum:]]+', ' ', 'g')) as w) as search $$;
create index submissions_search on submissions using gin (submission_words(data));
