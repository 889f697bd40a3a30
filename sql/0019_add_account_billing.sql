-- Billing state of an account: its Stripe customer and subscription (when Stripe is configured),
-- the subscription's status, and when a payment first failed. After a grace period a failing
-- account is held to the free plan's limits (status restricted) until a payment goes through.
alter table accounts add column billing_status text not null default 'none'
  check (billing_status in ('none', 'active', 'trialing', 'past_due', 'restricted', 'canceled'));
alter table accounts add column stripe_customer_id text unique;
alter table accounts add column stripe_subscription_id text;
alter table accounts add column payment_failed_at timestamptz;
