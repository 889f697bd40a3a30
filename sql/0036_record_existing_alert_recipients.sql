-- Forms saved before alert recipients had to confirm (0035) list recipients with no row in
-- alert_recipients, so their alerts would wait with nothing to confirm. Each gets its row now: a
-- verified member's own address is confirmed, as it would be when saved today; any other address
-- or number stays unconfirmed (its alerts wait, never dropped) until the owner presses "Resend
-- confirmation" in the console and the recipient confirms. Addresses are first put in the normal
-- form the service now keeps (NFKC, lower case), in the forms and in the alerts already queued,
-- since a waiting alert is matched to its recipient by address.
update forms
   set settings = jsonb_set(settings, '{notifyEmails}', (
         select coalesce(jsonb_agg(lower(normalize(value, NFKC)) order by ordinality), '[]'::jsonb)
           from jsonb_array_elements_text(settings -> 'notifyEmails') with ordinality))
 where jsonb_typeof(settings -> 'notifyEmails') = 'array';
update jobs set target = lower(normalize(target, NFKC))
 where kind = 'email' and status = 'queued' and target <> lower(normalize(target, NFKC));

insert into alert_recipients (account_id, channel, address, confirmed_at)
select distinct on (f.account_id, r.address) f.account_id, 'email', r.address,
       case when exists (
         select 1 from memberships m join users u on u.id = m.user_id
          where m.account_id = f.account_id and u.email = r.address and u.email_verified_at is not null
       ) then now() end
  from forms f
  cross join lateral (select value as address from jsonb_array_elements_text(coalesce(f.settings -> 'notifyEmails', '[]'::jsonb))) r
on conflict (account_id, channel, address) do nothing;

insert into alert_recipients (account_id, channel, address)
select distinct f.account_id, 'whatsapp', n.value
  from forms f
  cross join lateral jsonb_array_elements_text(coalesce(f.settings -> 'notifyWhatsapp', '[]'::jsonb)) n
on conflict (account_id, channel, address) do nothing;
