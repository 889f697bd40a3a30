// A stand-in for the parts of Stripe's API Formline calls, on 127.0.0.1, answering with the
// documented shapes and recording every request: customers, Checkout sessions, billing portal
// sessions, subscriptions and their items, and Billing Meter events. Like Stripe, it replays the first answer to a request that
// repeats an Idempotency-Key, and it bills a meter event identifier once however often it is sent.

import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StripeRequest {
  method: string;
  path: string;
  /** The form-encoded body, decoded (nested keys as Stripe writes them: `payload[value]`). */
  params: Record<string, string>;
  authorization: string;
  idempotencyKey: string | undefined;
}

export interface StripeStandIn {
  apiBase: string;
  requests: StripeRequest[];
  /** Requests to one path. */
  calls(path: string): StripeRequest[];
  /** What the meter bills: each identifier's value once, summed per customer. */
  billed(): Map<string, number>;
  /** The next meter event request fails with this status (once), e.g. 500. */
  failNextMeterEvent(status: number): void;
  /** A subscription Stripe knows, with its items (price and quantity), as Checkout would have made it. */
  addSubscription(id: string, customer: string, items: { price: string; quantity: number }[]): void;
  /** The items of a subscription as they stand now. */
  subscriptionItems(id: string): { id: string; price: string; quantity: number }[];
  close(): Promise<void>;
}

export async function startStripeStandIn(): Promise<StripeStandIn> {
  const requests: StripeRequest[] = [];
  const replies = new Map<string, { status: number; body: unknown }>();
  const meter = new Map<string, { customer: string; value: number }>();
  let failNext: number | undefined;
  const subscriptions = new Map<string, { customer: string; items: { id: string; price: string; quantity: number }[] }>();
  let seq = 0;
  const id = (prefix: string) => `${prefix}_test${String(++seq).padStart(14, '0')}`;

  const answer = (req: http.IncomingMessage, params: Record<string, string>, path: string): { status: number; body: unknown } => {
    const now = Math.floor(Date.now() / 1000);
    if (req.method === 'POST' && path === '/v1/customers') {
      const metadata = Object.fromEntries(Object.entries(params).filter(([k]) => k.startsWith('metadata[')).map(([k, v]) => [k.slice(9, -1), v]));
      return { status: 200, body: { id: id('cus'), object: 'customer', email: params['email'] ?? null, name: params['name'] ?? null, metadata, created: now, livemode: false } };
    }
    if (req.method === 'POST' && path === '/v1/checkout/sessions') {
      const session = id('cs');
      return {
        status: 200,
        body: {
          id: session,
          object: 'checkout.session',
          mode: params['mode'],
          customer: params['customer'] ?? null,
          client_reference_id: params['client_reference_id'] ?? null,
          success_url: params['success_url'],
          cancel_url: params['cancel_url'],
          status: 'open',
          url: `https://checkout.stripe.com/c/pay/${session}`,
          livemode: false,
        },
      };
    }
    if (req.method === 'POST' && path === '/v1/billing_portal/sessions') {
      const session = id('bps');
      return {
        status: 200,
        body: { id: session, object: 'billing_portal.session', customer: params['customer'], return_url: params['return_url'], url: `https://billing.stripe.com/p/session/${session}`, livemode: false },
      };
    }
    if (req.method === 'POST' && path === '/v1/billing/meter_events') {
      if (failNext !== undefined) {
        const status = failNext;
        failNext = undefined;
        return { status, body: { error: { type: 'api_error', message: 'An error occurred with our connection to Stripe.' } } };
      }
      const identifier = params['identifier'] ?? id('mev');
      const customer = params['payload[stripe_customer_id]'] ?? '';
      // Stripe counts an identifier once; a later event with the same one is dropped.
      if (!meter.has(identifier)) meter.set(identifier, { customer, value: Number(params['payload[value]']) });
      return {
        status: 200,
        body: {
          object: 'billing.meter_event',
          created: now,
          event_name: params['event_name'],
          identifier,
          livemode: false,
          payload: { stripe_customer_id: customer, value: params['payload[value]'] },
          timestamp: Number(params['timestamp'] ?? now),
        },
      };
    }
    const subscriptionPath = /^\/v1\/subscriptions\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && subscriptionPath) {
      const subscription = subscriptions.get(subscriptionPath[1] as string);
      if (!subscription) return { status: 404, body: { error: { type: 'invalid_request_error', code: 'resource_missing', message: 'No such subscription' } } };
      return {
        status: 200,
        body: {
          id: subscriptionPath[1],
          object: 'subscription',
          customer: subscription.customer,
          status: 'active',
          items: {
            object: 'list',
            data: subscription.items.map((item) => ({ id: item.id, object: 'subscription_item', quantity: item.quantity, price: { id: item.price, object: 'price' } })),
          },
        },
      };
    }
    const itemPath = /^\/v1\/subscription_items\/([^/]+)$/.exec(path);
    if (req.method === 'POST' && itemPath) {
      const item = [...subscriptions.values()].flatMap((sub) => sub.items).find((candidate) => candidate.id === itemPath[1]);
      if (!item) return { status: 404, body: { error: { type: 'invalid_request_error', code: 'resource_missing', message: 'No such subscription item' } } };
      if (params['quantity'] !== undefined) item.quantity = Number(params['quantity']);
      return { status: 200, body: { id: item.id, object: 'subscription_item', quantity: item.quantity, price: { id: item.price, object: 'price' } } };
    }
    return { status: 404, body: { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${req.method}: ${path}).` } } };
  };

  const server = http.createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://stripe.test');
      const params = Object.fromEntries(new URLSearchParams(raw));
      const idempotencyKey = req.headers['idempotency-key'] as string | undefined;
      requests.push({ method: req.method ?? '', path: url.pathname, params, authorization: String(req.headers.authorization ?? ''), idempotencyKey });
      const replay = idempotencyKey ? replies.get(idempotencyKey) : undefined;
      const reply = replay ?? answer(req, params, url.pathname);
      if (idempotencyKey && !replay && reply.status < 500) replies.set(idempotencyKey, reply);
      res.writeHead(reply.status, { 'content-type': 'application/json', 'request-id': id('req'), ...(replay ? { 'idempotent-replayed': 'true' } : {}) });
      res.end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    apiBase: `http://127.0.0.1:${port}`,
    requests,
    calls: (path) => requests.filter((r) => r.path === path),
    billed() {
      const totals = new Map<string, number>();
      for (const { customer, value } of meter.values()) totals.set(customer, (totals.get(customer) ?? 0) + value);
      return totals;
    },
    failNextMeterEvent(status) {
      failNext = status;
    },
    addSubscription(subscriptionId, customer, items) {
      subscriptions.set(subscriptionId, { customer, items: items.map((item) => ({ ...item, id: id('si') })) });
    },
    subscriptionItems(subscriptionId) {
      return (subscriptions.get(subscriptionId)?.items ?? []).map((item) => ({ ...item }));
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
