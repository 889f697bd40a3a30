-- The provider's id of what an attempt sent (Twilio's message SID), so a status the provider
-- reports later (Twilio's status callback: a WhatsApp message that failed after it was accepted,
-- such as 63016) is matched to the attempt and its job. Indexed for that lookup; most attempts
-- have none.
alter table delivery_attempts add column provider_id text;
create index delivery_attempts_provider_id on delivery_attempts (provider_id) where provider_id is not null;
