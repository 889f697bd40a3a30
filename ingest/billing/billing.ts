// Billing: plans and quotas, the billing page's figures, upgrades (Stripe Checkout, or a direct
// change in local billing mode), Stripe's webhooks, and the sweeps a worker runs: quota emails at
// 80% and 100%, overage reported to Stripe's meter, statements for closed periods (local mode),
// and restricting accounts whose payment kept failing past the grace period.
//
// A billing period is a calendar month in UTC.

import type Stripe from 'stripe';
import type { Database, Queryable } from '../db/database.ts';
import { AppError, BadRequestError, ConflictError, NotFoundError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { AccountMail } from '../services/account-mail.ts';
import { saveAuditEntry } from '../store/audit.ts';
import {
  claimUnsentMeterEvents,
  getAccountBilling,
  getAccountBillingByCustomer,
  getAccountBillingForUpdate,
  getPeriodUsage,
  listInvoices,
  listOwnerEmails,
  listPeriodUsage,
  listSiteQuantityChanges,
  markMeterEventSent,
  recordQuotaAlert,
  recordStripeEvent,
  restrictAfterGrace,
  revealHeldSubmissions,
  saveMeterEvent,
  saveStatement,
  setStripeCustomer,
  setStripeSiteQuantity,
  sumMeteredOverage,
  updateAccountBilling,
  upsertStripeInvoice,
  type AccountBilling,
  type BillingStatus,
  type Invoice,
} from '../store/billing.ts';
import { priceOf, type InvoiceLine, type Plan, type Plans } from './plans.ts';
import type { StripeGateway } from './stripe-gateway.ts';

const QUOTA_THRESHOLDS = [80, 100] as const;
const METER_BATCH = 100;
const METER_LEASE_SECONDS = 120;

export interface Period {
  start: string;
  /** The first day of the next period. */
  end: string;
}

export function periodOf(date: Date): Period {
  const start = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1));
  const end = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1));
  return { start: start.toISOString().slice(0, 10), end: end.toISOString().slice(0, 10) };
}

function previousPeriod(date: Date): Period {
  return periodOf(new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() - 1, 1)));
}

/** The plan an account is held to: its own, or the free plan's limits while restricted. */
export function effectivePlan(plans: Plans, account: Pick<AccountBilling, 'plan' | 'billingStatus'>): Plan {
  return account.billingStatus === 'restricted' ? plans.free : plans.get(account.plan);
}

/** Plans that hold what comes past their quota instead of billing it (the submission path's caps). */
export function holdingCaps(plans: Plans): { plan: string; included: number }[] {
  return plans.list.filter((plan) => plan.overageCentsPer1000 === null).map((plan) => ({ plan: plan.id, included: plan.includedSubmissions }));
}

export function presentPlan(plan: Plan) {
  return {
    id: plan.id,
    name: plan.name,
    priceCents: plan.priceCents,
    includedSubmissions: plan.includedSubmissions,
    sites: plan.sites,
    members: plan.members,
    overageCentsPer1000: plan.overageCentsPer1000,
    siteFeeCents: plan.siteFeeCents,
    holdsOverQuota: plan.overageCentsPer1000 === null,
  };
}

function presentInvoice(invoice: Invoice) {
  return {
    id: invoice.id,
    periodStart: invoice.periodStart,
    periodEnd: invoice.periodEnd,
    plan: invoice.plan,
    lines: invoice.lines,
    totalCents: invoice.totalCents,
    currency: invoice.currency,
    status: invoice.status,
    hostedUrl: invoice.hostedUrl,
  };
}

export const LOCAL_MODE_BANNER = 'Local billing mode: usage and invoices are computed here, and no payment is collected (STRIPE_SECRET_KEY is not set).';

export interface BillingOptions {
  publicUrl: string;
  graceDays: number;
  meterEventName: string;
}

export class Billing {
  constructor(
    private readonly db: Database,
    readonly plans: Plans,
    private readonly stripe: StripeGateway | null,
    private readonly mail: AccountMail,
    private readonly options: BillingOptions,
  ) {}

  get mode(): 'stripe' | 'local' {
    return this.stripe ? 'stripe' : 'local';
  }

  private async account(accountId: string): Promise<AccountBilling> {
    const account = await getAccountBilling(this.db, accountId);
    if (!account) throw new NotFoundError('account_not_found', 'There is no such account.');
    return account;
  }

