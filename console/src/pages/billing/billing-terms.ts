// How billing states read in the console (the billing page, the admin page, the payment banner).

import type { Billing, BillingStatus, Invoice } from '../../api-types.ts';

export const BILLING_STATUS: Record<BillingStatus, string> = {
  none: 'No subscription',
  active: 'Active',
  trialing: 'Trial',
  past_due: 'Payment failed',
  restricted: 'Restricted',
  canceled: 'Canceled',
};

export const INVOICE_STATUS: Record<Invoice['status'], string> = {
  open: 'Open',
  paid: 'Paid',
  payment_failed: 'Payment failed',
  uncollected: 'Not collected (local billing)',
  void: 'Void',
};

/** When a failed payment's grace period ends (the account is then held to the free plan's limits). */
export function graceEnd(billing: Pick<Billing, 'paymentFailedAt' | 'graceDays'>): string | null {
  if (!billing.paymentFailedAt) return null;
  const failed = Date.parse(billing.paymentFailedAt);
  return Number.isNaN(failed) ? null : new Date(failed + billing.graceDays * 86_400_000).toISOString();
}
