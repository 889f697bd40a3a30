// The plans, from one configuration file (plans.json beside this module, or PLANS_FILE): price,
// included submissions per calendar month, sites and team members allowed, the price of each
// submission over the included ones, and a monthly fee per site. Validated once at boot.
// A plan without an overage price holds what comes past its quota (status `held`) instead of
// billing it; the others keep accepting and bill the overage. A plan with `"offered": false` is
// not on sale (the platform operator's own account, made at first start, is on such a plan).

import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export const DEFAULT_PLANS_FILE = fileURLToPath(new URL('./plans.json', import.meta.url));

const cents = z.number().int().min(0);
const planSchema = z
  .object({
    name: z.string().min(1).max(50),
    priceCents: cents,
    includedSubmissions: z.number().int().min(0),
    /** null: unlimited. */
    sites: z.number().int().min(1).nullable(),
    members: z.number().int().min(1).nullable(),
    /** The price of 1,000 submissions over the included ones; null holds them instead. */
    overageCentsPer1000: cents.nullable(),
    /** A monthly fee for every site of the account. */
    siteFeeCents: cents,
    /** False for a plan owners cannot choose (the platform operator's own account). */
    offered: z.boolean().default(true),
    /** The Stripe prices Checkout subscribes to: the plan, its metered overage, its per-site fee. */
    stripe: z
      .object({ priceId: z.string().min(1), overagePriceId: z.string().min(1).optional(), sitePriceId: z.string().min(1).optional() })
      .strict()
      .optional(),
  })
  .strict();

const plansFileSchema = z
  .object({
    currency: z.string().regex(/^[a-z]{3}$/),
    plans: z.record(z.string().regex(/^[a-z][a-z0-9_-]{0,30}$/), planSchema),
  })
  .strict()
  .refine((file) => file.plans['free'] !== undefined, { message: 'needs a "free" plan (new accounts start on it)', path: ['plans'] })
  .refine((file) => file.plans['free']?.priceCents === 0, { message: 'the free plan must cost nothing', path: ['plans', 'free'] });

export type Plan = z.infer<typeof planSchema> & { id: string };

/** The plan of the account the first start makes for the platform operator (the demo account). */
export const OPERATOR_PLAN = 'operator';

export interface Plans {
  currency: string;
  /** In the file's order. */
  list: readonly Plan[];
  get(id: string): Plan;
  free: Plan;
}

export class PlansError extends Error {
  override name = 'PlansError';
}

export function loadPlans(file = DEFAULT_PLANS_FILE): Readonly<Plans> {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new PlansError(`PLANS_FILE: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = plansFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new PlansError(`PLANS_FILE (${file}) is not valid:\n  ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n  ')}`);
  }
  const list = Object.entries(parsed.data.plans).map(([id, plan]) => Object.freeze({ ...plan, id }));
  const byId = new Map(list.map((plan) => [plan.id, plan]));
  const free = byId.get('free') as Plan;
  return Object.freeze({
    currency: parsed.data.currency,
    list,
    // An account on a plan the file no longer has is treated as free, not as an error.
    get: (id: string) => byId.get(id) ?? free,
    free,
  });
}

/** What a period costs: the plan, a fee per site, and the submissions over the included ones. */
export function priceOf(plan: Plan, usage: { submissions: number; sites: number }): { lines: InvoiceLine[]; totalCents: number } {
  const lines: InvoiceLine[] = [];
  if (plan.priceCents > 0) lines.push({ kind: 'plan', description: `${plan.name} plan`, quantity: 1, unitCents: plan.priceCents, amountCents: plan.priceCents });
  if (plan.siteFeeCents > 0 && usage.sites > 0) {
    lines.push({ kind: 'sites', description: 'Sites', quantity: usage.sites, unitCents: plan.siteFeeCents, amountCents: usage.sites * plan.siteFeeCents });
  }
  const over = Math.max(0, usage.submissions - plan.includedSubmissions);
  if (over > 0 && plan.overageCentsPer1000 !== null) {
    lines.push({
      kind: 'overage',
      description: `Submissions over the included ${plan.includedSubmissions}`,
      quantity: over,
      unitCents: plan.overageCentsPer1000 / 1000,
      amountCents: Math.ceil((over * plan.overageCentsPer1000) / 1000),
    });
  }
  return { lines, totalCents: lines.reduce((sum, line) => sum + line.amountCents, 0) };
}

export interface InvoiceLine {
  kind: 'plan' | 'sites' | 'overage';
  description: string;
  quantity: number;
  /** May be a fraction of a cent (overage). */
  unitCents: number;
  amountCents: number;
}
