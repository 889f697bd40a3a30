// Metering and billing: plans from the plans file, quotas that hold a free account's submissions
// instead of dropping them (and email the owners at 80% and 100%), upgrades through Stripe
// Checkout (a local stand-in of Stripe's API, reached through the real `stripe` client), webhooks
// signed with the real `stripe` library (forged, stale and replayed ones changing nothing),
// overage reported to the Billing Meter exactly once through reruns and crashes, failed payments
// with a grace period, and local billing mode without Stripe keys; on every database.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ParsedMail } from 'mailparser';
import { Billing, periodOf } from '../ingest/billing/billing.ts';
import { stripeGateway, type StripeGateway } from '../ingest/billing/stripe-gateway.ts';
import { loadConfig, type Config } from '../ingest/config.ts';
import { createLogger } from '../ingest/logger.ts';
import { AccountMail } from '../ingest/services/account-mail.ts';
import { startWorker, type Worker } from '../ingest/worker.ts';
import { databaseTargets, type OpenedDatabase } from './helpers/databases.ts';
import { SITE_ORIGIN, VALID_CONTACT, consoleHeaders, seedAccount, signIn, startTestApp, type Seeded, type TestApp } from './helpers/harness.ts';
import { postJson, send, type Answer } from './helpers/http.ts';
import { startMailServer, type MailServer } from './helpers/mail-server.ts';
import { signedEvent, testPlans, TEST_STRIPE_SECRET_KEY, TEST_WEBHOOK_SECRET, writePlansFile } from './helpers/stripe-events.ts';
import { startStripeStandIn, type StripeStandIn } from './helpers/stripe-stand-in.ts';

const PUBLIC_URL = 'http://console.formline.test';
const WEBHOOK_SECRET = TEST_WEBHOOK_SECRET;
const SECRET_KEY = TEST_STRIPE_SECRET_KEY;

/** Small quotas, so a test can pass them with a handful of posts. */
const PLANS = testPlans({ includedSubmissions: 5, sites: 2, members: 2 });

interface BillingPage {
  mode: string;
  banner: string | null;
  plan: { id: string; includedSubmissions: number };
  status: string;
  period: { start: string; submissions: number; included: number; percent: number; held: number; amountCents: number; projectedCents: number; lines: { kind: string; amountCents: number }[] };
  plans: { id: string }[];
  invoices: { periodStart: string; status: string; totalCents: number; lines: { kind: string; quantity: number; amountCents: number }[] }[];
}