  /** The billing page: plan, status, this period's usage and projected amount, every plan, past invoices. */
  async overview(accountId: string, now = new Date()) {
    const account = await this.account(accountId);
    const plan = effectivePlan(this.plans, account);
    const period = periodOf(now);
    const usage = await getPeriodUsage(this.db, accountId, period.start);
    const startMs = Date.parse(period.start);
    const elapsed = Math.min(1, Math.max(0, (now.getTime() - startMs) / (Date.parse(period.end) - startMs)));
    // A straight line from the start of the period: what this pace comes to by its end.
    const projectedSubmissions = elapsed > 0 ? Math.round(usage.submissions / elapsed) : usage.submissions;
    const soFar = priceOf(plan, { submissions: usage.submissions, sites: usage.sites });
    const projected = priceOf(plan, { submissions: projectedSubmissions, sites: usage.sites });
    const invoices = await listInvoices(this.db, accountId);
    return {
      mode: this.mode,
      banner: this.stripe ? null : LOCAL_MODE_BANNER,
      currency: this.plans.currency,
      plan: presentPlan(plan),
      subscribedPlan: account.plan,
      status: account.billingStatus,
      paymentFailedAt: account.paymentFailedAt?.toISOString() ?? null,
      graceDays: this.options.graceDays,
      hasSubscription: account.stripeSubscriptionId !== null,
      period: {
        start: period.start,
        end: period.end,
        submissions: usage.submissions,
        spam: usage.spam,
        included: plan.includedSubmissions,
        percent: plan.includedSubmissions > 0 ? Math.round((usage.submissions / plan.includedSubmissions) * 100) : 0,
        held: usage.held,
        sites: usage.sites,
        members: usage.members,
        amountCents: soFar.totalCents,
        projectedSubmissions,
        projectedCents: projected.totalCents,
        lines: projected.lines,
      },
      plans: this.plans.list.filter((p) => p.offered).map(presentPlan),
      invoices: invoices.map(presentInvoice),
    };
  }

  /**
   * The account's billing row, locked until the caller's transaction ends: a limit check and the
   * insert it allows run in that transaction, so parallel requests are counted one after another
   * (without the lock, twelve at once all count the same and all pass).
   */
  private async lockedAccount(tx: Queryable, accountId: string): Promise<AccountBilling> {
    const account = await getAccountBillingForUpdate(tx, accountId);
    if (!account) throw new NotFoundError('account_not_found', 'There is no such account.');
    return account;
  }

  /** 402 plan_limit when the account's plan allows no more sites. `tx`: the transaction that adds the site. */
  async assertCanAddSite(tx: Queryable, accountId: string): Promise<void> {
    const account = await this.lockedAccount(tx, accountId);
    const plan = effectivePlan(this.plans, account);
    if (plan.sites === null) return;
    const usage = await getPeriodUsage(tx, accountId, periodOf(new Date()).start);
    if (usage.sites >= plan.sites) throw planLimit(`The ${plan.name} plan allows ${plan.sites} site${plan.sites === 1 ? '' : 's'}; upgrade to add more.`);
  }

  /** 402 plan_limit when members plus pending invitations would pass the plan's team size. `tx`: the transaction that invites. */
  async assertCanAddMember(tx: Queryable, accountId: string): Promise<void> {
    const account = await this.lockedAccount(tx, accountId);
    const plan = effectivePlan(this.plans, account);
    if (plan.members === null) return;
    const usage = await getPeriodUsage(tx, accountId, periodOf(new Date()).start);
    if (usage.members + usage.pendingInvitations >= plan.members) {
      throw planLimit(`The ${plan.name} plan allows ${plan.members} team member${plan.members === 1 ? '' : 's'} (invitations included); upgrade to add more.`);
    }
  }

