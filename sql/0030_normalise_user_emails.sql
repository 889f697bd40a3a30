-- Emails are now stored normalised (Unicode NFKC, then lower case, done by the service) and
-- compared as stored: a case-folding index let JavaScript and SQL disagree on what one address
-- was (the dotted capital I), which gave fresh sign-in guesses. Existing rows were accepted as
-- plain ASCII addresses, where lower() is the same everywhere.
update users set email = lower(normalize(email, NFKC)) where email <> lower(normalize(email, NFKC));
update invitations set email = lower(normalize(email, NFKC)) where email <> lower(normalize(email, NFKC));
drop index users_email_key;
create unique index users_email_key on users (email);
