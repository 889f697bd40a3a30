-- Account emails (verification, reset, invitations) are capped per recipient per hour by
-- counting the outbox; this index keeps that count a short range scan.
create index jobs_account_email_target on jobs (target, created_at) where kind = 'account_email';
