// The console's billing in real Chromium, against the real app. Local billing mode: a free
// account past its (tiny) quota sees the bar over 100%, its held submissions counted on the
// billing page and in the inbox (values hidden), a plan limit pointing to the plans; the owner
// upgrades from the billing page and the held submissions show in the inbox; a member sees the
// page without a button; owners are told when the account is restricted, and the platform admin
// sees plan and billing status. Stripe mode, with the local stand-in of Stripe's API: Upgrade
// goes to the Checkout URL Stripe answered, a signed checkout.session.completed changes the plan
// shown, a failed payment shows the banner with the grace period's end, and "Manage billing"
// goes to the portal. No page throws or breaks its CSP; screenshots in
// test/output/console-billing-*.png.
//
// One database only (PostgreSQL when TEST_DATABASE_URL is set): the pages are the same on both,
// and test/billing.test.ts runs the billing itself on each.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { LOCAL_MODE_BANNER, periodOf } from '../ingest/billing/billing.ts';
import { hashPassword } from '../ingest/services/passwords.ts';
import { saveMembership, saveUser } from '../ingest/store/accounts.ts';
import { launchChromium, skipWithoutChromium, waitForCount, watchPage, type PageProblems } from './helpers/browser.ts';
import { databaseTargets, type OpenedDatabase } from './helpers/databases.ts';
import { SITE_ORIGIN, VALID_CONTACT, seedAccount, signIn, startTestApp, type Seeded, type TestApp } from './helpers/harness.ts';
import { postJson, send } from './helpers/http.ts';
import { signedEvent, testPlans, TEST_STRIPE_SECRET_KEY, TEST_WEBHOOK_SECRET, writePlansFile } from './helpers/stripe-events.ts';
import { startStripeStandIn, type StripeStandIn } from './helpers/stripe-stand-in.ts';

const OUTPUT = fileURLToPath(new URL('./output/', import.meta.url));
const PUBLIC_URL = 'http://console.formline.test';
const WEBHOOK_SECRET = TEST_WEBHOOK_SECRET;
const SECRET_KEY = TEST_STRIPE_SECRET_KEY;
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };

/** Tiny quotas, so a handful of posts passes them; one site on the free plan. */
const PLANS = testPlans({ includedSubmissions: 3, sites: 1, members: 3 });

interface Opened {
  context: BrowserContext;
  page: Page;
  problems: PageProblems;
}


function assertClean({ problems }: Opened): void {
  assert.deepEqual(problems.errors, [], 'uncaught errors on the page');
  assert.deepEqual(problems.cspViolations, [], 'Content-Security-Policy violations');
}

/** The whole page, or (`full` false) what the screen shows first. */
async function screenshot(page: Page, name: string, full = true): Promise<void> {
  fs.mkdirSync(OUTPUT, { recursive: true });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(OUTPUT, `console-billing-${name}.png`), fullPage: full });
}

const target = databaseTargets[databaseTargets.length - 1];

