// Billing: an account's plan and Stripe state, its usage per calendar month, held submissions,
// invoices, processed Stripe events, overage reported to Stripe's meter, and quota alerts.

import type { Queryable } from '../db/database.ts';
import type { InvoiceLine } from '../billing/plans.ts';

export type BillingStatus = 'none' | 'active' | 'trialing' | 'past_due' | 'restricted' | 'canceled';

export interface AccountBilling {
  accountId: string;
  name: string;
  plan: string;
  billingStatus: BillingStatus;
  stripeCustomerId: string | null;
  stripeSubscriptionId: string | null;
  paymentFailedAt: Date | null;
}

interface AccountBillingRow extends Record<string, unknown> {
  id: string;
  name: string;
  plan: string;
  billing_status: BillingStatus;
  stripe_customer_id: string | null;
  stripe_subscription_id: string | null;
  payment_failed_at: Date | null;
}

const BILLING_COLUMNS = 'id, name, plan, billing_status, stripe_customer_id, stripe_subscription_id, payment_failed_at';

function toAccountBilling(row: AccountBillingRow): AccountBilling {
  return {
    accountId: row.id,
    name: row.name,
    plan: row.plan,
    billingStatus: row.billing_status,
    stripeCustomerId: row.stripe_customer_id,
    stripeSubscriptionId: row.stripe_subscription_id,
    paymentFailedAt: row.payment_failed_at,
  };
}

export async function getAccountBilling(db: Queryable, accountId: string): Promise<AccountBilling | null> {
  const [row] = await db.query<AccountBillingRow>(`select ${BILLING_COLUMNS} from accounts where id = $1`, [accountId]);
  return row ? toAccountBilling(row) : null;
}

/** Locks the account's row for the rest of the transaction (plan changes one at a time). */
export async function getAccountBillingForUpdate(db: Queryable, accountId: string): Promise<AccountBilling | null> {
  const [row] = await db.query<AccountBillingRow>(`select ${BILLING_COLUMNS} from accounts where id = $1 for update`, [accountId]);
  return row ? toAccountBilling(row) : null;
}

export async function getAccountBillingByCustomer(db: Queryable, customerId: string): Promise<AccountBilling | null> {
  const [row] = await db.query<AccountBillingRow>(`select ${BILLING_COLUMNS} from accounts where stripe_customer_id = $1 for update`, [customerId]);
  return row ? toAccountBilling(row) : null;
}

/** Binds the account's Stripe customer once: an account that has one keeps it. Returns the one bound. */
export async function setStripeCustomer(db: Queryable, accountId: string, customerId: string): Promise<string | null> {
  const [row] = await db.query<{ stripe_customer_id: string | null }>(
    `update accounts set stripe_customer_id = coalesce(stripe_customer_id, $2) where id = $1 returning stripe_customer_id`,
    [accountId, customerId],
  );
  return row?.stripe_customer_id ?? null;
}

/** Sets what is given of plan, status, subscription and first failed payment (undefined: unchanged). */
export async function updateAccountBilling(
  db: Queryable,
  accountId: string,
  changes: {
    plan?: string;
    billingStatus?: BillingStatus;
    stripeCustomerId?: string;
    stripeSubscriptionId?: string | null;
    paymentFailedAt?: Date | null;
  },
): Promise<void> {
  await db.query(
    `update accounts set
        plan = coalesce($2, plan),
        billing_status = coalesce($3, billing_status),
        stripe_customer_id = coalesce($4, stripe_customer_id),
        stripe_subscription_id = case when $5::boolean then $6 else stripe_subscription_id end,
        payment_failed_at = case when $7::boolean then $8::timestamptz else payment_failed_at end
      where id = $1`,
    [
      accountId,
      changes.plan ?? null,
      changes.billingStatus ?? null,
      changes.stripeCustomerId ?? null,
      changes.stripeSubscriptionId !== undefined,
      changes.stripeSubscriptionId ?? null,
      changes.paymentFailedAt !== undefined,
      changes.paymentFailedAt ?? null,
    ],
  );
}

/** Makes the account's held submissions ordinary new ones (an upgrade); returns how many. */
export async function revealHeldSubmissions(db: Queryable, accountId: string): Promise<number> {
  const rows = await db.query(
    `with revealed as (
       update submissions set status = 'new' where account_id = $1 and status = 'held' returning id
     ), searched as (
       update submission_search set status = 'new' where submission_id in (select id from revealed)
     )
     select id from revealed`,
    [accountId],
  );
  return rows.length;
}

export interface PeriodUsage {
  /** Submissions stored this period that were not spam (held ones included). */
  submissions: number;
  spam: number;
  held: number;
  sites: number;
  members: number;
  pendingInvitations: number;
}

