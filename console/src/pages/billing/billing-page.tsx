// #/billing (?checkout=success|cancelled, ?changed=<plan>): the account's plan and billing status,
// this period's usage against the included submissions (held and spam apart), the amount so far
// and the projected amount with its lines, every plan to compare, and past invoices. Owners change
// the plan (Stripe's Checkout, or at once in local billing mode) and open Stripe's billing portal;
// members see the same page without a button. Stripe sends the owner back here with ?checkout=.

import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api.ts';
import type { Billing, Plan } from '../../api-types.ts';
import { useBilling } from '../../billing-state.ts';
import { LoadError, Loading, PageHeader, StatusLine, useStatus } from '../../feedback.tsx';
import { formatDateTime, formatDay, formatMoney, formatNumber, plural } from '../../format.ts';
import { navigate, type Route } from '../../router.ts';
import { isOwner, useSession } from '../../session.ts';
import { PlanList } from './plan-list.tsx';
import { BILLING_STATUS, graceEnd, INVOICE_STATUS } from './billing-terms.ts';
import { UsageMeter } from './usage-meter.tsx';

/** The console's own page when `url` is one (local billing mode answers the billing page): its hash. */
function consoleHash(url: string): string | null {
  const target = new URL(url, window.location.href);
  // The service names itself by PUBLIC_URL; the console may be open under another host name.
  return target.pathname === window.location.pathname && target.hash.startsWith('#/') ? target.hash : null;
}

export function BillingPage({ route }: { route: Route }) {
  const { session } = useSession();
  const owner = isOwner(session);
  const billing = useBilling();
  const status = useStatus();
  const [busyPlan, setBusyPlan] = useState<string | null>(null);
  const [released, setReleased] = useState(0);

  // Every visit shows fresh figures; so does coming back from Stripe with the back button (the
  // page is then restored as it was left, "Opening…").
  useEffect(() => {
    void billing.reload();
    const restored = (event: PageTransitionEvent) => {
      if (!event.persisted) return;
      setBusyPlan(null);
      status.clear();
      void billing.reload();
    };
    window.addEventListener('pageshow', restored);
    return () => window.removeEventListener('pageshow', restored);
  }, []);

  const choose = async (plan: Plan) => {
    const data = billing.data;
    if (!data) return;
    setBusyPlan(plan.id);
    status.clear();
    try {
      if (data.mode === 'stripe' && data.hasSubscription) {
        status.busy('Opening the billing portal…');
        const { url } = await api.post<{ url: string }>('/api/billing/portal', {});
        window.location.assign(url);
        return;
      }
      status.busy(data.mode === 'stripe' ? `Opening the checkout for ${plan.name}…` : `Changing to ${plan.name}…`);
      const heldBefore = data.period.held;
      const { url } = await api.post<{ url: string; mode: 'stripe' | 'local' }>('/api/billing/checkout', { plan: plan.id });
      const hash = consoleHash(url);
      if (!hash) {
        // Stripe's Checkout: the owner comes back to ?checkout=success or ?checkout=cancelled.
        window.location.assign(url);
        return;
      }
      navigate(hash, { replace: true });
      await billing.reload();
      setReleased(heldBefore);
      status.clear();
      setBusyPlan(null);
    } catch (error) {
      status.error(error);
      setBusyPlan(null);
    }
  };

  const portal = async () => {
    status.busy('Opening the billing portal…');
    try {
      const { url } = await api.post<{ url: string }>('/api/billing/portal', {});
      window.location.assign(url);
    } catch (error) {
      status.error(error);
    }
  };

  const data = billing.data;
  const manage = owner && data?.mode === 'stripe' && data.hasSubscription;
  return (
    <>
      <PageHeader title="Billing" lead="Your plan, this month's submissions and what they cost, the other plans, and past invoices.">
        {manage && (
          <button type="button" class="button" onClick={portal} disabled={status.status?.kind === 'busy'}>
            Manage billing
          </button>
        )}
      </PageHeader>
      {data?.banner && (
        <p class="notice notice-info" role="note">
          {data.banner}
        </p>
      )}
      <ReturnMessage route={route} billing={data} released={released} onCheckAgain={() => void billing.reload()} />
      <StatusLine status={status.status} />
      {billing.loading && !data && <Loading />}
      <LoadError error={billing.error} retry={() => void billing.reload()} />
      {data && (
        <>
          <CurrentPlan billing={data} />
          <div class="billing-columns">
            <PeriodUsage billing={data} />
            <PeriodAmount billing={data} />
          </div>
          <section class="billing-section" aria-labelledby="plans-title">
            <h2 id="plans-title">Plans</h2>
            <PlanList billing={data} owner={owner} busyPlan={busyPlan} onChoose={(plan) => void choose(plan)} />
          </section>
          <Invoices billing={data} />
        </>
      )}
    </>
  );
}