describe(`the console's billing in Chromium, on ${target?.name}`, { skip: skipWithoutChromium }, () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  let database: OpenedDatabase;
  let local: TestApp;
  let stripeApp: TestApp;
  let stripe: StripeStandIn;
  let browser: Browser;

  const open = async (app: TestApp, as: { email: string; password: string }, hash: string, viewport = DESKTOP): Promise<Opened> => {
    const context = await browser.newContext({ viewport, locale: 'en-US' });
    cleanups.push(() => context.close());
    const [name, value] = (await signIn(app.url, as.email, as.password)).split('=') as [string, string];
    await context.addCookies([{ name, value, url: app.url }]);
    const page = await context.newPage();
    const problems = await watchPage(page);
    await page.goto(`${app.url}/console/${hash}`);
    return { context, page, problems };
  };
  const heading = (page: Page, name: string) => page.getByRole('heading', { name, level: 1 }).waitFor();
  const settled = (page: Page) => waitForCount(page.locator('.loading'), 0);
  const submit = async (seeded: Seeded, fields: Record<string, unknown>) => {
    const answer = await postJson(local.url, seeded.formId, { ...VALID_CONTACT, ...fields }, { origin: SITE_ORIGIN });
    assert.equal(answer.status, 201, answer.text);
  };
  const webhook = async (event: { payload: string; signature: string }) => {
    const answer = await send(`${stripeApp.url}/v1/stripe/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': event.signature },
      body: event.payload,
    });
    assert.equal(answer.status, 200, answer.text);
  };
  const planCard = (page: Page, name: string) => page.getByRole('list', { name: 'Plans' }).getByRole('article', { name });

  before(async () => {
    assert.ok(target);
    database = await target.open();
    cleanups.push(() => database.close());
    const plansFile = writePlansFile(PLANS);
    cleanups.push(() => fs.rmSync(path.dirname(plansFile), { recursive: true, force: true }));
    local = await startTestApp(database.db, { PUBLIC_URL, PLANS_FILE: plansFile, LOG_LEVEL: 'silent' });
    cleanups.push(() => local.close());
    stripe = await startStripeStandIn();
    cleanups.push(() => stripe.close());
    stripeApp = await startTestApp(database.db, {
      PUBLIC_URL,
      PLANS_FILE: plansFile,
      LOG_LEVEL: 'silent',
      STRIPE_SECRET_KEY: SECRET_KEY,
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_API_BASE: stripe.apiBase,
    });
    cleanups.push(() => stripeApp.close());
    browser = await launchChromium();
    cleanups.push(() => browser.close());
  });
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('local billing: a free account over its quota sees the bar past 100%, the held count and the banner; a plan limit points to the plans; the owner upgrades and the held submissions show in the inbox; a member sees no button', async () => {
    const owner = await seedAccount(database.db);
    const member = { email: `billing-member-${Date.now()}@example.com`, password: 'member password 1' };
    const memberUser = await saveUser(database.db, { email: member.email, passwordHash: await hashPassword(member.password), emailVerified: true });
    await saveMembership(database.db, { accountId: owner.accountId, userId: memberUser.id, role: 'member' });
    // Five against a quota of three: the fourth and fifth are held. One spam, counted apart.
    for (let i = 1; i <= 5; i++) await submit(owner, { name: `Visitor ${i}` });
    await submit(owner, { name: 'Bot', _gotcha: 'filled' });

    const opened = await open(local, owner, '#/billing');
    const { page } = opened;
    await heading(page, 'Billing');
    await settled(page);
    assert.equal(await page.getByRole('note').textContent(), LOCAL_MODE_BANNER);
    const current = page.getByRole('region', { name: 'Current plan' });
    assert.match((await current.textContent()) ?? '', /Free\s*No subscription/);
    const usage = page.getByRole('region', { name: 'Submissions this period' });
    assert.match((await usage.locator('.usage-figures').textContent()) ?? '', /^5 of 3 included 167%$/);
    const bar = usage.getByRole('img', { name: '5 of 3 included submissions used (167%)' });
    assert.equal(await bar.getAttribute('data-percent'), '167');
    // Past the quota: a held part beyond the mark, 2/5 of the bar.
    assert.equal(await bar.locator('rect.usage-bar-held').getAttribute('width'), '40');
    assert.match((await usage.locator('.usage-held').textContent()) ?? '', /^2 submissions held over the Free plan's quota/);
    await usage.getByText('1 spam submission apart, not counted.').waitFor();
    const amount = page.getByRole('region', { name: "This period's amount" });
    assert.equal(await amount.locator('[data-amount="so-far"]').textContent(), '$0.00');
    // Every plan to compare, "unlimited" for null; money in the plans' currency.
    const facts = async (name: string) => (await planCard(page, name).locator('dd').allTextContents()).join(' | ');
    assert.equal(await facts('Free'), '3 | Held until you upgrade | 1 | 3 | None');
    assert.equal(await facts('Starter'), '3 | $10.00 per 1,000 | 5 | 5 | None');
    assert.equal(await facts('Business'), '1,000 | $2.00 per 1,000 | Unlimited | Unlimited | $5.00 a month');
    await planCard(page, 'Free').getByText('Current plan').waitFor();
    assert.equal(await planCard(page, 'Free').getByRole('button').count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Manage billing' }).count(), 0, 'no portal in local mode');
    await page.getByRole('region', { name: 'Invoices' }).getByText('No invoices yet.').waitFor();
    await screenshot(page, 'local-desktop');

    // A second site is past the free plan's one: the 402 says so and leads to the plans.
    await page.goto(`${local.url}/console/#/sites`);
    const addSite = page.getByRole('region', { name: 'Add a site' });
    await addSite.getByLabel('Name').fill('Second shop');
    await addSite.getByLabel('Domain').fill('second.example');
    await addSite.getByRole('button', { name: 'Add site' }).click();
    const refused = addSite.getByRole('alert');
    await refused.filter({ hasText: 'The Free plan allows 1 site; upgrade to add more.' }).waitFor();
    await refused.getByRole('link', { name: 'See the plans' }).click();
    await heading(page, 'Billing');

    // The inbox: the held ones say so instead of their values, the notice counts them.
    await page.goto(`${local.url}/console/#/forms/${owner.formId}`);
    const rows = page.locator('.inbox-table tbody tr');
    await waitForCount(rows, 5);
    const heldRows = rows.filter({ hasText: "Held over the plan's quota — upgrade to see it" });
    assert.equal(await heldRows.count(), 2);
    for (const text of await heldRows.allTextContents()) assert.doesNotMatch(text, /Visitor|Ada|example\.com/);
    const notice = page.getByRole('region', { name: 'Held submissions' });
    assert.match((await notice.textContent()) ?? '', /2 submissions held over the Free plan's quota/);
    await notice.getByRole('link', { name: 'Show held' }).click();
    await waitForCount(rows, 2);
    assert.equal(await page.getByLabel('Status', { exact: true }).inputValue(), 'held');
    await rows.first().getByRole('link').first().click();
    const detail = page.getByRole('region', { name: /^Submission(?!s)/ });
    await detail.getByText("upgrading the plan releases it with its values").waitFor();
    assert.equal(await detail.getByRole('button', { name: /Mark/ }).count(), 0, 'a held submission cannot be marked');
    await screenshot(page, 'inbox-held');

    // A member compares the plans and sees no button at all.
    const asMember = await open(local, member, '#/billing');
    await heading(asMember.page, 'Billing');
    await settled(asMember.page);
    await planCard(asMember.page, 'Starter').waitFor();
    assert.equal(await asMember.page.getByRole('main').getByRole('button').count(), 0);
    assertClean(asMember);

    // The owner upgrades: the plan changes at once (local mode) and the held ones are released.
    await page.goto(`${local.url}/console/#/billing`);
    await settled(page);
    const phone = await open(local, owner, '#/billing', PHONE);
    await heading(phone.page, 'Billing');
    await settled(phone.page);
    assert.ok(await phone.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'the billing page scrolls sideways on a phone');
    await screenshot(phone.page, 'local-phone');
    assertClean(phone);
    await planCard(page, 'Starter').getByRole('button', { name: 'Upgrade to Starter' }).click();
    await page.getByRole('status').filter({ hasText: 'You are now on the Starter plan. 2 held submissions are now in the inbox.' }).waitFor();
    assert.match(page.url(), /#\/billing\?changed=starter$/);
    assert.deepEqual(await database.db.query('select plan, billing_status from accounts where id = $1', [owner.accountId]), [{ plan: 'starter', billing_status: 'active' }]);
    assert.match((await current.textContent()) ?? '', /Starter\s*Active/);
    await planCard(page, 'Starter').getByText('Current plan').waitFor();
    assert.equal(await usage.locator('.usage-held').count(), 0);
    await usage.getByText('2 submissions over the included ones, billed as overage.').waitFor();
    assert.equal(await amount.locator('[data-amount="so-far"]').textContent(), '$10.02');
    assert.deepEqual(await amount.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-line'))), ['plan', 'overage']);
    assert.equal(await amount.locator('tbody tr[data-line="plan"]').textContent(), 'Starter plan1$10.00$10.00');

    await page.goto(`${local.url}/console/#/forms/${owner.formId}`);
    await waitForCount(rows, 5);
    assert.equal(await rows.filter({ hasText: 'Held over' }).count(), 0);
    for (const name of ['Visitor 4', 'Visitor 5']) await rows.filter({ hasText: name }).waitFor();
    assert.equal(await page.getByRole('region', { name: 'Held submissions' }).count(), 0);

    // Restricted after a failed payment's grace period: owners are told on every page, members not.
    await database.db.query("update accounts set billing_status = 'restricted', payment_failed_at = now() - interval '9 days' where id = $1", [owner.accountId]);
    await page.goto(`${local.url}/console/#/forms`);
    await page.reload();
    const banner = page.getByRole('region', { name: 'Billing' });
    await banner.getByText("this account is held to the free plan's limits").waitFor();
    await screenshot(page, 'banner-restricted', false);
    await banner.getByRole('link', { name: 'Go to billing' }).click();
    await heading(page, 'Billing');
    assert.match((await current.textContent()) ?? '', /Restricted/);
    await asMember.page.goto(`${local.url}/console/#/forms`);
    await asMember.page.reload();
    await heading(asMember.page, 'Forms');
    await settled(asMember.page);
    assert.equal(await asMember.page.getByRole('region', { name: 'Billing' }).count(), 0);

    // The platform admin sees each account's plan and billing status.
    await database.db.query('update users set is_platform_admin = true where id = $1', [owner.userId]);
    await page.goto(`${local.url}/console/#/admin`);
    await page.reload();
    const [{ name: accountName } = { name: '' }] = await database.db.query<{ name: string }>('select name from accounts where id = $1', [owner.accountId]);
    await page.getByLabel('Filter by name, plan or billing status').fill(accountName);
    const row = page.getByRole('row', { name: new RegExp(`^${accountName} `) });
    await row.waitFor();
    assert.equal(await row.locator('td').first().textContent(), 'starter');
    assert.equal(await row.locator('.badge').textContent(), 'Restricted');
    await screenshot(page, 'admin', false);
    assertClean(opened);
  });

  it('stripe billing: Upgrade goes to the Checkout URL Stripe answered; a signed checkout.session.completed changes the plan shown; a failed payment shows the banner; Manage billing goes to the portal', async () => {
    const owner = await seedAccount(database.db);
    const opened = await open(stripeApp, owner, '#/billing');
    const { page } = opened;
    await heading(page, 'Billing');
    await settled(page);
    assert.equal(await page.getByRole('note').count(), 0, 'no local-mode banner');
    assert.equal(await page.getByRole('button', { name: 'Manage billing' }).count(), 0, 'no subscription yet');

    // Checkout is Stripe's page (unreachable here): the navigation is caught and its URL checked.
    const checkoutUrls: string[] = [];
    await page.route('https://checkout.stripe.com/**', (route) => {
      checkoutUrls.push(route.request().url());
      return route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>Checkout</title>' });
    });
    await planCard(page, 'Starter').getByRole('button', { name: 'Upgrade to Starter' }).click();
    await page.waitForURL(/^https:\/\/checkout\.stripe\.com\//);
    const sessions = stripe.calls('/v1/checkout/sessions');
    assert.equal(sessions.length, 1);
    const session = sessions[0]?.params ?? {};
    assert.deepEqual(
      [session['mode'], session['metadata[plan]'], session['client_reference_id'], session['success_url'], session['cancel_url']],
      ['subscription', 'starter', owner.accountId, `${PUBLIC_URL}/console/#/billing?checkout=success`, `${PUBLIC_URL}/console/#/billing?checkout=cancelled`],
    );
    assert.equal(checkoutUrls.length, 1);
    assert.match(page.url(), /^https:\/\/checkout\.stripe\.com\/c\/pay\/cs_test\d{14}$/);
    assert.equal(page.url(), checkoutUrls[0]);
    // Nothing changes until Stripe says so.
    assert.equal((await database.db.query<{ plan: string }>('select plan from accounts where id = $1', [owner.accountId]))[0]?.plan, 'free');

    const [{ stripe_customer_id: customer } = { stripe_customer_id: '' }] = await database.db.query<{ stripe_customer_id: string }>(
      'select stripe_customer_id from accounts where id = $1',
      [owner.accountId],
    );
    assert.equal(session['customer'], customer);
    await webhook(
      signedEvent('checkout.session.completed', {
        id: 'cs_console_done',
        object: 'checkout.session',
        mode: 'subscription',
        customer,
        subscription: 'sub_console_starter',
        client_reference_id: owner.accountId,
        metadata: { accountId: owner.accountId, plan: 'starter' },
      }),
    );
    const period = periodOf(new Date());
    const invoice = (id: string, extra: Record<string, unknown>) => ({
      id,
      object: 'invoice',
      customer,
      currency: 'usd',
      amount_due: 1000,
      amount_paid: 0,
      period_start: Math.floor(Date.parse(period.start) / 1000),
      period_end: Math.floor(Date.parse(period.end) / 1000),
      hosted_invoice_url: `https://invoice.stripe.com/i/${id}`,
      lines: { object: 'list', data: [{ id: 'il_1', object: 'line_item', description: 'Starter plan', quantity: 1, amount: 1000 }] },
      ...extra,
    });
    await webhook(signedEvent('invoice.paid', invoice('in_console_paid', { amount_paid: 1000 })));

    // Back from Checkout: the new plan, the invoice, and the portal.
    await page.goto(`${stripeApp.url}/console/#/billing?checkout=success`);
    await heading(page, 'Billing');
    await settled(page);
    await page.getByRole('status').filter({ hasText: 'Thank you: the payment is set up and you are on the Starter plan.' }).waitFor();
    const current = page.getByRole('region', { name: 'Current plan' });
    assert.match((await current.textContent()) ?? '', /Starter\s*Active/);
    await planCard(page, 'Starter').getByText('Current plan').waitFor();
    const invoices = page.getByRole('region', { name: 'Invoices' });
    const paid = invoices.locator('tbody tr');
    await waitForCount(paid, 1);
    assert.match((await paid.textContent()) ?? '', /\$10\.00\s*Paid/);
    assert.equal(await paid.getByRole('link').getAttribute('href'), 'https://invoice.stripe.com/i/in_console_paid');
    await page.getByRole('button', { name: 'Manage billing' }).waitFor();
    await screenshot(page, 'stripe-desktop');
    const phone = await open(stripeApp, owner, '#/billing', PHONE);
    await heading(phone.page, 'Billing');
    await settled(phone.page);
    assert.ok(await phone.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'the billing page scrolls sideways on a phone');
    await screenshot(phone.page, 'stripe-phone');
    assertClean(phone);

    // A failed payment: owners are asked to update the card before the grace period ends.
    await webhook(signedEvent('invoice.payment_failed', invoice('in_console_failed', {})));
    await page.goto(`${stripeApp.url}/console/#/forms`);
    await page.reload();
    const banner = page.getByRole('region', { name: 'Billing' });
    await banner.getByText('The last payment failed.').waitFor();
    // The date comes with the billing figures, a moment after the banner itself.
    await banner.getByText(/Update the card by .+; after that this account is held to the free plan's limits\./).waitFor();
    await screenshot(page, 'banner-past-due', false);
    await banner.getByRole('link', { name: 'Update the card' }).click();
    await heading(page, 'Billing');
    await settled(page);
    assert.match((await current.textContent()) ?? '', /Payment failed/);

    const portalUrls: string[] = [];
    await page.route('https://billing.stripe.com/**', (route) => {
      portalUrls.push(route.request().url());
      return route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>Portal</title>' });
    });
    await page.getByRole('button', { name: 'Manage billing' }).click();
    await page.waitForURL(/^https:\/\/billing\.stripe\.com\//);
    assert.match(page.url(), /^https:\/\/billing\.stripe\.com\/p\/session\/bps_test\d{14}$/);
    assert.deepEqual(portalUrls, [page.url()]);
    const portal = stripe.calls('/v1/billing_portal/sessions');
    assert.deepEqual([portal.length, portal[0]?.params['customer'], portal[0]?.params['return_url']], [1, customer, `${PUBLIC_URL}/console/#/billing`]);
    assertClean(opened);
  });
});
