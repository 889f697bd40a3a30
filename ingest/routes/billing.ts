// Billing for the console: GET /api/billing (plan, usage bar, projected amount, invoices),
// POST /api/billing/checkout {plan} and POST /api/billing/portal (owners), and Stripe's webhook
// POST /v1/stripe/webhook (raw body, signature checked, each event id processed once).

import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Billing } from '../billing/billing.ts';
import { accountOf } from '../http/console-session.ts';
import { parseInput } from '../http/input.ts';

const checkoutInput = z.object({ plan: z.string().min(1).max(40) }).strict();

export function billingRoutes(billing: Billing) {
  const overview: RequestHandler = async (_req, res) => {
    const { accountId } = accountOf(res);
    res.json(await billing.overview(accountId));
  };

  const checkout: RequestHandler = async (req, res) => {
    const actor = accountOf(res);
    const { plan } = parseInput(checkoutInput, req.body);
    res.json(await billing.checkout(actor, plan));
  };

  const portal: RequestHandler = async (_req, res) => {
    const { accountId } = accountOf(res);
    res.json(await billing.portal(accountId));
  };

  /** The body is the raw bytes Stripe signed (express.raw before this handler). */
  const webhook: RequestHandler = async (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    res.json(await billing.handleWebhook(body, req.get('stripe-signature')));
  };

  return { overview, checkout, portal, webhook };
}