/** What the hash says happened: back from Stripe's Checkout, or a plan changed here. */
function ReturnMessage({ route, billing, released, onCheckAgain }: { route: Route; billing: Billing | undefined; released: number; onCheckAgain(): void }) {
  const checkout = route.query.get('checkout');
  const changed = route.query.get('changed');
  const dismiss = () => navigate('#/billing', { replace: true });
  let message: ComponentChildren = null;
  let kind = 'ok';
  if (checkout === 'success') {
    // Stripe's webhook may arrive after the owner is back: until then the old plan still shows.
    const paid = billing?.plans.find((plan) => plan.id === billing.subscribedPlan);
    const confirmed = billing && billing.hasSubscription && (billing.status === 'active' || billing.status === 'trialing') && paid && paid.priceCents > 0;
    message = confirmed ? (
      `Thank you: the payment is set up and you are on the ${paid.name} plan.`
    ) : (
      <>
        Thank you: the payment is set up. The new plan shows here as soon as Stripe confirms it, usually within seconds.{' '}
        <button type="button" class="button button-small" onClick={onCheckAgain}>
          Check again
        </button>
      </>
    );
  } else if (checkout === 'cancelled') {
    kind = 'info';
    message = 'The checkout was cancelled: nothing was charged and the plan is unchanged.';
  } else if (changed) {
    const name = billing?.plans.find((plan) => plan.id === changed)?.name ?? changed;
    message = `You are now on the ${name} plan.${released > 0 && billing?.period.held === 0 ? ` ${plural(released, 'held submission is', 'held submissions are')} now in the inbox.` : ''}`;
  }
  if (!message) return null;
  return (
    <div class={`notice notice-${kind}`} role="status">
      <p>{message}</p>
      <button type="button" class="button button-small button-quiet" onClick={dismiss} aria-label="Dismiss the message">
        Dismiss
      </button>
    </div>
  );
}

function CurrentPlan({ billing }: { billing: Billing }) {
  const subscribed = billing.plans.find((plan) => plan.id === billing.subscribedPlan);
  const name = subscribed?.name ?? (billing.plan.id === billing.subscribedPlan ? billing.plan.name : billing.subscribedPlan);
  const price = subscribed?.priceCents ?? billing.plan.priceCents;
  const until = graceEnd(billing);
  return (
    <section class="card plan-summary" aria-labelledby="current-plan-title">
      <div class="plan-summary-main">
        <h2 id="current-plan-title" class="small-heading">
          Current plan
        </h2>
        <p class="plan-summary-name">
          <strong>{name}</strong> <span class={`badge badge-billing-${billing.status}`}>{BILLING_STATUS[billing.status] ?? billing.status}</span>
        </p>
        <p class="muted">
          {formatMoney(price, billing.currency)} a month · this period {formatDay(billing.period.start)} – {formatDay(billing.period.end, -1)} (UTC)
        </p>
      </div>
      {billing.status === 'past_due' && (
        <p class="notice notice-warn">
          The last payment failed{until ? ` on ${formatDateTime(billing.paymentFailedAt)}` : ''}. Update the card{until ? ` by ${formatDateTime(until)}` : ` within ${plural(billing.graceDays, 'day')}`}; after
          that the account is held to the {billing.plans.find((plan) => plan.id === 'free')?.name ?? 'free'} plan's limits.
        </p>
      )}
      {billing.status === 'restricted' && (
        <p class="notice notice-danger">
          The payment is overdue, so the account is held to the {billing.plan.name} plan's limits ({formatNumber(billing.plan.includedSubmissions)} submissions a month, the rest held) until a
          payment goes through.
        </p>
      )}
    </section>
  );
}

