// The Stripe calls Formline makes, through the `stripe` package: customers, Checkout in
// subscription mode, the Customer Portal, Billing Meter events, and webhook signature checks.
// STRIPE_API_BASE points the client at another host (stripe-mock, a stand-in in tests).

import Stripe from 'stripe';
import type { Config } from '../config.ts';
import type { Plan } from './plans.ts';

export interface StripeGateway {
  createCustomer(input: { accountId: string; accountName: string; email: string }): Promise<string>;
  /** A Checkout session subscribing the customer to the plan (with its overage and per-site prices); its URL. */
  createCheckoutSession(input: {
    customerId: string;
    accountId: string;
    plan: Plan;
    sites: number;
    successUrl: string;
    cancelUrl: string;
  }): Promise<string>;
  createPortalSession(customerId: string, returnUrl: string): Promise<string>;
  /** Sets the quantity of the subscription's item for `priceId` (the per-site fee); false when it has none. */
  setSubscriptionQuantity(subscriptionId: string, priceId: string, quantity: number): Promise<boolean>;
  /** One meter event; Stripe ignores a second event with the same identifier. */
  sendMeterEvent(input: { eventName: string; identifier: string; customerId: string; value: number; timestamp: number }): Promise<void>;
  /** The event, if the signature is right and fresh; throws otherwise. */
  verifyWebhook(rawBody: Buffer, signature: string): Stripe.Event;
  readonly webhooksConfigured: boolean;
}

export function stripeGateway(settings: Readonly<Config['stripe']>): StripeGateway | null {
  if (!settings.secretKey) return null;
  const base = settings.apiBase ? new URL(settings.apiBase) : null;
  const stripe = new Stripe(settings.secretKey, {
    maxNetworkRetries: 2,
    timeout: 20_000,
    ...(base
      ? { host: base.hostname, port: base.port || (base.protocol === 'https:' ? 443 : 80), protocol: base.protocol === 'https:' ? 'https' : 'http' }
      : {}),
  });
  const webhookSecret = settings.webhookSecret;
  return {
    webhooksConfigured: webhookSecret !== undefined,

    async createCustomer({ accountId, accountName, email }) {
      const customer = await stripe.customers.create({ email, name: accountName, metadata: { accountId } });
      return customer.id;
    },

    async createCheckoutSession({ customerId, accountId, plan, sites, successUrl, cancelUrl }) {
      if (!plan.stripe) throw new Error(`plan ${plan.id} has no Stripe prices`);
      const lineItems: { price: string; quantity?: number }[] = [{ price: plan.stripe.priceId, quantity: 1 }];
      // Metered prices take no quantity: the meter's events decide it.
      if (plan.stripe.overagePriceId) lineItems.push({ price: plan.stripe.overagePriceId });
      if (plan.stripe.sitePriceId && sites > 0) lineItems.push({ price: plan.stripe.sitePriceId, quantity: sites });
      const session = await stripe.checkout.sessions.create({
        mode: 'subscription',
        customer: customerId,
        client_reference_id: accountId,
        line_items: lineItems,
        metadata: { accountId, plan: plan.id },
        subscription_data: { metadata: { accountId, plan: plan.id } },
        success_url: successUrl,
        cancel_url: cancelUrl,
      });
      if (!session.url) throw new Error('Stripe answered a Checkout session without a URL');
      return session.url;
    },

    async createPortalSession(customerId, returnUrl) {
      const session = await stripe.billingPortal.sessions.create({ customer: customerId, return_url: returnUrl });
      return session.url;
    },

    async setSubscriptionQuantity(subscriptionId, priceId, quantity) {
      const subscription = await stripe.subscriptions.retrieve(subscriptionId);
      const item = subscription.items.data.find((candidate) => candidate.price.id === priceId);
      if (!item) return false;
      if (item.quantity !== quantity) await stripe.subscriptionItems.update(item.id, { quantity, proration_behavior: 'create_prorations' });
      return true;
    },

    async sendMeterEvent({ eventName, identifier, customerId, value, timestamp }) {
      // The identifier doubles as the request's idempotency key: a resend after a lost answer
      // is a replay of the first request, and the meter counts the identifier once anyway.
      await stripe.billing.meterEvents.create(
        { event_name: eventName, identifier, timestamp, payload: { stripe_customer_id: customerId, value: String(value) } },
        { idempotencyKey: identifier },
      );
    },

    verifyWebhook(rawBody, signature) {
      if (!webhookSecret) throw new Error('STRIPE_WEBHOOK_SECRET is not set');
      return stripe.webhooks.constructEvent(rawBody, signature, webhookSecret);
    },
  };
}