  /**
   * Upgrading (or changing plan). With Stripe: a Checkout session to pay for it, its URL. In
   * local billing mode: the plan changes at once (nothing is collected) and held submissions
   * are revealed when the new plan does not hold them.
   */
  async checkout(actor: { accountId: string; userId: string | null; email: string | null }, planId: string): Promise<{ url: string; mode: 'stripe' | 'local' }> {
    const offered = this.plans.list.filter((p) => p.offered);
    const plan = offered.find((p) => p.id === planId);
    if (!plan) throw new BadRequestError('unknown_plan', `There is no plan "${planId}".`, { plan: `must be one of ${offered.map((p) => p.id).join(', ')}` });
    const billingUrl = `${this.options.publicUrl}/console/#/billing`;
    if (!this.stripe) {
      await this.db.transaction(async (tx) => {
        const account = await getAccountBillingForUpdate(tx, actor.accountId);
        if (!account) throw new NotFoundError('account_not_found', 'There is no such account.');
        await updateAccountBilling(tx, actor.accountId, { plan: plan.id, billingStatus: plan.priceCents > 0 ? 'active' : 'none', paymentFailedAt: null });
        const revealed = plan.overageCentsPer1000 !== null ? await revealHeldSubmissions(tx, actor.accountId) : 0;
        await saveAuditEntry(tx, { accountId: actor.accountId, actor, action: 'plan.change', target: plan.id, details: { from: account.plan, revealed, mode: 'local' } });
      });
      return { url: `${billingUrl}?changed=${plan.id}`, mode: 'local' };
    }
    if (plan.priceCents === 0 || !plan.stripe) {
      throw new ConflictError('use_portal', 'To move to the free plan, cancel the subscription in the billing portal.');
    }
    const account = await this.account(actor.accountId);
    // Checkout makes a new subscription: an account that has one changes plan in the portal.
    if (account.stripeSubscriptionId) throw new ConflictError('use_portal', 'This account has a subscription: change the plan in the billing portal.');
    let customerId = account.stripeCustomerId;
    if (!customerId) {
      const created = await this.stripe.createCustomer({ accountId: account.accountId, accountName: account.name, email: actor.email ?? '' });
      // Two checkouts at once both make a customer: the first bound is the account's, for good.
      customerId = (await setStripeCustomer(this.db, account.accountId, created)) ?? created;
    }
    const usage = await getPeriodUsage(this.db, actor.accountId, periodOf(new Date()).start);
    const url = await this.stripe.createCheckoutSession({
      customerId,
      accountId: account.accountId,
      plan,
      sites: usage.sites,
      successUrl: `${billingUrl}?checkout=success`,
      cancelUrl: `${billingUrl}?checkout=cancelled`,
    });
    return { url, mode: 'stripe' };
  }

  /** The Stripe Customer Portal, where an owner changes card, plan or cancels. */
  async portal(accountId: string): Promise<{ url: string }> {
    if (!this.stripe) throw new ConflictError('billing_local_mode', 'Billing runs in local mode here: there is no payment portal.');
    const account = await this.account(accountId);
    if (!account.stripeCustomerId) throw new ConflictError('no_subscription', 'This account has no subscription yet: upgrade first.');
    return { url: await this.stripe.createPortalSession(account.stripeCustomerId, `${this.options.publicUrl}/console/#/billing`) };
  }

  /**
   * A Stripe webhook: the signature is checked by the `stripe` library (a forged or stale one is
   * 400), then the event is applied and its id stored in one transaction, so each event takes
   * effect once however often it is delivered.
   */
  async handleWebhook(rawBody: Buffer, signature: string | undefined): Promise<{ received: true; duplicate: boolean; type: string }> {
    if (!this.stripe || !this.stripe.webhooksConfigured) {
      throw new AppError(400, 'webhook_not_configured', 'Stripe webhooks are not set up on this service (STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET).');
    }
    if (!signature) throw new BadRequestError('invalid_signature', 'The Stripe-Signature header is missing.');
    let event: Stripe.Event;
    try {
      event = this.stripe.verifyWebhook(rawBody, signature);
    } catch (error) {
      throw new BadRequestError('invalid_signature', `The Stripe signature does not verify: ${error instanceof Error ? error.message : String(error)}`);
    }
    const warnings: { accountId: string }[] = [];
    const fresh = await this.db.transaction(async (tx) => {
      if (!(await recordStripeEvent(tx, event.id, event.type))) return false;
      await this.apply(tx, event, warnings);
      return true;
    });
    for (const warning of warnings) await this.warnPaymentFailed(warning.accountId);
    return { received: true, duplicate: !fresh, type: event.type };
  }

