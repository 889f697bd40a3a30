// Billing fixtures shared by the billing suites: a plans file with small quotas (so a test passes
// them with a handful of posts), and Stripe webhook events signed with the real `stripe`
// library, as Stripe sends them.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Stripe from 'stripe';

export const TEST_STRIPE_SECRET_KEY = 'sk_test_formline_0123456789';
export const TEST_WEBHOOK_SECRET = 'whsec_formline_tests_0123456789';

/** Free (holding past `free.includedSubmissions`), starter (small quota, billed overage) and business (a per-site fee). */
export function testPlans(free: { includedSubmissions: number; sites: number; members: number }) {
  return {
    currency: 'usd',
    plans: {
      free: { name: 'Free', priceCents: 0, overageCentsPer1000: null, siteFeeCents: 0, ...free },
      starter: {
        name: 'Starter',
        priceCents: 1000,
        includedSubmissions: 3,
        sites: 5,
        members: 5,
        overageCentsPer1000: 1000,
        siteFeeCents: 0,
        stripe: { priceId: 'price_starter', overagePriceId: 'price_starter_overage' },
      },
      business: {
        name: 'Business',
        priceCents: 15000,
        includedSubmissions: 1000,
        sites: null,
        members: null,
        overageCentsPer1000: 200,
        siteFeeCents: 500,
        stripe: { priceId: 'price_business', overagePriceId: 'price_business_overage', sitePriceId: 'price_business_site' },
      },
    },
  };
}

/** Writes plans to a fresh temporary file (for PLANS_FILE) and returns its path. */
export function writePlansFile(plans: ReturnType<typeof testPlans>): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'formline-plans-')), 'plans.json');
  fs.writeFileSync(file, JSON.stringify(plans));
  return file;
}

const signer = new Stripe(TEST_STRIPE_SECRET_KEY);

/** A Stripe event as Stripe sends it, signed by the real library (optionally at another time, or with another secret). */
export function signedEvent(type: string, object: Record<string, unknown>, options: { id?: string; timestamp?: number; secret?: string } = {}) {
  const payload = JSON.stringify({
    id: options.id ?? `evt_${Math.random().toString(36).slice(2)}`,
    object: 'event',
    api_version: '2026-10-28.endive',
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: { object },
  });
  const signature = signer.webhooks.generateTestHeaderString({
    payload,
    secret: options.secret ?? TEST_WEBHOOK_SECRET,
    ...(options.timestamp ? { timestamp: options.timestamp } : {}),
  });
  return { payload, signature };
}