function PeriodUsage({ billing }: { billing: Billing }) {
  const { period, plan } = billing;
  return (
    <section class="card" aria-labelledby="usage-title">
      <h2 id="usage-title" class="small-heading">
        Submissions this period
      </h2>
      <p class="usage-figures">
        <span class="usage-count">{formatNumber(period.submissions)}</span> of {formatNumber(period.included)} included <span class="usage-percent">{formatNumber(period.percent)}%</span>
      </p>
      <UsageMeter submissions={period.submissions} included={period.included} percent={period.percent} over={plan.holdsOverQuota ? 'held' : 'billed'} />
      <ul class="usage-notes">
        {period.held > 0 && (
          <li class="usage-held">
            <strong>{plural(period.held, 'submission')} held</strong> over the {plan.name} plan's quota: kept, not shown and not announced until the plan is upgraded.
          </li>
        )}
        {period.submissions > period.included && !plan.holdsOverQuota && <li>{plural(period.submissions - period.included, 'submission')} over the included ones, billed as overage.</li>}
        <li class="muted">{plural(period.spam, 'spam submission')} apart, not counted.</li>
      </ul>
    </section>
  );
}

function PeriodAmount({ billing }: { billing: Billing }) {
  const { period } = billing;
  const money = (cents: number) => formatMoney(cents, billing.currency);
  return (
    <section class="card" aria-labelledby="amount-title">
      <h2 id="amount-title" class="small-heading">
        This period's amount
      </h2>
      <div class="amounts">
        <p>
          <span class="amount-label">So far</span>
          <span class="amount-value" data-amount="so-far">
            {money(period.amountCents)}
          </span>
        </p>
        <p>
          <span class="amount-label">Projected by {formatDay(period.end, -1)}</span>
          <span class="amount-value" data-amount="projected">
            {money(period.projectedCents)}
          </span>
        </p>
      </div>
      <p class="hint">At this pace: about {plural(period.projectedSubmissions, 'submission')} this period.</p>
      {period.lines.length === 0 ? (
        <p class="muted">Nothing to pay on the {billing.plan.name} plan.</p>
      ) : (
        <InvoiceLines lines={period.lines} currency={billing.currency} caption="The projected amount, line by line" total={period.projectedCents} />
      )}
    </section>
  );
}

function InvoiceLines({ lines, currency, caption, total }: { lines: Billing['period']['lines']; currency: string; caption: string; total: number }) {
  const money = (cents: number) => formatMoney(cents, currency);
  return (
    <div class="table-wrap">
      <table class="table lines-table">
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Line</th>
            <th scope="col" class="numeric">
              Quantity
            </th>
            <th scope="col" class="numeric">
              Price
            </th>
            <th scope="col" class="numeric">
              Amount
            </th>
          </tr>
        </thead>
        <tbody>
          {lines.map((line) => (
            <tr key={`${line.kind}-${line.description}`} data-line={line.kind}>
              <th scope="row">{line.description}</th>
              <td class="numeric">{formatNumber(line.quantity)}</td>
              <td class="numeric nowrap">{line.kind === 'overage' ? `${money(line.unitCents * 1000)} / 1,000` : money(line.unitCents)}</td>
              <td class="numeric">{money(line.amountCents)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row" colSpan={3}>
              Total
            </th>
            <td class="numeric">{money(total)}</td>
          </tr>
        </tfoot>
      </table>
    </div>
  );
}

function Invoices({ billing }: { billing: Billing }) {
  return (
    <section class="card" aria-labelledby="invoices-title">
      <h2 id="invoices-title">Invoices</h2>
      {billing.invoices.length === 0 ? (
        <p class="empty">No invoices yet.{billing.mode === 'local' ? ' In local billing mode a statement is made for each closed month of a paid plan.' : ''}</p>
      ) : (
        <div class="table-wrap">
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Period</th>
                <th scope="col" class="hide-narrow">
                  Plan
                </th>
                <th scope="col" class="numeric">
                  Total
                </th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span class="visually-hidden">Invoice</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {billing.invoices.map((invoice) => {
                const period = `${formatDay(invoice.periodStart)} – ${formatDay(invoice.periodEnd, -1)}`;
                return (
                  <tr key={invoice.id}>
                    <th scope="row">{period}</th>
                    <td class="hide-narrow">{billing.plans.find((plan) => plan.id === invoice.plan)?.name ?? invoice.plan}</td>
                    <td class="numeric">{formatMoney(invoice.totalCents, invoice.currency || billing.currency)}</td>
                    <td>
                      <span class={`badge badge-invoice-${invoice.status}`}>{INVOICE_STATUS[invoice.status] ?? invoice.status}</span>
                    </td>
                    <td class="row-actions">
                      {invoice.hostedUrl && (
                        <a href={invoice.hostedUrl} target="_blank" rel="noopener noreferrer" aria-label={`Invoice for ${period}`}>
                          View
                        </a>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
