-- Emails about an account rather than a submission (address verification, password reset,
-- invitations, quota warnings) go through the same outbox, so they wait out an SMTP outage and
-- are retried like notifications. Such a job has no submission; its message is in payload
-- (cleared once sent, since it may hold a single-use link).
alter table jobs alter column submission_id drop not null;
alter table jobs add column payload jsonb;
alter table jobs drop constraint jobs_kind_check;
alter table jobs add constraint jobs_kind_check check (kind in ('email', 'whatsapp', 'webhook', 'autoresponse', 'account_email'));
alter table jobs add constraint jobs_subject check ((submission_id is null) = (kind = 'account_email'));
alter table delivery_attempts alter column submission_id drop not null;