  private planFromSubscription(subscription: Stripe.Subscription): Plan | null {
    const named = subscription.metadata?.['plan'];
    if (named && this.plans.list.some((p) => p.id === named)) return this.plans.get(named);
    const prices = new Set(subscription.items.data.map((item) => item.price.id));
    return this.plans.list.find((p) => p.stripe && prices.has(p.stripe.priceId)) ?? null;
  }

  /**
   * The account an event is about: the one bound to its Stripe customer, and nothing else. An
   * event's metadata (accountId, client_reference_id) never chooses or re-binds the account: the
   * service binds the customer itself when it creates it (checkout(), before any Checkout session
   * exists), so every genuine event of ours names a bound customer, and a customer made elsewhere
   * cannot claim an account by naming it.
   */
  private async accountFor(tx: Queryable, customer: string | { id: string } | null): Promise<AccountBilling | null> {
    const customerId = typeof customer === 'string' ? customer : customer?.id;
    return customerId ? getAccountBillingByCustomer(tx, customerId) : null;
  }

  private async apply(tx: Queryable, event: Stripe.Event, warnings: { accountId: string }[]): Promise<void> {
    switch (event.type) {
      case 'checkout.session.completed': {
        const session = event.data.object;
        const account = await this.accountFor(tx, session.customer);
        const planId = session.metadata?.['plan'];
        if (!account || !planId || session.mode !== 'subscription') return;
        const subscription = typeof session.subscription === 'string' ? session.subscription : (session.subscription?.id ?? null);
        await this.changePlan(tx, account, this.plans.get(planId), 'active', subscription);
        return;
      }
      case 'customer.subscription.created':
      case 'customer.subscription.updated': {
        const subscription = event.data.object;
        const account = await this.accountFor(tx, subscription.customer);
        const plan = this.planFromSubscription(subscription);
        if (!account || !plan) return;
        const status = subscriptionStatus(subscription.status, account.billingStatus);
        if (status === 'canceled') await this.changePlan(tx, account, this.plans.free, 'canceled', null);
        else await this.changePlan(tx, account, plan, status, subscription.id);
        return;
      }
      case 'customer.subscription.deleted': {
        const subscription = event.data.object;
        const account = await this.accountFor(tx, subscription.customer);
        if (!account) return;
        await this.changePlan(tx, account, this.plans.free, 'canceled', null);
        return;
      }
      case 'invoice.paid':
      case 'invoice.payment_failed': {
        const invoice = event.data.object;
        const account = await this.accountFor(tx, invoice.customer);
        if (!account || !invoice.id) return;
        const paid = event.type === 'invoice.paid';
        await upsertStripeInvoice(tx, {
          accountId: account.accountId,
          stripeInvoiceId: invoice.id,
          periodStart: new Date(invoice.period_start * 1000).toISOString().slice(0, 10),
          periodEnd: new Date(invoice.period_end * 1000).toISOString().slice(0, 10),
          plan: account.plan,
          lines: invoice.lines.data.map(
            (line): InvoiceLine => ({
              kind: 'plan',
              description: line.description ?? 'Subscription',
              quantity: line.quantity ?? 1,
              unitCents: line.quantity ? line.amount / line.quantity : line.amount,
              amountCents: line.amount,
            }),
          ),
          totalCents: paid ? invoice.amount_paid : invoice.amount_due,
          currency: invoice.currency,
          status: paid ? 'paid' : 'payment_failed',
          hostedUrl: invoice.hosted_invoice_url ?? null,
        });
        if (paid) {
          if (account.billingStatus === 'past_due' || account.billingStatus === 'restricted') {
            await updateAccountBilling(tx, account.accountId, { billingStatus: 'active', paymentFailedAt: null });
            await this.revealIfPaid(tx, { ...account, billingStatus: 'active' });
          }
        } else if (account.billingStatus !== 'restricted') {
          await updateAccountBilling(tx, account.accountId, { billingStatus: 'past_due', paymentFailedAt: account.paymentFailedAt ?? new Date() });
          warnings.push({ accountId: account.accountId });
        }
        return;
      }
      default:
        // Stored (so it is not processed twice) and otherwise ignored.
        return;
    }
  }

