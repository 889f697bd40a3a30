-- A session ended by something the user did elsewhere (a password change, the owner of the
-- address proving it) is kept, marked, until it would have expired, so its browser is told why
-- it was signed out instead of a bare "sign in first".
alter table sessions add column ended_reason text check (ended_reason in ('password_changed', 'ownership_proven'));