export async function getPeriodUsage(db: Queryable, accountId: string, periodStart: string): Promise<PeriodUsage> {
  const [row] = await db.query<{ submissions: number; spam: number; held: number; sites: number; members: number; invitations: number }>(
    `select
       (select coalesce(sum(accepted), 0)::int from usage_daily where account_id = $1 and day >= $2::date) as submissions,
       (select coalesce(sum(spam), 0)::int from usage_daily where account_id = $1 and day >= $2::date) as spam,
       (select count(*)::int from submissions where account_id = $1 and status = 'held') as held,
       (select count(*)::int from sites where account_id = $1) as sites,
       (select count(*)::int from memberships where account_id = $1) as members,
       (select count(*)::int from invitations where account_id = $1 and accepted_at is null and expires_at > now()) as invitations`,
    [accountId, periodStart],
  );
  return {
    submissions: row?.submissions ?? 0,
    spam: row?.spam ?? 0,
    held: row?.held ?? 0,
    sites: row?.sites ?? 0,
    members: row?.members ?? 0,
    pendingInvitations: row?.invitations ?? 0,
  };
}

/** Submissions per account for a period (from `start`, before `end`), with the account's plan and site count. */
export async function listPeriodUsage(
  db: Queryable,
  start: string,
  end: string,
): Promise<{ accountId: string; plan: string; billingStatus: BillingStatus; stripeCustomerId: string | null; submissions: number; sites: number }[]> {
  const rows = await db.query<{
    id: string;
    plan: string;
    billing_status: BillingStatus;
    stripe_customer_id: string | null;
    submissions: number;
    sites: number;
  }>(
    `select a.id, a.plan, a.billing_status, a.stripe_customer_id,
            coalesce((select sum(u.accepted) from usage_daily u where u.account_id = a.id and u.day >= $1::date and u.day < $2::date), 0)::int as submissions,
            (select count(*)::int from sites s where s.account_id = a.id) as sites
       from accounts a
      order by a.id`,
    [start, end],
  );
  return rows.map((row) => ({
    accountId: row.id,
    plan: row.plan,
    billingStatus: row.billing_status,
    stripeCustomerId: row.stripe_customer_id,
    submissions: row.submissions,
    sites: row.sites,
  }));
}

export interface Invoice {
  id: string;
  periodStart: string;
  periodEnd: string;
  plan: string;
  lines: InvoiceLine[];
  totalCents: number;
  currency: string;
  status: 'open' | 'paid' | 'payment_failed' | 'uncollected' | 'void';
  stripeInvoiceId: string | null;
  hostedUrl: string | null;
  createdAt: Date;
}

export async function listInvoices(db: Queryable, accountId: string, limit = 24): Promise<Invoice[]> {
  const rows = await db.query<{
    id: string;
    period_start: string;
    period_end: string;
    plan: string;
    lines: InvoiceLine[];
    total_cents: number;
    currency: string;
    status: Invoice['status'];
    stripe_invoice_id: string | null;
    hosted_url: string | null;
    created_at: Date;
  }>(
    `select id, to_char(period_start, 'YYYY-MM-DD') as period_start, to_char(period_end, 'YYYY-MM-DD') as period_end, plan, lines,
            total_cents, currency, status, stripe_invoice_id, hosted_url, created_at
       from invoices where account_id = $1 order by period_start desc, created_at desc limit $2`,
    [accountId, limit],
  );
  return rows.map((row) => ({
    id: row.id,
    periodStart: row.period_start,
    periodEnd: row.period_end,
    plan: row.plan,
    lines: row.lines,
    totalCents: row.total_cents,
    currency: row.currency,
    status: row.status,
    stripeInvoiceId: row.stripe_invoice_id,
    hostedUrl: row.hosted_url,
    createdAt: row.created_at,
  }));
}

/** The service's own statement for a closed period (local billing); nothing when it exists already. */
export async function saveStatement(
  db: Queryable,
  input: { accountId: string; periodStart: string; periodEnd: string; plan: string; lines: InvoiceLine[]; totalCents: number; currency: string },
): Promise<boolean> {
  const rows = await db.query(
    `insert into invoices (account_id, period_start, period_end, plan, lines, total_cents, currency, status)
     values ($1, $2, $3, $4, $5::jsonb, $6, $7, 'uncollected')
     on conflict (account_id, period_start) where stripe_invoice_id is null do nothing
     returning id`,
    [input.accountId, input.periodStart, input.periodEnd, input.plan, JSON.stringify(input.lines), input.totalCents, input.currency],
  );
  return rows.length > 0;
}

/** An invoice Stripe issued, as its webhooks describe it (inserted, or updated by its Stripe id). */
export async function upsertStripeInvoice(
  db: Queryable,
  input: Omit<Invoice, 'id' | 'createdAt' | 'stripeInvoiceId'> & { accountId: string; stripeInvoiceId: string },
): Promise<void> {
  await db.query(
    `insert into invoices (account_id, stripe_invoice_id, period_start, period_end, plan, lines, total_cents, currency, status, hosted_url)
     values ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10)
     on conflict (stripe_invoice_id) do update
       set status = excluded.status, total_cents = excluded.total_cents, lines = excluded.lines,
           hosted_url = coalesce(excluded.hosted_url, invoices.hosted_url), updated_at = now()`,
    [
      input.accountId,
      input.stripeInvoiceId,
      input.periodStart,
      input.periodEnd,
      input.plan,
      JSON.stringify(input.lines),
      input.totalCents,
      input.currency,
      input.status,
      input.hostedUrl,
    ],
  );
}

