-- A plan with a fee per site bills the account's number of sites through a quantity on its Stripe
-- subscription. This is the quantity last set there, so the billing sweep calls Stripe only when
-- the number of sites has changed since.
alter table accounts add column stripe_site_quantity integer;
