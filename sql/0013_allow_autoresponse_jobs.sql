-- A form may answer its submitters by email (opt-in): one more kind of outbox job.
alter table jobs drop constraint jobs_kind_check;
alter table jobs add constraint jobs_kind_check check (kind in ('email', 'whatsapp', 'webhook', 'autoresponse'));