/** Records a Stripe event id; false when it was processed before (a redelivery or a replay). */
export async function recordStripeEvent(db: Queryable, id: string, type: string): Promise<boolean> {
  const rows = await db.query('insert into stripe_events (id, type) values ($1, $2) on conflict (id) do nothing returning id', [id, type]);
  return rows.length > 0;
}

/** Overage already reported to the meter for an account's period. */
export async function sumMeteredOverage(db: Queryable, accountId: string, periodStart: string): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    'select coalesce(sum(value), 0)::int as n from meter_events where account_id = $1 and period_start = $2::date',
    [accountId, periodStart],
  );
  return row?.n ?? 0;
}

export async function saveMeterEvent(
  db: Queryable,
  input: { identifier: string; accountId: string; stripeCustomerId: string; periodStart: string; value: number },
): Promise<void> {
  await db.query(
    'insert into meter_events (identifier, account_id, stripe_customer_id, period_start, value) values ($1, $2, $3, $4, $5)',
    [input.identifier, input.accountId, input.stripeCustomerId, input.periodStart, input.value],
  );
}

export interface MeterEventRow {
  identifier: string;
  accountId: string;
  stripeCustomerId: string;
  value: number;
  createdAt: Date;
}

/**
 * Takes up to `limit` unsent meter events for this reporter for `leaseSeconds` (rows another
 * reporter holds are skipped; a lease that ran out, its reporter having died, is taken again).
 */
export async function claimUnsentMeterEvents(db: Queryable, limit: number, leaseSeconds: number): Promise<MeterEventRow[]> {
  const rows = await db.query<{ identifier: string; account_id: string; stripe_customer_id: string; value: number; created_at: Date }>(
    `update meter_events m set lease_until = now() + make_interval(secs => $2)
      where m.identifier in (
        select identifier from meter_events
         where sent_at is null and (lease_until is null or lease_until < now())
         order by created_at limit $1 for update skip locked)
     returning m.identifier, m.account_id, m.stripe_customer_id, m.value, m.created_at`,
    [limit, leaseSeconds],
  );
  return rows.map((row) => ({
    identifier: row.identifier,
    accountId: row.account_id,
    stripeCustomerId: row.stripe_customer_id,
    value: row.value,
    createdAt: row.created_at,
  }));
}

export async function markMeterEventSent(db: Queryable, identifier: string): Promise<void> {
  await db.query('update meter_events set sent_at = now(), lease_until = null where identifier = $1', [identifier]);
}

/** Notes a quota alert for a period and threshold; false when it was sent before. */
export async function recordQuotaAlert(db: Queryable, accountId: string, periodStart: string, threshold: number): Promise<boolean> {
  const rows = await db.query(
    'insert into quota_alerts (account_id, period_start, threshold) values ($1, $2, $3) on conflict do nothing returning account_id',
    [accountId, periodStart, threshold],
  );
  return rows.length > 0;
}

export async function listOwnerEmails(db: Queryable, accountId: string): Promise<string[]> {
  const rows = await db.query<{ email: string }>(
    `select u.email from memberships m join users u on u.id = m.user_id where m.account_id = $1 and m.role = 'owner' order by u.email`,
    [accountId],
  );
  return rows.map((row) => row.email);
}

/** Accounts whose payment failed more than `graceDays` ago are held to the free plan's limits; returns them. */
export async function restrictAfterGrace(db: Queryable, graceDays: number): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    `update accounts set billing_status = 'restricted'
      where billing_status = 'past_due' and payment_failed_at < now() - make_interval(days => $1)
      returning id`,
    [graceDays],
  );
  return rows.map((row) => row.id);
}

/** Subscribed accounts whose number of sites differs from the quantity last set on Stripe. */
export async function listSiteQuantityChanges(
  db: Queryable,
): Promise<{ accountId: string; plan: string; subscriptionId: string; sites: number }[]> {
  const rows = await db.query<{ id: string; plan: string; stripe_subscription_id: string; sites: number }>(
    `select a.id, a.plan, a.stripe_subscription_id, (select count(*)::int from sites s where s.account_id = a.id) as sites
       from accounts a
      where a.stripe_subscription_id is not null and a.billing_status in ('active', 'trialing', 'past_due')
        and a.stripe_site_quantity is distinct from (select count(*)::int from sites s where s.account_id = a.id)`,
  );
  return rows.map((row) => ({ accountId: row.id, plan: row.plan, subscriptionId: row.stripe_subscription_id, sites: row.sites }));
}

export async function setStripeSiteQuantity(db: Queryable, accountId: string, quantity: number): Promise<void> {
  await db.query('update accounts set stripe_site_quantity = $2 where id = $1', [accountId, quantity]);
}