  private async changePlan(tx: Queryable, account: AccountBilling, plan: Plan, status: BillingStatus, subscriptionId: string | null): Promise<void> {
    await updateAccountBilling(tx, account.accountId, {
      plan: plan.id,
      billingStatus: status,
      stripeSubscriptionId: subscriptionId,
      ...(status === 'active' || status === 'trialing' ? { paymentFailedAt: null } : {}),
    });
    if (plan.id !== account.plan) {
      await saveAuditEntry(tx, { accountId: account.accountId, actor: null, action: 'plan.change', target: plan.id, details: { from: account.plan, status, mode: 'stripe' } });
    }
    await this.revealIfPaid(tx, { ...account, plan: plan.id, billingStatus: status });
  }

  /** Held submissions are revealed once the account's plan bills overage instead of holding it. */
  private async revealIfPaid(tx: Queryable, account: Pick<AccountBilling, 'accountId' | 'plan' | 'billingStatus'>): Promise<void> {
    const plan = effectivePlan(this.plans, account);
    if (plan.overageCentsPer1000 !== null && (account.billingStatus === 'active' || account.billingStatus === 'trialing')) {
      await revealHeldSubmissions(tx, account.accountId);
    }
  }

  private async warnPaymentFailed(accountId: string): Promise<void> {
    const account = await this.account(accountId);
    for (const to of await listOwnerEmails(this.db, accountId)) {
      await this.mail.sendPaymentFailed(this.db, to, { accountName: account.name, graceDays: this.options.graceDays });
    }
  }

  /** Emails the owners once per period when an account reaches 80% and 100% of its included submissions. */
  async sendQuotaAlerts(now = new Date()): Promise<number> {
    const period = periodOf(now);
    let sent = 0;
    for (const usage of await listPeriodUsage(this.db, period.start, period.end)) {
      const plan = effectivePlan(this.plans, usage);
      if (plan.includedSubmissions <= 0) continue;
      const percent = (usage.submissions / plan.includedSubmissions) * 100;
      // Only the highest threshold reached is mailed; a lower one not yet sent is recorded with it.
      const reached = QUOTA_THRESHOLDS.filter((threshold) => percent >= threshold);
      const highest = reached[reached.length - 1];
      if (highest === undefined) continue;
      const news = await this.db.transaction(async (tx) => {
        let fresh = false;
        for (const threshold of reached) if ((await recordQuotaAlert(tx, usage.accountId, period.start, threshold)) && threshold === highest) fresh = true;
        if (!fresh) return false;
        const account = await getAccountBilling(tx, usage.accountId);
        for (const to of await listOwnerEmails(tx, usage.accountId)) {
          await this.mail.sendQuotaAlert(tx, to, {
            accountName: account?.name ?? '',
            planName: plan.name,
            percent: highest,
            used: usage.submissions,
            included: plan.includedSubmissions,
            holds: plan.overageCentsPer1000 === null,
          });
        }
        return true;
      });
      if (news) sent++;
    }
    return sent;
  }

  /**
   * Reports each paying account's overage to Stripe's meter. Two steps, so a crash or a second
   * reporter never bills twice: (1) the overage not yet reported for the period is written as a
   * meter_events row with a fresh identifier, in a transaction that locks the account; (2) every
   * unsent row is sent with its identifier (Stripe ignores one it has seen) and marked sent. A
   * crash between sending and marking sends the same identifier again.
   */
  async reportOverage(now = new Date()): Promise<{ recorded: number; sent: number }> {
    if (!this.stripe) return { recorded: 0, sent: 0 };
    const period = periodOf(now);
    let recorded = 0;
    for (const usage of await listPeriodUsage(this.db, period.start, period.end)) {
      const plan = effectivePlan(this.plans, usage);
      if (plan.overageCentsPer1000 === null || !usage.stripeCustomerId) continue;
      if (usage.billingStatus !== 'active' && usage.billingStatus !== 'trialing' && usage.billingStatus !== 'past_due') continue;
      const over = Math.max(0, usage.submissions - plan.includedSubmissions);
      if (over === 0) continue;
      const added = await this.db.transaction(async (tx) => {
        const account = await getAccountBillingForUpdate(tx, usage.accountId);
        if (!account?.stripeCustomerId) return false;
        const reported = await sumMeteredOverage(tx, usage.accountId, period.start);
        if (over <= reported) return false;
        await saveMeterEvent(tx, {
          identifier: `formline-${usage.accountId}-${period.start}-${reported}-${over}`,
          accountId: usage.accountId,
          stripeCustomerId: account.stripeCustomerId,
          periodStart: period.start,
          value: over - reported,
        });
        return true;
      });
      if (added) recorded++;
    }
    return { recorded, sent: await this.sendMeterEvents() };
  }

