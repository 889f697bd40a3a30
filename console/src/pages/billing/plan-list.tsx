// Every plan on offer, side by side: price, included submissions, sites, team members, the price
// of submissions past the quota (or "held" on a plan that holds them) and a fee per site, with a
// button to move to it for owners. "Unlimited" stands for the plans file's null.

import type { Billing, Plan } from '../../api-types.ts';
import { formatMoney, formatNumber } from '../../format.ts';

export interface PlanListProps {
  billing: Billing;
  /** Owners may change the plan; members only compare. */
  owner: boolean;
  /** The plan whose change is on its way (its button says so; the others wait). */
  busyPlan: string | null;
  onChoose(plan: Plan): void;
}

const limit = (value: number | null) => (value === null ? 'Unlimited' : formatNumber(value));

export function PlanList({ billing, owner, busyPlan, onChoose }: PlanListProps) {
  const current = billing.plans.find((plan) => plan.id === billing.subscribedPlan);
  const currentPrice = current?.priceCents ?? billing.plan.priceCents;
  const money = (cents: number) => formatMoney(cents, billing.currency);
  // With Stripe, a subscription is changed (or cancelled, back to free) in the billing portal.
  const throughPortal = billing.mode === 'stripe' && billing.hasSubscription;
  return (
    <>
      <ul class="plan-grid" aria-label="Plans">
        {billing.plans.map((plan) => {
          const isCurrent = plan.id === billing.subscribedPlan;
          const titleId = `plan-${plan.id}`;
          const verb = plan.priceCents > currentPrice ? 'Upgrade' : 'Change';
          // Stripe has nothing to check out for the free plan: leaving a subscription is a cancellation.
          const offered = !(billing.mode === 'stripe' && plan.priceCents === 0 && !throughPortal);
          return (
            <li key={plan.id}>
              <article class={`card plan ${isCurrent ? 'plan-current' : ''}`} aria-labelledby={titleId}>
                <header class="plan-header">
                  <h3 id={titleId}>{plan.name}</h3>
                  {isCurrent && <span class="badge badge-current">Current plan</span>}
                </header>
                <p class="plan-price">
                  <span class="plan-amount">{money(plan.priceCents)}</span> <span class="muted">a month</span>
                </p>
                <dl class="plan-facts">
                  <div>
                    <dt>Submissions a month</dt>
                    <dd>{formatNumber(plan.includedSubmissions)}</dd>
                  </div>
                  <div>
                    <dt>Past the quota</dt>
                    <dd>{plan.overageCentsPer1000 === null ? 'Held until you upgrade' : `${money(plan.overageCentsPer1000)} per 1,000`}</dd>
                  </div>
                  <div>
                    <dt>Sites</dt>
                    <dd>{limit(plan.sites)}</dd>
                  </div>
                  <div>
                    <dt>Team members</dt>
                    <dd>{limit(plan.members)}</dd>
                  </div>
                  <div>
                    <dt>Fee per site</dt>
                    <dd>{plan.siteFeeCents > 0 ? `${money(plan.siteFeeCents)} a month` : 'None'}</dd>
                  </div>
                </dl>
                {owner && !isCurrent && offered && (
                  <button
                    type="button"
                    class={verb === 'Upgrade' ? 'button button-primary button-wide' : 'button button-wide'}
                    aria-label={`${verb} to ${plan.name}`}
                    disabled={busyPlan !== null}
                    onClick={() => onChoose(plan)}
                  >
                    {busyPlan === plan.id ? 'Opening…' : verb}
                  </button>
                )}
              </article>
            </li>
          );
        })}
      </ul>
      {owner && throughPortal && <p class="hint">The subscription is kept by Stripe: a change of plan, or a return to the free plan, opens the billing portal.</p>}
      {owner && billing.mode === 'stripe' && !throughPortal && <p class="hint">An upgrade opens Stripe's secure checkout; the plan changes as soon as Stripe confirms the payment.</p>}
    </>
  );
}
