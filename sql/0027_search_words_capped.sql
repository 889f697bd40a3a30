-- A value holding one word over 2,047 bytes (5,000 letters, or 700 × '中' at three bytes each)
-- made array_to_tsvector fail: the indexer met the same error on the same batch forever, and the
-- form's searches and filtered exports (whose scan of the rows since the mark makes the same
-- words) answered 500. A word is now known by its first 511 characters: at most 2,044 bytes
-- whatever the script, cut on a character boundary, so a search finds it by any prefix of that
-- length. And only the first 200,000 characters of a submission's values are read for words (at
-- most 800,000 bytes: under the 1 MB a tsvector can hold), which only a service configured for
-- bodies far over the default 100 KiB could ever reach.
create or replace function submission_words(data jsonb) returns tsvector
  language sql immutable parallel safe
  as $$ select array_to_tsvector(array(
            select left(word, 511)
              from unnest(regexp_split_to_array(left(lower(coalesce(string_agg(value, ' '), '')), 200000), '[^[:alnum:]]+')) as word
             where word <> ''))
          from jsonb_each_text(data) $$;