  /**
   * Sends unsent meter events, each with its identifier, outside any transaction (Stripe's answer
   * may take a while). A failed send keeps its row unsent, tried again once its lease runs out.
   */
  async sendMeterEvents(): Promise<number> {
    const stripe = this.stripe;
    if (!stripe) return 0;
    let sent = 0;
    for (;;) {
      const rows = await claimUnsentMeterEvents(this.db, METER_BATCH, METER_LEASE_SECONDS);
      for (const row of rows) {
        await stripe.sendMeterEvent({
          eventName: this.options.meterEventName,
          identifier: row.identifier,
          customerId: row.stripeCustomerId,
          value: row.value,
          timestamp: Math.floor(row.createdAt.getTime() / 1000),
        });
        await markMeterEventSent(this.db, row.identifier);
        sent++;
      }
      if (rows.length < METER_BATCH) return sent;
    }
  }

  /**
   * A plan with a fee per site bills the number of sites as the quantity of the subscription's
   * per-site item: set it on Stripe when the account's sites changed since it was last set.
   */
  async syncSiteQuantities(): Promise<number> {
    if (!this.stripe) return 0;
    let synced = 0;
    for (const change of await listSiteQuantityChanges(this.db)) {
      const priceId = this.plans.get(change.plan).stripe?.sitePriceId;
      if (priceId) await this.stripe.setSubscriptionQuantity(change.subscriptionId, priceId, change.sites);
      await setStripeSiteQuantity(this.db, change.accountId, change.sites);
      if (priceId) synced++;
    }
    return synced;
  }

  /** Local billing mode: each closed period of a paying account gets its statement, once. */
  async closePeriods(now = new Date()): Promise<number> {
    if (this.stripe) return 0;
    const period = previousPeriod(now);
    let created = 0;
    for (const usage of await listPeriodUsage(this.db, period.start, period.end)) {
      const plan = this.plans.get(usage.plan);
      if (plan.priceCents === 0 && plan.siteFeeCents === 0) continue;
      const price = priceOf(plan, { submissions: usage.submissions, sites: usage.sites });
      const saved = await saveStatement(this.db, {
        accountId: usage.accountId,
        periodStart: period.start,
        periodEnd: period.end,
        plan: plan.id,
        lines: price.lines,
        totalCents: price.totalCents,
        currency: this.plans.currency,
      });
      if (saved) created++;
    }
    return created;
  }

  /** Accounts whose payment has failed for longer than the grace period are held to the free plan's limits. */
  async restrictOverdue(): Promise<string[]> {
    return restrictAfterGrace(this.db, this.options.graceDays);
  }

  /** Everything a worker runs on its billing timer. */
  async sweep(logger: Logger, now = new Date()): Promise<void> {
    const restricted = await this.restrictOverdue();
    if (restricted.length) logger.warn({ accounts: restricted }, 'accounts restricted to the free plan after the payment grace period');
    const alerts = await this.sendQuotaAlerts(now);
    if (alerts) logger.info({ alerts }, 'quota alerts queued');
    const sites = await this.syncSiteQuantities();
    if (sites) logger.info({ accounts: sites }, 'per-site quantities set on Stripe');
    const metered = await this.reportOverage(now);
    if (metered.sent) logger.info(metered, 'overage reported to Stripe');
    const statements = await this.closePeriods(now);
    if (statements) logger.info({ statements }, 'statements made for the closed period');
  }
}

function planLimit(message: string): AppError {
  return new AppError(402, 'plan_limit', message);
}

/** Stripe's subscription status, as the account's billing status. */
function subscriptionStatus(status: Stripe.Subscription.Status, current: BillingStatus): BillingStatus {
  switch (status) {
    case 'active':
      return 'active';
    case 'trialing':
      return 'trialing';
    case 'past_due':
      // A restriction already in force stays until a payment goes through.
      return current === 'restricted' ? 'restricted' : 'past_due';
    case 'unpaid':
      return 'restricted';
    case 'canceled':
    case 'incomplete_expired':
      return 'canceled';
    default:
      // incomplete, paused: nothing is paid yet; keep what the account had.
      return current;
  }
}