for (const target of databaseTargets) {
  describe(`metering and billing on ${target.name}`, () => {
    let opened: OpenedDatabase;
    let stripe: StripeStandIn;
    let mail: MailServer;
    let app: TestApp;
    let config: Readonly<Config>;
    let worker: Worker;
    let plansFile: string;

    const call = (method: string, urlPath: string, cookie: string, body?: unknown, base = app.url): Promise<Answer> =>
      send(`${base}${urlPath}`, { method, headers: consoleHeaders(cookie, base), ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const submit = async (seeded: Seeded, name: string): Promise<string> => {
      const answer = await postJson(app.url, seeded.formId, { ...VALID_CONTACT, name }, { origin: SITE_ORIGIN });
      assert.equal(answer.status, 201, answer.text);
      return (answer.body as { id: string }).id;
    };
    const webhook = (event: { payload: string; signature: string }) =>
      send(`${app.url}/v1/stripe/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': event.signature }, body: event.payload });
    const statusesOf = async (accountId: string) =>
      (await opened.db.query<{ status: string; n: number }>('select status, count(*)::int as n from submissions where account_id = $1 group by status order by status', [accountId])).reduce<Record<string, number>>(
        (all, row) => ({ ...all, [row.status]: row.n }),
        {},
      );
    const billingWith = (gateway: StripeGateway | null) =>
      new Billing(opened.db, config.plans, gateway, new AccountMail(PUBLIC_URL), { publicUrl: PUBLIC_URL, graceDays: 7, meterEventName: 'formline_submissions' });
    const mailTo = async (to: string, subject: RegExp): Promise<ParsedMail> => {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const found = mail.messages.find((m) => !Array.isArray(m.to) && m.to?.text === to && subject.test(m.subject ?? ''));
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no email "${subject}" to ${to}; got ${mail.messages.map((m) => m.subject).join(' | ')}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    };
    const mailsTo = (to: string, subject: RegExp) => mail.messages.filter((m) => !Array.isArray(m.to) && m.to?.text === to && subject.test(m.subject ?? ''));

    before(async () => {
      opened = await target.open();
      stripe = await startStripeStandIn();
      mail = await startMailServer();
      plansFile = writePlansFile(PLANS);
      const env = {
        PUBLIC_URL,
        PLANS_FILE: plansFile,
        STRIPE_SECRET_KEY: SECRET_KEY,
        STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
        STRIPE_API_BASE: stripe.apiBase,
        SMTP_URL: mail.url,
        LOG_LEVEL: 'silent',
        WORKER_POLL_MS: '25',
        BILLING_SWEEP_SECONDS: '3600',
      };
      config = loadConfig(env);
      app = await startTestApp(opened.db, env);
      worker = startWorker({ db: opened.db, config, logger: createLogger('silent') });
    });
    after(async () => {
      await worker?.stop();
      await app?.close();
      await stripe?.close();
      await mail?.stop();
      await opened?.close();
    });

    describe('the quota path, end to end', () => {
      let free: Seeded;
      let cookie: string;

      before(async () => {
        free = await seedAccount(opened.db);
        cookie = await signIn(app.url, free.email, free.password);
      });

      it('emails the owners once at 80% of the included submissions', async () => {
        for (let i = 1; i <= 4; i++) await submit(free, `Visitor ${i}`);
        await billingWith(null).sendQuotaAlerts();
        const message = await mailTo(free.email, /80% of this month's submissions used/);
        assert.match(message.text ?? '', /received 4 of the 5 submissions the Free plan includes/);
        assert.match(message.text ?? '', /new ones are held until you upgrade/);
        assert.equal(await billingWith(null).sendQuotaAlerts(), 0, 'a second sweep sends nothing new');
      });

      it('stores what passes the quota as held: kept and counted, never notified, its values hidden; then the 100% email', async () => {
        const fifth = await submit(free, 'Visitor 5');
        const sixth = await submit(free, 'Visitor 6');
        const seventh = await submit(free, 'Visitor 7');
        assert.deepEqual(await statusesOf(free.accountId), { held: 2, new: 5 });
        const [fifthRow] = await opened.db.query<{ status: string }>('select status from submissions where id = $1', [fifth]);
        assert.equal(fifthRow?.status, 'new');
        const heldJobs = await opened.db.query('select id from jobs where submission_id = any($1::uuid[])', [[sixth, seventh]]);
        assert.equal(heldJobs.length, 0, 'held submissions queue no notification');
        const usage = await opened.db.query<{ n: number }>('select coalesce(sum(accepted), 0)::int as n from usage_daily where account_id = $1', [free.accountId]);
        assert.equal(usage[0]?.n, 7);

        const held = await call('GET', `/api/forms/${free.formId}/submissions?status=held`, cookie);
        const items = (held.body as { items: { id: string; data: unknown; status: string }[] }).items;
        assert.deepEqual(items.map((item) => [item.id, item.data, item.status]).sort(), [[sixth, null, 'held'], [seventh, null, 'held']].sort());
        assert.doesNotMatch(held.text, /Visitor 6|Visitor 7/);
        const detail = await call('GET', `/api/submissions/${sixth}`, cookie);
        assert.equal((detail.body as { data: unknown }).data, null);
        const search = await call('GET', `/api/forms/${free.formId}/submissions?q=Visitor%206`, cookie);
        assert.deepEqual((search.body as { items: unknown[] }).items, []);
        const csv = await send(`${app.url}/api/forms/${free.formId}/submissions.csv`, { headers: { cookie } });
        assert.doesNotMatch(csv.text, /Visitor 6|Visitor 7/);

        const page = (await call('GET', '/api/billing', cookie)).body as BillingPage;
        assert.deepEqual([page.plan.id, page.period.submissions, page.period.included, page.period.percent, page.period.held], ['free', 7, 5, 140, 2]);

        await billingWith(null).sendQuotaAlerts();
        const full = await mailTo(free.email, /100% of this month's submissions used/);
        assert.match(full.text ?? '', /New submissions are kept but held/);
        assert.equal(mailsTo(free.email, /80%/).length, 1);
      });

      it('upgrades through Stripe Checkout; the completed-checkout webhook makes the plan paid and reveals the held submissions', async () => {
        const checkout = await call('POST', '/api/billing/checkout', cookie, { plan: 'starter' });
        assert.equal(checkout.status, 200, checkout.text);
        assert.match((checkout.body as { url: string }).url, /^https:\/\/checkout\.stripe\.com\/c\/pay\/cs_test/);
        const [customerCall] = stripe.calls('/v1/customers');
        assert.equal(customerCall?.authorization, `Bearer ${SECRET_KEY}`);
        assert.equal(customerCall?.params['metadata[accountId]'], free.accountId);
        assert.equal(customerCall?.params['email'], free.email);
        const [account] = await opened.db.query<{ stripe_customer_id: string }>('select stripe_customer_id from accounts where id = $1', [free.accountId]);
        const customerId = account?.stripe_customer_id as string;
        assert.match(customerId, /^cus_test/);
        const session = stripe.calls('/v1/checkout/sessions').at(-1)?.params ?? {};
        assert.deepEqual(
          {
            mode: session['mode'],
            customer: session['customer'],
            plan: session['line_items[0][price]'],
            quantity: session['line_items[0][quantity]'],
            overage: session['line_items[1][price]'],
            overageQuantity: session['line_items[1][quantity]'],
            metadata: session['metadata[plan]'],
            subscriptionMetadata: session['subscription_data[metadata][accountId]'],
            success: session['success_url'],
          },
          {
            mode: 'subscription',
            customer: customerId,
            plan: 'price_starter',
            quantity: '1',
            overage: 'price_starter_overage',
            overageQuantity: undefined,
            metadata: 'starter',
            subscriptionMetadata: free.accountId,
            success: `${PUBLIC_URL}/console/#/billing?checkout=success`,
          },
        );
        // Nothing changes until Stripe says the checkout completed.
        assert.deepEqual(await statusesOf(free.accountId), { held: 2, new: 5 });

        const completed = signedEvent('checkout.session.completed', {
          id: 'cs_test_done',
          object: 'checkout.session',
          mode: 'subscription',
          customer: customerId,
          subscription: 'sub_test_starter',
          client_reference_id: free.accountId,
          metadata: { accountId: free.accountId, plan: 'starter' },
        });
        const answer = await webhook(completed);
        assert.deepEqual([answer.status, answer.body], [200, { received: true, duplicate: false, type: 'checkout.session.completed' }]);
        assert.deepEqual(await statusesOf(free.accountId), { new: 7 });
        const [upgraded] = await opened.db.query<{ plan: string; billing_status: string; stripe_subscription_id: string }>(
          'select plan, billing_status, stripe_subscription_id from accounts where id = $1',
          [free.accountId],
        );
        assert.deepEqual(upgraded, { plan: 'starter', billing_status: 'active', stripe_subscription_id: 'sub_test_starter' });
        const revealed = await call('GET', `/api/forms/${free.formId}/submissions?q=Visitor%206`, cookie);
        assert.equal((revealed.body as { items: { data: { name: string } }[] }).items[0]?.data.name, 'Visitor 6');
        // A paid plan keeps accepting past its quota (and bills the overage).
        await submit(free, 'Visitor 8');
        assert.deepEqual(await statusesOf(free.accountId), { new: 8 });
      });

      it('sends an account that already has a subscription to the portal rather than a second Checkout (409 use_portal)', async () => {
        const sessions = stripe.calls('/v1/checkout/sessions').length;
        const again = await call('POST', '/api/billing/checkout', cookie, { plan: 'business' });
        assert.deepEqual([again.status, again.body], [
          409,
          { error: { code: 'use_portal', message: 'This account has a subscription: change the plan in the billing portal.' } },
        ]);
        assert.equal(stripe.calls('/v1/checkout/sessions').length, sessions);
      });

      it('opens the Customer Portal for the Stripe customer', async () => {
        const portal = await call('POST', '/api/billing/portal', cookie);
        assert.equal(portal.status, 200, portal.text);
        assert.match((portal.body as { url: string }).url, /^https:\/\/billing\.stripe\.com\/p\/session\/bps_test/);
        const request = stripe.calls('/v1/billing_portal/sessions').at(-1);
        assert.match(String(request?.params['customer']), /^cus_test/);
        assert.equal(request?.params['return_url'], `${PUBLIC_URL}/console/#/billing`);
      });
    });

    describe('webhooks', () => {
      let owner: Seeded;
      let customerId: string;

      before(async () => {
        owner = await seedAccount(opened.db);
        customerId = `cus_test_webhooks_${target.name}`;
        await opened.db.query("update accounts set plan = 'starter', billing_status = 'active', stripe_customer_id = $2 where id = $1", [owner.accountId, customerId]);
      });
      const accountState = async () =>
        (await opened.db.query<{ plan: string; billing_status: string; payment_failed_at: Date | null }>('select plan, billing_status, payment_failed_at from accounts where id = $1', [owner.accountId]))[0];
      const subscription = (status: string, plan = 'business') => ({
        id: 'sub_test_hooks',
        object: 'subscription',
        customer: customerId,
        status,
        metadata: { accountId: owner.accountId, plan },
        items: { object: 'list', data: [{ id: 'si_1', object: 'subscription_item', price: { id: `price_${plan}`, object: 'price' } }] },
      });

      it('refuses a forged signature, a stale timestamp and a missing header with 400 and changes nothing', async () => {
        const before = await accountState();
        const forged = signedEvent('customer.subscription.deleted', subscription('canceled'), { secret: 'whsec_not_ours' });
        const stale = signedEvent('customer.subscription.deleted', subscription('canceled'), { timestamp: Math.floor(Date.now() / 1000) - 3600 });
        for (const [what, event] of [['forged', forged], ['stale', stale]] as const) {
          const answer = await webhook(event);
          assert.equal(answer.status, 400, what);
          assert.equal((answer.body as { error: { code: string } }).error.code, 'invalid_signature', what);
        }
        const tampered = { payload: forged.payload.replace('canceled', 'active'), signature: signedEvent('x', {}).signature };
        assert.equal((await webhook(tampered)).status, 400);
        const missing = await send(`${app.url}/v1/stripe/webhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: forged.payload });
        assert.deepEqual([missing.status, (missing.body as { error: { code: string } }).error.code], [400, 'invalid_signature']);
        assert.deepEqual(await accountState(), before);
      });

      it("never binds an account to another Stripe customer from an event's metadata: forged accountId in a signed event changes nothing", async () => {
        const unbound = await seedAccount(opened.db);
        const before = await opened.db.query('select id, plan, billing_status, stripe_customer_id, stripe_subscription_id from accounts where id = any($1::uuid[]) order by id', [[owner.accountId, unbound.accountId]]);
        for (const victim of [owner.accountId, unbound.accountId]) {
          const events = [
            signedEvent('checkout.session.completed', {
              id: 'cs_test_not_ours',
              object: 'checkout.session',
              mode: 'subscription',
              customer: 'cus_test_attacker',
              subscription: 'sub_test_attacker',
              client_reference_id: victim,
              metadata: { accountId: victim, plan: 'business' },
            }),
            signedEvent('customer.subscription.updated', { ...subscription('active', 'business'), id: 'sub_test_attacker', customer: 'cus_test_attacker', metadata: { accountId: victim, plan: 'business' } }),
            signedEvent('customer.subscription.deleted', { ...subscription('canceled'), id: 'sub_test_attacker', customer: 'cus_test_attacker', metadata: { accountId: victim } }),
          ];
          for (const event of events) {
            const answer = await webhook(event);
            assert.equal(answer.status, 200, answer.text);
          }
        }
        const after = await opened.db.query('select id, plan, billing_status, stripe_customer_id, stripe_subscription_id from accounts where id = any($1::uuid[]) order by id', [[owner.accountId, unbound.accountId]]);
        assert.deepEqual(after, before);
        const [bound] = await opened.db.query<{ n: number }>("select count(*)::int as n from accounts where stripe_customer_id = 'cus_test_attacker'");
        assert.equal(bound?.n, 0);
      });

      it('applies a subscription change once; the same event id again is acknowledged and ignored', async () => {
        const upgrade = signedEvent('customer.subscription.updated', subscription('active', 'business'), { id: 'evt_replayed_once' });
        assert.equal((await webhook(upgrade)).status, 200);
        assert.equal((await accountState())?.plan, 'business');
        // The account moves on; a replay of the old event (even freshly signed) must not move it back.
        await opened.db.query("update accounts set plan = 'starter' where id = $1", [owner.accountId]);
        const replay = signedEvent('customer.subscription.updated', subscription('active', 'business'), { id: 'evt_replayed_once' });
        const answer = await webhook(replay);
        assert.deepEqual([answer.status, answer.body], [200, { received: true, duplicate: true, type: 'customer.subscription.updated' }]);
        assert.equal((await accountState())?.plan, 'starter');
        const stored = await opened.db.query<{ n: number }>("select count(*)::int as n from stripe_events where id = 'evt_replayed_once'");
        assert.equal(stored[0]?.n, 1);
      });

      it('warns the owners when a payment fails, restricts to the free limits after the grace period, and lifts it when paid', async () => {
        const invoice = (id: string, extra: Record<string, unknown> = {}) => ({
          id,
          object: 'invoice',
          customer: customerId,
          currency: 'usd',
          amount_due: 1000,
          amount_paid: 0,
          period_start: Math.floor(Date.parse(periodOf(new Date()).start) / 1000),
          period_end: Math.floor(Date.parse(periodOf(new Date()).end) / 1000),
          hosted_invoice_url: `https://invoice.stripe.com/i/${id}`,
          lines: { object: 'list', data: [{ id: 'il_1', object: 'line_item', description: 'Starter plan', quantity: 1, amount: 1000 }] },
          ...extra,
        });
        assert.equal((await webhook(signedEvent('invoice.payment_failed', invoice('in_test_failed')))).status, 200);
        const failing = await accountState();
        assert.equal(failing?.billing_status, 'past_due');
        assert.ok(failing?.payment_failed_at);
        await mailTo(owner.email, /a payment failed/);
        // Within the grace period nothing is restricted.
        assert.deepEqual(await billingWith(null).restrictOverdue(), []);
        await opened.db.query("update accounts set payment_failed_at = now() - interval '8 days' where id = $1", [owner.accountId]);
        assert.deepEqual(await billingWith(null).restrictOverdue(), [owner.accountId]);
        assert.equal((await accountState())?.billing_status, 'restricted');
        // Held to the free plan's 5: past them, submissions are held again.
        for (let i = 0; i < 6; i++) await submit(owner, `During restriction ${i}`);
        assert.equal((await statusesOf(owner.accountId))['held'], 1);

        const paid = await webhook(signedEvent('invoice.paid', invoice('in_test_failed', { amount_paid: 1000 })));
        assert.equal(paid.status, 200);
        const restored = await accountState();
        assert.deepEqual([restored?.billing_status, restored?.payment_failed_at], ['active', null]);
        assert.equal((await statusesOf(owner.accountId))['held'], undefined);
        const cookie = await signIn(app.url, owner.email, owner.password);
        const page = (await call('GET', '/api/billing', cookie)).body as BillingPage;
        assert.deepEqual(
          page.invoices.map((i) => [i.status, i.totalCents]),
          [['paid', 1000]],
        );
      });

      it('moves a cancelled subscription to the free plan', async () => {
        assert.equal((await webhook(signedEvent('customer.subscription.deleted', subscription('canceled', 'starter')))).status, 200);
        const state = await accountState();
        assert.deepEqual([state?.plan, state?.billing_status], ['free', 'canceled']);
      });

      it('acknowledges an event type it does not handle, and a webhook while Stripe is not configured is a clear 400', async () => {
        const other = await webhook(signedEvent('customer.created', { id: 'cus_other', object: 'customer' }));
        assert.deepEqual([other.status, (other.body as { duplicate: boolean }).duplicate], [200, false]);
        const local = await startTestApp(opened.db, { PLANS_FILE: plansFile });
        try {
          const event = signedEvent('customer.created', { id: 'cus_other', object: 'customer' });
          const answer = await send(`${local.url}/v1/stripe/webhook`, { method: 'POST', headers: { 'stripe-signature': event.signature }, body: event.payload });
          assert.deepEqual([answer.status, (answer.body as { error: { code: string } }).error.code], [400, 'webhook_not_configured']);
        } finally {
          await local.close();
        }
      });
    });

    describe('overage on the Billing Meter', () => {
      let paying: Seeded;
      let customerId: string;
      const meterCalls = () => stripe.calls('/v1/billing/meter_events').filter((r) => r.params['payload[stripe_customer_id]'] === customerId);

      before(async () => {
        paying = await seedAccount(opened.db, { plan: 'starter' });
        customerId = `cus_test_meter_${target.name}`;
        await opened.db.query("update accounts set billing_status = 'active', stripe_customer_id = $2 where id = $1", [paying.accountId, customerId]);
        // Other paying accounts' overage (from the tests above) is reported first, so the figures below are this account's.
        await billingWith(stripeGateway(config.stripe)).reportOverage();
      });

      it('reports the submissions over the included ones, in batches, each identifier once however often the reporter runs', async () => {
        for (let i = 0; i < 5; i++) await submit(paying, `Paying ${i}`);
        const reporter = billingWith(stripeGateway(config.stripe));
        assert.deepEqual(await reporter.reportOverage(), { recorded: 1, sent: 1 });
        assert.deepEqual(await reporter.reportOverage(), { recorded: 0, sent: 0 });
        const [first] = meterCalls();
        assert.equal(first?.params['event_name'], 'formline_submissions');
        assert.equal(first?.params['payload[value]'], '2');
        assert.equal(first?.idempotencyKey, first?.params['identifier']);
        assert.equal(stripe.billed().get(customerId), 2);

        for (let i = 5; i < 9; i++) await submit(paying, `Paying ${i}`);
        // Two reporters at once (two workers): the four new ones are reported once between them.
        const results = await Promise.all([billingWith(stripeGateway(config.stripe)).reportOverage(), billingWith(stripeGateway(config.stripe)).reportOverage()]);
        assert.equal(results.reduce((sum, r) => sum + r.sent, 0), 1);
        const identifiers = meterCalls().map((r) => r.params['identifier']);
        assert.equal(new Set(identifiers).size, identifiers.length, 'no identifier sent twice');
        assert.deepEqual(meterCalls().map((r) => r.params['payload[value]']), ['2', '4']);
        assert.equal(stripe.billed().get(customerId), 6);
      });

      it('never bills twice through a crash: before sending, the row waits; after sending, the same identifier is replayed', async () => {
        const real = stripeGateway(config.stripe) as StripeGateway;
        // Crash before Stripe is asked: the report is written but not sent.
        const dies = billingWith({ ...real, sendMeterEvent: async () => Promise.reject(new Error('process killed before the request')) });
        await submit(paying, 'Paying 9');
        await assert.rejects(dies.reportOverage(), /process killed/);
        const [pending] = await opened.db.query<{ identifier: string; value: number; sent_at: Date | null }>(
          'select identifier, value, sent_at from meter_events where account_id = $1 and sent_at is null',
          [paying.accountId],
        );
        assert.deepEqual([pending?.value, pending?.sent_at], [1, null]);
        const before = meterCalls().length;
        // The lease of the dead reporter runs out; a new one sends the row once.
        await opened.db.query('update meter_events set lease_until = now() - interval \'1 second\' where identifier = $1', [pending?.identifier]);
        assert.deepEqual(await billingWith(real).reportOverage(), { recorded: 0, sent: 1 });
        assert.deepEqual(meterCalls().slice(before).map((r) => r.params['identifier']), [pending?.identifier]);

        // Crash after Stripe accepted but before the row was marked sent.
        const forgets = billingWith({
          ...real,
          sendMeterEvent: async (event) => {
            await real.sendMeterEvent(event);
            throw new Error('process killed after the request');
          },
        });
        await submit(paying, 'Paying 10');
        await assert.rejects(forgets.reportOverage(), /process killed/);
        const [unmarked] = await opened.db.query<{ identifier: string }>('select identifier from meter_events where account_id = $1 and sent_at is null', [paying.accountId]);
        await opened.db.query('update meter_events set lease_until = now() - interval \'1 second\' where identifier = $1', [unmarked?.identifier]);
        assert.deepEqual(await billingWith(real).reportOverage(), { recorded: 0, sent: 1 });
        const resent = meterCalls().filter((r) => r.params['identifier'] === unmarked?.identifier);
        assert.equal(resent.length, 2, 'the lost answer makes one resend, with the same identifier and idempotency key');
        assert.deepEqual(new Set(resent.map((r) => r.idempotencyKey)), new Set([unmarked?.identifier]));
        // 8 over the included 3 after 11 submissions: billed 8, once each.
        assert.equal(stripe.billed().get(customerId), 8);
        const [reported] = await opened.db.query<{ n: number }>('select sum(value)::int as n from meter_events where account_id = $1', [paying.accountId]);
        assert.equal(reported?.n, 8);
      });

      it('keeps an unsent report when Stripe fails, and sends it on the next sweep', async () => {
        await submit(paying, 'Paying 11');
        stripe.failNextMeterEvent(500);
        const reporter = billingWith(stripeGateway({ ...config.stripe }));
        // The client retries a 500 itself (maxNetworkRetries) with the same idempotency key.
        await reporter.reportOverage();
        assert.equal(stripe.billed().get(customerId), 9);
        const unsent = await opened.db.query('select identifier from meter_events where account_id = $1 and sent_at is null', [paying.accountId]);
        assert.equal(unsent.length, 0);
      });
    });

    describe('the billing page and plan limits', () => {
      it('shows the plan, this period and a projected amount with its lines, and every plan', async () => {
        const business = await seedAccount(opened.db, { plan: 'business' });
        const cookie = await signIn(app.url, business.email, business.password);
        await call('POST', '/api/sites', cookie, { name: 'Second', domain: 'second.example' });
        const page = (await call('GET', '/api/billing', cookie)).body as BillingPage;
        assert.equal(page.mode, 'stripe');
        assert.equal(page.banner, null);
        assert.deepEqual(page.plans.map((p) => p.id), ['free', 'starter', 'business']);
        assert.deepEqual(page.period.lines.map((l) => [l.kind, l.amountCents]), [
          ['plan', 15000],
          ['sites', 1000],
        ]);
        assert.equal(page.period.projectedCents, 16000);

        // The projection follows the pace: 1,500 submissions in the first half of a month come to 3,000 by its end.
        const billing = billingWith(null);
        await opened.db.query('insert into usage_daily (site_id, account_id, day, accepted) values ($1, $2, $3, 1500)', [business.siteId, business.accountId, '2030-06-03']);
        const mid = await billing.overview(business.accountId, new Date('2030-06-16T00:00:00Z'));
        assert.equal(mid.period.submissions, 1500);
        assert.equal(mid.period.projectedSubmissions, 3000);
        assert.deepEqual(mid.period.lines.map((l) => [l.kind, l.quantity, l.amountCents]), [
          ['plan', 1, 15000],
          ['sites', 2, 1000],
          ['overage', 2000, 400],
        ]);
      });

      it("keeps the per-site quantity of a Stripe subscription equal to the account's sites", async () => {
        const business = await seedAccount(opened.db, { plan: 'business' });
        const subscriptionId = `sub_test_sites_${target.name}`;
        await opened.db.query("update accounts set billing_status = 'active', stripe_customer_id = $2, stripe_subscription_id = $3 where id = $1", [
          business.accountId,
          `cus_test_sites_${target.name}`,
          subscriptionId,
        ]);
        stripe.addSubscription(subscriptionId, `cus_test_sites_${target.name}`, [
          { price: 'price_business', quantity: 1 },
          { price: 'price_business_site', quantity: 1 },
        ]);
        const cookie = await signIn(app.url, business.email, business.password);
        for (const name of ['Two', 'Three']) assert.equal((await call('POST', '/api/sites', cookie, { name, domain: `${name.toLowerCase()}.example` })).status, 201);
        const billing = billingWith(stripeGateway(config.stripe));
        assert.ok((await billing.syncSiteQuantities()) >= 1);
        assert.deepEqual(stripe.subscriptionItems(subscriptionId).map((i) => [i.price, i.quantity]), [
          ['price_business', 1],
          ['price_business_site', 3],
        ]);
        const updates = stripe.requests.filter((r) => r.path.startsWith('/v1/subscription_items/')).length;
        await billing.syncSiteQuantities();
        assert.equal(stripe.requests.filter((r) => r.path.startsWith('/v1/subscription_items/')).length, updates, 'nothing to set the second time');
        const sites = await call('GET', '/api/sites', cookie);
        const doomed = (sites.body as { items: { id: string }[] }).items.at(-1)?.id;
        assert.equal((await call('DELETE', `/api/sites/${doomed}`, cookie)).status, 204);
        await billing.syncSiteQuantities();
        assert.equal(stripe.subscriptionItems(subscriptionId)[1]?.quantity, 2);
      });

      it("refuses a site or a member past the plan's limits with 402 plan_limit", async () => {
        const free = await seedAccount(opened.db);
        const cookie = await signIn(app.url, free.email, free.password);
        assert.equal((await call('POST', '/api/sites', cookie, { name: 'Two', domain: 'two.example' })).status, 201);
        const third = await call('POST', '/api/sites', cookie, { name: 'Three', domain: 'three.example' });
        assert.deepEqual([third.status, third.body], [402, { error: { code: 'plan_limit', message: 'The Free plan allows 2 sites; upgrade to add more.' } }]);
        assert.equal((await call('POST', '/api/invitations', cookie, { email: 'first@example.com' })).status, 201);
        const second = await call('POST', '/api/invitations', cookie, { email: 'second@example.com' });
        assert.deepEqual([second.status, (second.body as { error: { code: string } }).error.code], [402, 'plan_limit']);
      });
    });

    describe('local billing mode (no Stripe keys)', () => {
      let local: TestApp;
      let owner: Seeded;
      let cookie: string;

      before(async () => {
        local = await startTestApp(opened.db, { PUBLIC_URL, PLANS_FILE: plansFile });
        owner = await seedAccount(opened.db);
        cookie = await signIn(local.url, owner.email, owner.password);
      });
      after(async () => {
        await local?.close();
      });

      it('says so on the billing page, changes plan at once on upgrade (revealing held submissions) and has no portal', async () => {
        for (let i = 0; i < 6; i++) {
          const answer = await postJson(local.url, owner.formId, { ...VALID_CONTACT, name: `Local ${i}` }, { origin: SITE_ORIGIN });
          assert.equal(answer.status, 201);
        }
        assert.equal((await statusesOf(owner.accountId))['held'], 1);
        const page = (await call('GET', '/api/billing', cookie, undefined, local.url)).body as BillingPage;
        assert.deepEqual([page.mode, page.banner], [
          'local',
          'Local billing mode: usage and invoices are computed here, and no payment is collected (STRIPE_SECRET_KEY is not set).',
        ]);
        const upgrade = await call('POST', '/api/billing/checkout', cookie, { plan: 'starter' }, local.url);
        assert.deepEqual([upgrade.status, upgrade.body], [200, { url: `${PUBLIC_URL}/console/#/billing?changed=starter`, mode: 'local' }]);
        assert.deepEqual(await statusesOf(owner.accountId), { new: 6 });
        const audit = await call('GET', '/api/audit', cookie, undefined, local.url);
        assert.equal((audit.body as { items: { action: string; target: string }[] }).items[0]?.action, 'plan.change');
        const portal = await call('POST', '/api/billing/portal', cookie, undefined, local.url);
        assert.deepEqual([portal.status, (portal.body as { error: { code: string } }).error.code], [409, 'billing_local_mode']);
        const unknown = await call('POST', '/api/billing/checkout', cookie, { plan: 'platinum' }, local.url);
        assert.deepEqual([unknown.status, (unknown.body as { error: { code: string } }).error.code], [400, 'unknown_plan']);
        assert.equal(stripe.calls('/v1/checkout/sessions').filter((r) => r.params['metadata[accountId]'] === owner.accountId).length, 0);
      });

      it("makes one statement per closed period from the usage: plan, per-site fees and overage", async () => {
        const lastMonth = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() - 1, 10));
        await opened.db.query('insert into usage_daily (site_id, account_id, day, accepted) values ($1, $2, $3, 13)', [owner.siteId, owner.accountId, lastMonth.toISOString().slice(0, 10)]);
        const billing = billingWith(null);
        assert.ok((await billing.closePeriods()) >= 1);
        assert.equal(await billing.closePeriods(), 0, 'once per period');
        const page = (await call('GET', '/api/billing', cookie, undefined, local.url)).body as BillingPage;
        const statement = page.invoices.find((i) => i.periodStart === periodOf(lastMonth).start);
        assert.deepEqual(
          statement && [statement.status, statement.totalCents, statement.lines.map((l) => [l.kind, l.quantity, l.amountCents])],
          ['uncollected', 1010, [['plan', 1, 1000], ['overage', 10, 10]]],
        );
      });

      it("shows the operator every account's plan and billing status", async () => {
        const [admin] = await opened.db.query<{ email: string }>("update users set is_platform_admin = true where id = $1 returning email", [owner.userId]);
        const answer = await call('GET', '/api/admin/accounts', cookie, undefined, local.url);
        assert.equal(admin?.email, owner.email);
        const mine = (answer.body as { items: { id: string; plan: string; billingStatus: string }[] }).items.find((a) => a.id === owner.accountId);
        assert.deepEqual(mine && [mine.plan, mine.billingStatus], ['starter', 'active']);
      });
    });
  });
}
