-- Every Stripe webhook event is processed once: its id is stored in the same transaction as its
-- effects, so a redelivered or replayed event finds it and changes nothing.
create table stripe_events (
  id text primary key,
  type text not null,
  received_at timestamptz not null default now()
);
