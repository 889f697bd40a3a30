// The console in real Chromium, against the real app and database: an owner signs in, creates a
// site and a form in the editor (the embed's own preview follows every change), pastes the copied
// snippet into a page of that site, and finds the visitor's submission in the inbox, searches it,
// files it as spam and exports CSV and JSON that match the database row for row. Values holding
// HTML show as text and run nothing; a member sees no owner-only control and the API refuses them
// when forced. No console page may throw or break its Content-Security-Policy. Screenshots of
// every page are kept under test/output/console-*.png.
//
// The snippet names the service by its PUBLIC_URL (http://console.formline.test); Chromium
// resolves that host to the test app, so the page loads the script exactly as a site would.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { MIN_FILL_SECONDS } from '../ingest/services/time-trap.ts';
import { hashPassword } from '../ingest/services/passwords.ts';
import { saveMembership, saveUser } from '../ingest/store/accounts.ts';
import { csvCounter, jsonCounter, type RecordCounter } from '../console/src/pages/inbox/export-download.ts';
import { launchChromium, skipWithoutChromium, waitForCount, watchPage, type PageProblems } from './helpers/browser.ts';
import { databaseTargets, type OpenedDatabase } from './helpers/databases.ts';
import { seedAccount, signIn, startTestApp, type Seeded, type TestApp } from './helpers/harness.ts';
import { postJson } from './helpers/http.ts';
import { freePort } from './helpers/ports.ts';

const OUTPUT = fileURLToPath(new URL('./output/', import.meta.url));
const PUBLIC_HOST = 'console.formline.test';
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };

interface Opened {
  context: BrowserContext;
  page: Page;
  problems: PageProblems;
  /** Every alert/confirm/prompt the page tried to open. */
  dialogs: string[];
}

type SubmissionRow = {
  id: string;
  status: string;
  created_at: Date | string;
  data: Record<string, unknown>;
};

/** Whether this run keeps screenshots (the first database's: the pages are the same on both). */
let keepScreenshots = true;

/** A screenshot of the whole page, or (`full: false`) of what a 1280x800 screen shows first. */
async function screenshot(page: Page, name: string, { full = true } = {}): Promise<void> {
  if (!keepScreenshots) return;
  fs.mkdirSync(OUTPUT, { recursive: true });
  // From the top, so sticky parts (header, preview, save bar) sit where a person sees them.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(OUTPUT, `console-${name}.png`), fullPage: full });
}

function assertClean({ problems, dialogs }: Opened): void {
  assert.deepEqual(problems.errors, [], 'uncaught errors on the page');
  assert.deepEqual(problems.cspViolations, [], 'Content-Security-Policy violations');
  assert.deepEqual(dialogs, [], 'dialogs opened');
}

/** Waits until the locator matches exactly `count` elements. */

/** Every control of the page has a name a screen reader can say: a label, or aria-label for buttons. */
async function assertNamed(page: Page, where: string): Promise<void> {
  // (No named helpers inside: the page gets this function's source alone.)
  const unnamed = await page.evaluate(() => {
    const controls = Array.from(document.querySelectorAll<HTMLInputElement>('input, select, textarea'))
      .filter((c) => c.type !== 'hidden' && c.getClientRects().length > 0)
      .filter((c) => !c.getAttribute('aria-label') && !Array.from(c.labels ?? []).some((label) => label.textContent?.trim()))
      .map((c) => `${c.tagName.toLowerCase()}[name=${c.name}]`);
    const buttons = Array.from(document.querySelectorAll('button, a[href]'))
      .filter((b) => b.getClientRects().length > 0 && !b.textContent?.trim() && !b.getAttribute('aria-label'))
      .map((b) => b.outerHTML.slice(0, 80));
    return [...controls, ...buttons];
  });
  assert.deepEqual(unnamed, [], `controls without a name on ${where}`);
}

/** The error text an input points to (the last element of its aria-describedby). */
async function errorTextOf(control: Locator): Promise<string> {
  const ids = (await control.getAttribute('aria-describedby')) ?? '';
  const id = ids.split(' ').filter(Boolean).pop();
  return id ? ((await control.page().locator(`[id="${id}"]`).textContent()) ?? '') : '';
}

/** Waits until `read` gives `expected` (a redraw is a frame away), then asserts it. */
async function eventually<T>(read: () => Promise<T>, expected: T, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let seen = await read();
  while (!isDeepStrictEqual(seen, expected) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    seen = await read();
  }
  assert.deepEqual(seen, expected);
}

/** A cell as the export must write it: lists joined, a formula neutralised with a leading quote. */
function expectedCell(value: unknown): string {
  const text =
    value === undefined || value === null ? '' : Array.isArray(value) ? value.map(String).join('; ') : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

const iso = (value: Date | string) => new Date(value).toISOString();

describe("the export's progress counts records as they stream", () => {
  /** Feeds the text in pieces of `size` characters, as a network would cut it. */
  const countIn = (counter: RecordCounter, text: string, size: number) => {
    for (let at = 0; at < text.length; at += size) counter.push(text.slice(at, at + size));
    return counter.count;
  };

  it('CSV: rows, not lines (a quoted value may hold newlines, commas and doubled quotes), the header left out', () => {
    const csv = 'id,status,message\n1,new,"two\nlines, and ""quotes"""\n2,read,plain\n3,new,"""\n"""\n';
    for (const size of [1, 2, 5, csv.length]) assert.equal(countIn(csvCounter(), csv, size), 3, `in pieces of ${size}`);
    assert.equal(countIn(csvCounter(), 'id,status\n', 4), 0);
  });

  it('JSON: the objects of the top-level array (braces inside strings and nested objects do not count)', () => {
    const json = JSON.stringify([
      { id: 'a', data: { note: '} { [ ] \\" tricky', nested: { deep: [{ x: 1 }] } } },
      { id: 'b', data: {} },
    ]);
    for (const size of [1, 3, json.length]) assert.equal(countIn(jsonCounter(), json, size), 2, `in pieces of ${size}`);
    assert.equal(countIn(jsonCounter(), '[]', 1), 0);
  });
});

for (const target of databaseTargets) {
  describe(`the console in Chromium, against the service on ${target.name}`, { skip: skipWithoutChromium }, () => {
    const cleanups: (() => Promise<void> | void)[] = [];
    let database: OpenedDatabase;
    let app: TestApp;
    let browser: Browser;
    let owner: Seeded;
    let sitePort: number;
    let siteOrigin: string;
    /** What the owner's own site serves at / (the page the snippet is pasted into). */
    let sitePage = '<!doctype html><title>empty</title>';
    let consoleUrl: string;

    const rowsOf = (formId: string, where = "status <> 'spam'") =>
      app.db.query<SubmissionRow>(`select id, status, created_at, data from submissions where form_id = $1 and ${where} order by created_at desc, id desc`, [formId]);

    /** A fresh browser context on the console; signed in (by cookie) when credentials are given. */
    const open = async (options: { as?: { email: string; password: string }; hash?: string; viewport?: { width: number; height: number } } = {}): Promise<Opened> => {
      const context = await browser.newContext({ viewport: options.viewport ?? DESKTOP });
      cleanups.push(() => context.close());
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.url });
      if (options.as) {
        const [name, value] = (await signIn(app.url, options.as.email, options.as.password)).split('=') as [string, string];
        await context.addCookies([{ name, value, url: app.url }]);
      }
      const page = await context.newPage();
      const problems = await watchPage(page);
      const dialogs: string[] = [];
      page.on('dialog', (dialog) => {
        dialogs.push(`${dialog.type()}: ${dialog.message()}`);
        void dialog.dismiss();
      });
      await page.goto(`${consoleUrl}${options.hash ?? ''}`);
      return { context, page, problems, dialogs };
    };

    const heading = (page: Page, name: string) => page.getByRole('heading', { name, level: 1 }).waitFor();
    /** The page has loaded what it shows (no loading indicator left). */
    const settled = (page: Page) => waitForCount(page.locator('.loading'), 0);

    before(async () => {
      keepScreenshots = target === databaseTargets[0];
      database = await target.open();
      cleanups.push(() => database.close());
      app = await startTestApp(database.db, { PUBLIC_URL: `http://${PUBLIC_HOST}` });
      cleanups.push(() => app.close());
      consoleUrl = `${app.url}/console/`;
      owner = await seedAccount(app.db);

      sitePort = await freePort();
      siteOrigin = `http://127.0.0.1:${sitePort}`;
      const site = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(sitePage));
      await new Promise<void>((resolve) => site.listen(sitePort, '127.0.0.1', resolve));
      cleanups.push(() => new Promise<void>((resolve) => site.close(() => resolve())));

      const port = new URL(app.url).port;
      // The service's public host name resolves to the test app.
      browser = await launchChromium([`--host-resolver-rules=MAP ${PUBLIC_HOST} 127.0.0.1:${port}`]);
      cleanups.push(() => browser.close());
    });
    after(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup();
    });

    let formId = '';
    let visitorName = '';

    it('an owner signs in, creates a site and a form in the editor (the preview follows), pastes the copied snippet into a page, and finds, searches, files as spam and exports the submission', async () => {
      const opened = await open();
      const { page } = opened;

      // Signed out: the console sends the owner to sign in.
      await heading(page, 'Sign in');
      assert.match(page.url(), /#\/signin/);
      await screenshot(page, 'sign-in');
      await page.getByLabel('Password').fill('not the password');
      await page.getByLabel('Email').fill(owner.email);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').filter({ hasText: /./ }).waitFor();
      await page.getByLabel('Password').fill(owner.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await heading(page, 'Forms');
      const nav = page.getByRole('navigation', { name: 'Console' });

      // A site whose allowed origin is the page the snippet will be pasted into.
      await nav.getByRole('link', { name: 'Sites' }).click();
      const addSite = page.getByRole('region', { name: 'Add a site' });
      await addSite.getByLabel('Name').fill('Bakery');
      await addSite.getByLabel('Domain').fill(`127.0.0.1:${sitePort}`);
      await addSite.getByLabel('Allowed origins').fill(siteOrigin);
      await addSite.getByRole('button', { name: 'Add site' }).click();
      const bakery = page.getByRole('article', { name: 'Bakery' });
      await bakery.waitFor();
      assert.equal(await bakery.getByLabel('Allowed origins').inputValue(), siteOrigin);
      // Its origins edited, one per line.
      await bakery.getByLabel('Allowed origins').fill(`${siteOrigin}\nhttps://bakery.example/`);
      await bakery.getByRole('button', { name: 'Save' }).click();
      await bakery.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
      assert.deepEqual(
        (await app.db.query<{ allowed_origins: string[] }>("select allowed_origins from sites where name = 'Bakery' and account_id = $1", [owner.accountId]))[0]?.allowed_origins,
        [siteOrigin, 'https://bakery.example'],
      );

      // A form on it, opened in the editor with the starter fields drawn in the preview.
      await nav.getByRole('link', { name: 'Forms' }).click();
      const newForm = page.getByRole('region', { name: 'New form' });
      await newForm.getByLabel('Site').selectOption({ label: 'Bakery' });
      await newForm.getByLabel('Form name').fill('Cake orders');
      await newForm.getByRole('button', { name: 'Create and edit' }).click();
      await heading(page, 'Cake orders');
      formId = /#\/forms\/(f_[A-Za-z0-9_-]+)\/edit/.exec(page.url())?.[1] ?? '';
      assert.ok(formId, page.url());
      const preview = page.locator('[data-preview]');
      const previewNames = () =>
        preview.locator('input, select, textarea').evaluateAll((controls) =>
          (controls as HTMLInputElement[]).map((c) => c.name).filter((name, i, all) => name && !name.startsWith('_') && all.indexOf(name) === i),
        );
      await preview.getByLabel('Your name').waitFor();
      await eventually(previewNames, ['name', 'email', 'message']);

      // Two fields added; the preview shows each change as it is typed.
      const cards = page.locator('.field-card');
      await page.getByRole('button', { name: '+ Add field' }).click();
      const size = cards.nth(3);
      await size.getByLabel('Name').fill('size');
      await size.getByLabel('Type').selectOption('select');
      await size.getByLabel('Label').fill('Cake size');
      await size.getByLabel('Options').fill('Small\nLarge');
      await size.getByLabel('Required').check();
      await preview.getByLabel('Cake size').waitFor();
      await eventually(() => preview.getByLabel('Cake size').locator('option').allTextContents(), ['Choose…', 'Small', 'Large']);
      await eventually(() => preview.getByLabel('Cake size').getAttribute('required'), '');
      await page.getByRole('button', { name: '+ Add field' }).click();
      const phone = cards.nth(4);
      await phone.getByLabel('Type').selectOption('tel');
      await phone.getByLabel('Label').fill('Phone number');
      await phone.getByLabel('Name').fill('9phone');
      await preview.getByLabel('Phone number').waitFor();
      await page.getByRole('button', { name: 'Move Phone number up' }).click();
      await eventually(previewNames, ['name', 'email', 'message', '9phone', 'size']);
      // The focus stays on the button that moved the field.
      await eventually(() => page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Move Phone number up');
      // A hidden field, then removed again.
      await page.getByRole('button', { name: '+ Add field' }).click();
      const hidden = cards.nth(5);
      await hidden.getByLabel('Type').selectOption('hidden');
      await hidden.getByLabel('Name').fill('source');
      await hidden.getByLabel('Hidden value').fill('console-test');
      await eventually(() => preview.locator('input[name="source"]').getAttribute('value'), 'console-test');
      await page.getByRole('button', { name: 'Remove source' }).click();
      await eventually(previewNames, ['name', 'email', 'message', '9phone', 'size']);
      await page.getByLabel('Success message').fill('Thanks, we got your order.');

      // The preview can be filled and sent: it says so, and nothing is stored or navigated.
      await preview.getByLabel('Your name').fill('Preview Person');
      await preview.getByLabel('Email').fill('preview@example.com');
      await preview.getByLabel('Message').fill('Only trying the preview.');
      await preview.getByLabel('Cake size').selectOption('Small');
      const editorUrl = page.url();
      await preview.getByRole('button', { name: 'Send' }).click();
      await page.getByRole('status').filter({ hasText: 'This is a preview: nothing was sent.' }).waitFor();
      assert.equal(page.url(), editorUrl);
      assert.equal((await app.db.query('select 1 from submissions where form_id = $1', [formId])).length, 0);

      // The service refuses the bad field name: the error shows on that input, and nothing is saved.
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByRole('alert').filter({ hasText: 'Some values need attention.' }).waitFor();
      const phoneName = cards.nth(3).getByLabel('Name');
      assert.equal(await phoneName.getAttribute('aria-invalid'), 'true');
      assert.match(await errorTextOf(phoneName), /must start with a letter/);
      assert.equal(((await app.db.query<{ schema: { fields: unknown[] } }>('select schema from forms where id = $1', [formId]))[0]?.schema.fields ?? []).length, 3);
      await phoneName.fill('phone');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
      assert.equal(await phoneName.getAttribute('aria-invalid'), null);
      const [saved] = await app.db.query<{ schema: { fields: { name: string; type: string }[]; successMessage: string } }>('select schema from forms where id = $1', [formId]);
      assert.deepEqual(
        saved?.schema.fields.map((f) => `${f.name}:${f.type}`),
        ['name:text', 'email:email', 'message:textarea', 'phone:tel', 'size:select'],
      );
      assert.equal(saved?.schema.successMessage, 'Thanks, we got your order.');

      // Settings save with the form: a bad address is pointed out on its input; the webhook's
      // signing secret is made by the service and shown; a WhatsApp test says why it cannot go.
      const emails = page.getByLabel('Notification emails');
      await emails.fill('orders@bakery.example\nnot-an-address');
      await page.getByLabel('Webhook URL').fill('https://hooks.bakery.example/formline');
      await page.getByLabel('Keep submissions for (days)').fill('30');
      await page.getByLabel('WhatsApp numbers').fill('+14155550100');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByRole('alert').filter({ hasText: 'Some values need attention.' }).waitFor();
      assert.equal(await emails.getAttribute('aria-invalid'), 'true');
      assert.match(await errorTextOf(emails), /^entry 2: must be an email address/);
      await emails.fill('orders@bakery.example');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
      const secret = (await page.locator('.secret-line code').textContent()) ?? '';
      assert.match(secret, /^whsec_/);
      const [{ settings } = { settings: {} }] = await app.db.query<{ settings: Record<string, unknown> }>('select settings from forms where id = $1', [formId]);
      assert.deepEqual(
        { notifyEmails: settings['notifyEmails'], notifyWhatsapp: settings['notifyWhatsapp'], webhookUrl: settings['webhookUrl'], webhookSecret: settings['webhookSecret'], retentionDays: settings['retentionDays'] },
        { notifyEmails: ['orders@bakery.example'], notifyWhatsapp: ['+14155550100'], webhookUrl: 'https://hooks.bakery.example/formline', webhookSecret: secret, retentionDays: 30 },
      );
      // The new recipient has not confirmed: the console says so, and sends the confirmation again on request.
      const unconfirmed = page.locator('.recipient-confirmations li').filter({ hasText: 'orders@bakery.example' });
      await unconfirmed.getByText('unconfirmed').waitFor();
      await unconfirmed.getByRole('button', { name: 'Resend confirmation' }).click();
      await unconfirmed.getByRole('status').filter({ hasText: 'Confirmation sent to orders@bakery.example again.' }).waitFor();
      assert.equal(await page.getByLabel('Send a test to').inputValue(), '+14155550100');
      await page.getByRole('button', { name: 'Send a test' }).click();
      await page.getByRole('alert').filter({ hasText: 'WhatsApp is not set up on this service' }).waitFor();

      // The render snippet, copied with its button, pins the script with its SRI hash.
      const snippet = (await page.locator('#snippet-render').textContent()) ?? '';
      await page.getByRole('button', { name: 'Copy render mode snippet' }).click();
      await page.getByText('Copied', { exact: true }).waitFor();
      const copied = await page.evaluate(() => navigator.clipboard.readText());
      assert.equal(copied, snippet);
      assert.match(copied, new RegExp(`^<div data-formline="${formId}"></div>\\n<script src="http://${PUBLIC_HOST}/w\\.[0-9a-f]+\\.js" integrity="sha384-[A-Za-z0-9+/=]+" crossorigin="anonymous" async></script>$`));
      assert.equal(await page.locator('[data-sri]').textContent(), /integrity="([^"]+)"/.exec(copied)?.[1]);
      await screenshot(page, 'form-editor', { full: false });

      // A visitor sends the form from the owner's page, where the snippet was pasted.
      sitePage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Order a cake</title></head><body><h1>Order a cake</h1>\n${copied}\n</body></html>`;
      const visitorContext = await browser.newContext();
      cleanups.push(() => visitorContext.close());
      const visitor = await visitorContext.newPage();
      const visitorProblems = await watchPage(visitor);
      await visitor.goto(`${siteOrigin}/`);
      const embedded = visitor.locator('[data-formline]');
      await embedded.locator('form').waitFor();
      visitorName = `Marzipan Lover ${Date.now()}`;
      await embedded.getByLabel('Your name').fill(visitorName);
      await embedded.getByLabel('Email').fill('cake@example.com');
      await embedded.getByLabel('Message').fill('Two layers, lemon curd, please.');
      await embedded.getByLabel('Phone number').fill('+14155550100');
      await embedded.getByLabel('Cake size').selectOption('Large');
      await visitor.waitForTimeout(MIN_FILL_SECONDS * 1000 + 300);
      await embedded.getByRole('button', { name: 'Send' }).click();
      await embedded.getByRole('status').filter({ hasText: 'Thanks, we got your order.' }).waitFor();
      assert.deepEqual(visitorProblems, { errors: [], cspViolations: [] });

      // More submissions, with values a CSV must quote or neutralise, and one spam.
      const base = { email: 'more@example.com', size: 'Small' };
      for (const [name, message] of [
        ['=HYPERLINK("http://evil.example","click")', 'A formula in the name field.'],
        ['Quote " and, comma', 'Line one\nline two, "quoted"'],
        ['Zoë 🎂', '+1 for unicode and a plus sign'],
      ] as const) {
        const res = await postJson(app.url, formId, { ...base, name, message });
        assert.equal(res.status, 201, res.text);
      }
      assert.equal((await postJson(app.url, formId, { ...base, name: 'Bot', message: 'I am a robot, really.', _gotcha: 'filled' })).status, 201);

      // The inbox shows it, newest first.
      await page.getByRole('link', { name: 'Inbox' }).click();
      await heading(page, 'Cake orders');
      const rows = page.locator('.inbox-table tbody tr');
      await waitForCount(rows, 4);
      assert.match((await rows.first().textContent()) ?? '', /Zoë 🎂/);
      const visitorRow = rows.filter({ hasText: visitorName });
      assert.match((await visitorRow.textContent()) ?? '', /New/);

      // Search finds it alone; a search for nothing finds nothing.
      const search = page.getByRole('searchbox', { name: 'Search' });
      await search.fill('Marzipan');
      await search.press('Enter');
      await waitForCount(rows, 1);
      assert.match((await rows.first().textContent()) ?? '', new RegExp(visitorName));
      assert.match(page.url(), /q=Marzipan/);
      await search.fill('no such cake anywhere');
      await search.press('Enter');
      await page.getByText('No submissions match these filters.').waitFor();
      await search.fill('Marzipan');
      await search.press('Enter');
      await waitForCount(rows, 1);
      await screenshot(page, 'inbox');

      // Opened: every field, its metadata; then filed as spam, it leaves the list and shows under Spam.
      await rows.first().getByRole('link').click();
      const detail = page.getByRole('region', { name: /^Submission(?!s)/ });
      await detail.getByText('Two layers, lemon curd, please.').waitFor();
      for (const text of [visitorName, 'cake@example.com', '+14155550100', 'Large', siteOrigin]) {
        assert.ok((await detail.textContent())?.includes(text), `the detail panel shows ${text}`);
      }
      await screenshot(page, 'submission');
      await detail.getByRole('button', { name: 'Mark spam' }).click();
      await page.getByRole('status').filter({ hasText: 'Marked as spam' }).waitFor();
      await waitForCount(rows, 0);
      const [row] = await app.db.query<{ status: string }>("select status from submissions where form_id = $1 and data->>'name' = $2", [formId, visitorName]);
      assert.equal(row?.status, 'spam');
      await page.getByLabel('Status').selectOption('spam');
      await waitForCount(rows, 1);
      assert.match((await rows.first().textContent()) ?? '', /Spam/);
      await screenshot(page, 'inbox-spam');

      // Export CSV of the default view (all but spam): the download is the database, row for row.
      await page.getByRole('button', { name: 'Clear' }).click();
      await waitForCount(rows, 3);
      const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
      assert.equal(csvDownload.suggestedFilename(), `${formId}-submissions.csv`);
      const csv = fs.readFileSync((await csvDownload.path()) as string, 'utf8');
      await page.getByRole('status').filter({ hasText: 'Exported 3 submissions' }).waitFor();
      const columns = ['name', 'email', 'message', 'phone', 'size'];
      const expected = (await rowsOf(formId)).map((r) => [r.id, r.status, iso(r.created_at), ...columns.map((c) => expectedCell(r.data[c]))]);
      assert.equal(expected.length, 3);
      assert.deepEqual(parse(csv), [['id', 'status', 'createdAt', ...columns], ...expected]);
      assert.ok(csv.includes(`'=HYPERLINK(""http://evil.example"",""click"")`), 'the formula is neutralised');
      assert.notEqual(csv.charCodeAt(0), 0xfeff);

      // With "Excel (BOM)": the same rows behind a byte-order mark.
      await page.getByLabel('Excel (BOM)').check();
      const [bomDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
      const withBom = fs.readFileSync((await bomDownload.path()) as string);
      assert.deepEqual([...withBom.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
      assert.equal(withBom.subarray(3).toString('utf8'), csv);

      // JSON of the spam view: the one spam-filed order and the bot.
      await page.getByLabel('Status').selectOption('spam');
      await waitForCount(rows, 2);
      await page.getByLabel('Format').selectOption('json');
      const [jsonDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export JSON' }).click()]);
      assert.equal(jsonDownload.suggestedFilename(), `${formId}-submissions.json`);
      const json = JSON.parse(fs.readFileSync((await jsonDownload.path()) as string, 'utf8')) as unknown;
      assert.deepEqual(
        json,
        (await rowsOf(formId, "status = 'spam'")).map((r) => ({ id: r.id, formId, status: r.status, createdAt: iso(r.created_at), data: r.data })),
      );
      await page.getByRole('status').filter({ hasText: 'Exported 2 submissions' }).waitFor();
      assertClean(opened);
    });

    it('values holding HTML and script show as text in the inbox and the detail panel, and nothing runs', async () => {
      const hostile = { name: '<img src=x onerror=alert(1)>', email: 'mallory@example.com', message: '<script>alert(1)</script> and <b>bold</b> words', consent: true };
      const posted = await postJson(app.url, owner.formId, hostile);
      assert.equal(posted.status, 201, posted.text);
      const { id } = posted.body as { id: string };

      const opened = await open({ as: owner, hash: `#/forms/${owner.formId}` });
      const { page } = opened;
      const row = page.locator('.inbox-table tbody tr', { hasText: 'mallory@example.com' });
      await row.waitFor();
      assert.equal(await row.locator('td.value-cell').first().textContent(), hostile.name);
      assert.ok((await row.textContent())?.includes('<img src=x onerror=alert(1)>'));

      await row.getByRole('link').click();
      const detail = page.getByRole('region', { name: /^Submission(?!s)/ });
      const values = detail.locator('dl.values dd');
      await values.first().waitFor();
      assert.deepEqual(await values.allTextContents(), [hostile.name, hostile.email, '(empty)', hostile.message, 'Yes']);
      assert.match(page.url(), new RegExp(`submission=${id}`));
      // The markup stayed text: no element was made from it, anywhere in the page.
      assert.equal(await page.locator('img').count(), 0);
      assert.equal(await page.locator('b').count(), 0);
      assert.equal(await page.evaluate(() => document.scripts.length), 1);
      // Give an injected handler every chance to run.
      await page.waitForTimeout(300);
      await screenshot(page, 'hostile-values');
      assertClean(opened);
    });

    it('a member sees no owner-only control, and the API refuses them (403 owner_required) when forced', async () => {
      const member = { email: `member-${Date.now()}@example.com`, password: 'member password 1' };
      const user = await saveUser(app.db, { email: member.email, passwordHash: await hashPassword(member.password), emailVerified: true });
      await saveMembership(app.db, { accountId: owner.accountId, userId: user.id, role: 'member' });
      const [submission] = await rowsOf(owner.formId);
      assert.ok(submission);

      const opened = await open({ as: member, hash: '#/forms' });
      const { page } = opened;
      await heading(page, 'Forms');
      const nav = page.getByRole('navigation', { name: 'Console' });
      assert.deepEqual(await nav.getByRole('link').allTextContents(), ['Forms', 'Sites', 'Usage', 'Billing', 'Team']);

      await page.goto(`${consoleUrl}#/sites`);
      await heading(page, 'Sites');
      await page.getByRole('article').first().waitFor();
      assert.equal(await page.getByRole('region', { name: 'Add a site' }).count(), 0);
      assert.equal(await page.getByRole('button', { name: /Delete|Save/ }).count(), 0);
      await screenshot(page, 'member-sites');

      await page.goto(`${consoleUrl}#/forms/${owner.formId}?submission=${submission.id}`);
      const detail = page.getByRole('region', { name: /^Submission(?!s)/ });
      await detail.getByRole('button', { name: 'Mark spam' }).waitFor();
      // Members may mark submissions, but not delete them, one or several.
      assert.equal(await page.getByRole('button', { name: 'Delete' }).count(), 0);

      await page.goto(`${consoleUrl}#/forms/${owner.formId}/edit`);
      await page.getByRole('button', { name: 'Save changes' }).waitFor();
      assert.equal(await page.getByRole('button', { name: 'Delete form' }).count(), 0);

      await page.goto(`${consoleUrl}#/team`);
      await page.getByRole('rowheader').filter({ hasText: member.email }).waitFor();
      assert.equal(await page.getByRole('region', { name: 'Invite someone' }).count(), 0);
      assert.equal(await page.getByRole('combobox').count(), 0);
      assert.deepEqual(await page.getByRole('button', { name: /Remove|Leave/ }).allTextContents(), ['Leave']);
      await screenshot(page, 'member-team');

      await page.goto(`${consoleUrl}#/keys`);
      await heading(page, 'Not available');

      // Forced from the member's own signed-in page (same origin, so the CSRF check passes).
      const calls: [string, string, unknown?][] = [
        ['DELETE', `/api/submissions/${submission.id}`],
        ['POST', '/api/submissions/batch', { ids: [submission.id], action: 'delete' }],
        ['DELETE', `/api/forms/${owner.formId}`],
        ['POST', '/api/sites', { name: 'Sneaky', domain: 'sneaky.example' }],
        ['PATCH', `/api/sites/${owner.siteId}`, { allowedOrigins: ['*'] }],
        ['DELETE', `/api/sites/${owner.siteId}`],
        ['GET', '/api/keys'],
        ['POST', '/api/keys', { name: 'sneaky' }],
        ['GET', '/api/audit'],
        ['POST', '/api/invitations', { email: 'friend@example.com', role: 'owner' }],
        ['POST', '/api/erasure', { email: 'ada@example.com' }],
      ];
      // (One anonymous function: the page gets its source, so it may not lean on the test's helpers.)
      const forced = await page.evaluate(async (list) => {
        const answers: string[] = [];
        for (const [method, url, body] of list) {
          const res = await fetch(url, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? null : JSON.stringify(body) });
          const json = (await res.json().catch(() => null)) as { error?: { code?: string } } | null;
          answers.push(`${method} ${url} ${res.status} ${json?.error?.code ?? ''}`);
        }
        return answers;
      }, calls);
      assert.equal(forced.length, calls.length);
      for (const line of forced) assert.match(line, / 403 owner_required$/, line);
      assert.equal((await rowsOf(owner.formId, `id = '${submission.id}'`)).length, 1, 'the submission is still there');
      assert.equal((await app.db.query('select 1 from forms where id = $1', [owner.formId])).length, 1, 'the form is still there');
      assertClean(opened);
    });

    it("an owner creates an API key (shown once) and revokes it, invites someone and cancels it, and erases one person's submissions", async () => {
      const opened = await open({ as: owner, hash: '#/keys' });
      const { page } = opened;
      await heading(page, 'API keys');
      await page.getByLabel('Name').fill('Nightly export');
      await page.getByRole('button', { name: 'Create key' }).click();
      const key = (await page.locator('[data-new-key]').textContent()) ?? '';
      assert.match(key, /^fl_/);
      const listed = await app.db.query<{ prefix: string }>("select prefix from api_keys where name = 'Nightly export'");
      assert.ok(listed[0] && key.startsWith(listed[0].prefix));
      await page.getByRole('cell', { name: `${listed[0]?.prefix}…` }).waitFor();
      await page.getByRole('button', { name: 'Copy API key' }).click();
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), key);
      const res = await fetch(`${app.url}/api/forms/${owner.formId}/submissions`, { headers: { authorization: `Bearer ${key}` } });
      assert.equal(res.status, 200);
      await screenshot(page, 'keys');
      await page.getByRole('button', { name: 'Done' }).click();
      assert.equal(await page.locator('[data-new-key]').count(), 0, 'the key is shown once');
      await page.getByRole('button', { name: 'Revoke Nightly export' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
      await page.getByText(/^Revoked/).waitFor();
      assert.equal((await fetch(`${app.url}/api/forms/${owner.formId}/submissions`, { headers: { authorization: `Bearer ${key}` } })).status, 401);

      // A site deleted after a confirmation (its forms and their submissions go with it).
      const cookie = await signIn(app.url, owner.email, owner.password);
      const old = await fetch(`${app.url}/api/sites`, { method: 'POST', headers: { cookie, origin: app.url, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Old shop', domain: 'old.example' }) });
      assert.equal(old.status, 201);
      const { id: oldSiteId } = (await old.json()) as { id: string };
      await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Sites' }).click();
      await page.getByRole('button', { name: 'Delete site Old shop' }).click();
      await page.getByRole('dialog', { name: 'Delete Old shop?' }).getByRole('button', { name: 'Delete site' }).click();
      await page.getByRole('article', { name: 'Old shop' }).waitFor({ state: 'detached' });
      assert.equal((await app.db.query('select 1 from sites where id = $1', [oldSiteId])).length, 0);

      // A colleague's role changed, then removed from the account.
      const colleague = await saveUser(app.db, { email: `colleague-${Date.now()}@example.com`, passwordHash: await hashPassword('colleague password'), emailVerified: true });
      await saveMembership(app.db, { accountId: owner.accountId, userId: colleague.id, role: 'member' });
      const roleOf = async () => (await app.db.query<{ role: string }>('select role from memberships where account_id = $1 and user_id = $2', [owner.accountId, colleague.id]))[0]?.role;
      await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Team' }).click();
      await heading(page, 'Team');
      await page.getByLabel(`Role of ${colleague.email}`).selectOption('owner');
      await page.getByRole('status').filter({ hasText: `${colleague.email} is now an owner.` }).waitFor();
      assert.equal(await roleOf(), 'owner');
      await page.getByRole('button', { name: `Remove ${colleague.email}` }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
      await page.getByRole('status').filter({ hasText: `${colleague.email} was removed.` }).waitFor();
      assert.equal(await roleOf(), undefined);

      const invite = page.getByRole('region', { name: 'Invite someone' });
      await invite.getByLabel('Email').fill('baker@example.com');
      await invite.getByLabel('Role').selectOption('member');
      await invite.getByRole('button', { name: 'Send invitation' }).click();
      await page.getByRole('status').filter({ hasText: 'Invitation sent to baker@example.com.' }).waitFor();
      const pending = page.getByRole('region', { name: 'Pending invitations' });
      await pending.getByRole('rowheader', { name: 'baker@example.com' }).waitFor();
      await screenshot(page, 'team');
      await pending.getByRole('button', { name: 'Cancel the invitation of baker@example.com' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Cancel invitation' }).click();
      await pending.getByText('None.').waitFor();

      // Erasure: the visitor of the first test asks to be forgotten.
      const before = await app.db.query("select 1 from submissions where account_id = $1 and data->>'email' = 'cake@example.com'", [owner.accountId]);
      assert.equal(before.length, 1);
      await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Audit & privacy' }).click();
      await page.getByLabel('Their email address').fill('cake@example.com');
      await page.getByRole('button', { name: 'Erase…' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Erase' }).click();
      await page.getByRole('status').filter({ hasText: 'Erased 1 submission holding cake@example.com.' }).waitFor();
      const afterwards = await app.db.query("select 1 from submissions where account_id = $1 and data->>'email' = 'cake@example.com'", [owner.accountId]);
      assert.equal(afterwards.length, 0);
      await page.getByRole('cell', { name: 'Data erased on request erasure', exact: true }).waitFor();
      await screenshot(page, 'audit');
      assertClean(opened);
    });

    it('the inbox loads more through the cursor; selected submissions are marked read and deleted together; a waiting notification is sent again', async () => {
      const team = await seedAccount(app.db);
      for (let i = 1; i <= 55; i++) {
        const res = await postJson(app.url, team.formId, { name: `Guest ${String(i).padStart(2, '0')}`, email: `guest${i}@example.com`, message: 'Looking forward to it!', consent: true });
        assert.equal(res.status, 201, res.text);
      }
      const opened = await open({ as: team, hash: `#/forms/${team.formId}` });
      const { page } = opened;
      const rows = page.locator('.inbox-table tbody tr');
      await waitForCount(rows, 50);
      assert.match((await rows.first().textContent()) ?? '', /Guest 55/);
      await page.getByRole('button', { name: 'Load more' }).click();
      await waitForCount(rows, 55);
      assert.match((await rows.last().textContent()) ?? '', /Guest 01/);
      assert.equal(await page.getByRole('button', { name: 'Load more' }).count(), 0);

      // Every row shown, marked read at once.
      await page.getByLabel('Select every submission shown').check();
      await page.getByText('55 selected').waitFor();
      await page.getByRole('group', { name: 'With the selected submissions' }).getByRole('button', { name: 'Mark read' }).click();
      await page.getByRole('status').filter({ hasText: '55 submissions marked read.' }).waitFor();
      assert.deepEqual(await app.db.query('select status, count(*)::int as n from submissions where form_id = $1 group by status', [team.formId]), [{ status: 'read', n: 55 }]);

      // Three chosen by hand, deleted after a confirmation.
      await waitForCount(rows, 50);
      const doomed: string[] = [];
      for (const index of [0, 1, 2]) {
        const row = rows.nth(index);
        doomed.push((await row.getAttribute('data-submission')) ?? '');
        await row.getByRole('checkbox').check();
      }
      await page.getByRole('group', { name: 'With the selected submissions' }).getByRole('button', { name: 'Delete' }).click();
      const confirm = page.getByRole('dialog', { name: 'Delete 3 submissions?' });
      await confirm.getByRole('button', { name: 'Delete' }).click();
      await page.getByRole('status').filter({ hasText: '3 submissions deleted.' }).waitFor();
      assert.equal((await app.db.query('select 1 from submissions where id = any($1::uuid[])', [doomed])).length, 0);
      assert.equal((await app.db.query('select 1 from submissions where form_id = $1', [team.formId])).length, 52);

      // The email alert of a submission waits (no SMTP here), says why, and can be sent again.
      await rows.first().getByRole('link').click();
      const detail = page.getByRole('region', { name: /^Submission(?!s)/ });
      const email = detail.locator('.delivery', { hasText: 'owner@shop.example' });
      await email.waitFor();
      assert.match((await email.textContent()) ?? '', /Queued/);
      assert.match((await email.locator('.delivery-error').textContent()) ?? '', /SMTP_URL/);
      await email.getByRole('button', { name: 'Retry Email to owner@shop.example' }).click();
      await page.getByRole('status').filter({ hasText: 'Email to owner@shop.example is queued again.' }).waitFor();
      await screenshot(page, 'inbox-selection');

      // Filed as spam by mistake, and brought back with "Not spam".
      const openedId = new URL(page.url()).hash.match(/submission=([0-9a-f-]+)/)?.[1] ?? '';
      await detail.getByRole('button', { name: 'Mark spam' }).click();
      await page.getByRole('status').filter({ hasText: 'Marked as spam' }).waitFor();
      await page.getByLabel('Status').selectOption('spam');
      await waitForCount(rows, 1);
      await rows.first().getByRole('link').click();
      await detail.getByRole('button', { name: 'Not spam' }).click();
      await page.getByRole('status').filter({ hasText: 'Marked as not spam' }).waitFor();
      await waitForCount(rows, 0);
      assert.equal((await app.db.query<{ status: string }>('select status from submissions where id = $1', [openedId]))[0]?.status, 'new');

      // The date range: nothing from tomorrow on; everything from today to today.
      const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
      await page.getByLabel('Status').selectOption('');
      await page.getByLabel('From').fill(day(1));
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByText('No submissions match these filters.').waitFor();
      await page.getByLabel('From').fill(day(0));
      await page.getByLabel('To').fill(day(0));
      await page.getByRole('button', { name: 'Search' }).click();
      await waitForCount(rows, 50);
      assert.match(page.url(), new RegExp(`from=${day(0)}&to=${day(0)}`));
      assertClean(opened);
    });

    it('someone signs up (and is asked to verify the address); a user of two accounts switches between them and sees each one\'s forms and role', async () => {
      const opened = await open({ hash: '#/signup' });
      const { page } = opened;
      const email = `new-${Date.now()}@example.com`;
      await heading(page, 'Create your account');
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill('short');
      await page.getByLabel('Account name').fill('Corner Bakery');
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByText('Use at least 8 characters.').waitFor();
      assert.equal(await page.getByLabel('Password').getAttribute('aria-invalid'), 'true');
      await page.getByLabel('Password').fill('a long enough password');
      await page.getByRole('button', { name: 'Create account' }).click();
      await heading(page, 'Sites');
      const banner = page.getByRole('region', { name: 'Email verification' });
      await banner.getByText(email).waitFor();
      const mails = async () => (await app.db.query("select 1 from jobs where kind = 'account_email' and target = $1", [email])).length;
      const sent = await mails();
      await banner.getByRole('button', { name: 'Resend the link' }).click();
      await banner.getByRole('status').filter({ hasText: `A new link is on its way to ${email}.` }).waitFor();
      assert.equal(await mails(), sent + 1);
      const [account] = await app.db.query<{ name: string; role: string }>(
        'select a.name, m.role from users u join memberships m on m.user_id = u.id join accounts a on a.id = m.account_id where u.email = $1',
        [email],
      );
      assert.deepEqual(account, { name: 'Corner Bakery', role: 'owner' });

      // The same person is also a member of another account, and switches to it.
      const other = await seedAccount(app.db);
      const [user] = await app.db.query<{ id: string }>('select id from users where email = $1', [email]);
      await saveMembership(app.db, { accountId: other.accountId, userId: user?.id ?? '', role: 'member' });
      await page.reload();
      const switcher = page.getByLabel('Account', { exact: true });
      await switcher.waitFor();
      assert.deepEqual(await switcher.locator('option').allTextContents(), ['Corner Bakery (owner)', `${(await app.db.query<{ name: string }>('select name from accounts where id = $1', [other.accountId]))[0]?.name} (member)`]);
      const nav = page.getByRole('navigation', { name: 'Console' });
      assert.ok((await nav.getByRole('link').allTextContents()).includes('API keys'));
      await switcher.selectOption({ index: 1 });
      await heading(page, 'Forms');
      await page.getByRole('link', { name: /^Form \d+$/ }).waitFor();
      assert.deepEqual(await nav.getByRole('link').allTextContents(), ['Forms', 'Sites', 'Usage', 'Billing', 'Team']);

      // Signed out: the session is gone, and the console asks to sign in again.
      await page.getByRole('button', { name: 'Sign out' }).click();
      await heading(page, 'Sign in');
      await page.goto(`${consoleUrl}#/forms`);
      await heading(page, 'Sign in');
      assert.match(page.url(), /#\/signin\?next=%23%2Fforms$/);
      assertClean(opened);
    });

    it('the links in emails open their pages: an invitation accepted with a new password, a password reset, an email verified; a signed-out session goes back to sign-in and returns', async () => {
      /** The console link of the last email queued to `to` (the outbox holds it until a worker sends it). */
      const linkTo = async (to: string, route: string) => {
        const jobs = await app.db.query<{ payload: { text: string } }>("select payload from jobs where kind = 'account_email' and target = $1 order by id desc limit 1", [to]);
        const link = new RegExp(`http://${PUBLIC_HOST.replace(/\./g, '\\.')}/console/#/${route}\\?token=[A-Za-z0-9_-]+`).exec(jobs[0]?.payload.text ?? '')?.[0];
        assert.ok(link, `an email to ${to} with a #/${route} link`);
        return link;
      };
      const newcomer = `newcomer-${Date.now()}@example.com`;
      const cookie = await signIn(app.url, owner.email, owner.password);
      const invited = await fetch(`${app.url}/api/invitations`, { method: 'POST', headers: { cookie, origin: app.url, 'content-type': 'application/json' }, body: JSON.stringify({ email: newcomer, role: 'member' }) });
      assert.equal(invited.status, 201, await invited.text());

      // The invitation link, opened as it is (its host is the service's public one).
      const joined = await open({ hash: '#/signin' });
      const { page } = joined;
      await page.goto(await linkTo(newcomer, 'invite'));
      const [{ name: accountName } = { name: '' }] = await app.db.query<{ name: string }>('select name from accounts where id = $1', [owner.accountId]);
      await heading(page, `Join ${accountName}`);
      await page.getByText(`You are invited to join ${accountName} as a member`).waitFor();
      await screenshot(page, 'invitation');
      await page.getByLabel('Choose a password').fill('joining the bakery');
      await page.getByRole('button', { name: `Join ${accountName}` }).click();
      await heading(page, 'Forms');
      assert.equal((await app.db.query("select 1 from memberships m join users u on u.id = m.user_id where u.email = $1 and m.account_id = $2 and m.role = 'member'", [newcomer, owner.accountId])).length, 1);

      // Forgotten password: asked for on #/forgot, chosen on the emailed #/reset link.
      const other = await open({ hash: '#/signin' });
      await other.page.getByRole('link', { name: 'Forgot your password?' }).click();
      await heading(other.page, 'Reset your password');
      await other.page.getByLabel('Email').fill(newcomer);
      await other.page.getByRole('button', { name: 'Send reset link' }).click();
      await other.page.getByRole('status').filter({ hasText: `If ${newcomer} has an account` }).waitFor();
      await other.page.goto(await linkTo(newcomer, 'reset'));
      await heading(other.page, 'Choose a new password');
      await other.page.getByRole('textbox', { name: 'New password', exact: true }).fill('a fresh passphrase');
      await other.page.getByLabel('Repeat the new password').fill('a fresh passphrase');
      await other.page.getByRole('button', { name: 'Save password' }).click();
      await other.page.getByRole('status').filter({ hasText: 'Your password is changed.' }).waitFor();

      // The reset signed out every session: the first tab's next call goes back to sign-in, and returns.
      await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Usage' }).click();
      await heading(page, 'Sign in');
      assert.match(page.url(), /#\/signin\?next=%23%2Fusage$/);
      // ...saying why, honestly.
      await page.getByRole('alert').filter({ hasText: 'You were signed out because your password changed. Sign in again.' }).waitFor();
      await page.getByLabel('Email').fill(newcomer);
      await page.getByLabel('Password').fill('a fresh passphrase');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await heading(page, 'Usage');

      // Someone who signed up elsewhere confirms the address from the emailed #/verify link: this
      // browser has no session of theirs, so the page asks them to sign in first, then confirms.
      const signer = `signer-${Date.now()}@example.com`;
      const signedUp = await fetch(`${app.url}/api/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: signer, password: 'signing up today', accountName: 'Signer Co' }) });
      assert.equal(signedUp.status, 201, await signedUp.text());
      await other.page.goto(await linkTo(signer, 'verify'));
      await heading(other.page, 'Verify your email');
      await other.page.getByText('Sign in to confirm your address; if you did not sign up, reset the password instead.').waitFor();
      assert.equal(await other.page.getByRole('link', { name: 'I did not sign up: reset the password' }).getAttribute('href'), '#/forgot');
      assert.equal((await app.db.query('select 1 from users where email = $1 and email_verified_at is not null', [signer])).length, 0);
      await other.page.getByRole('textbox', { name: 'Email', exact: true }).fill(signer);
      await other.page.getByLabel('Password').fill('signing up today');
      await other.page.getByRole('button', { name: 'Sign in and confirm' }).click();
      await other.page.getByRole('status').filter({ hasText: 'your email address is verified' }).waitFor();
      assert.equal((await app.db.query('select 1 from users where email = $1 and email_verified_at is not null', [signer])).length, 1);
      assertClean(joined);
      assertClean(other);
    });

    it('every console page loads without an error or a CSP violation, at desktop and phone widths (screenshots kept)', async () => {
      await app.db.query('update users set is_platform_admin = true where id = $1', [owner.userId]);
      // The first test's form, or (when it was not run) the seeded one.
      const shownId = formId || owner.formId;
      const [{ name: formName } = { name: '' }] = await app.db.query<{ name: string }>('select name from forms where id = $1', [shownId]);
      const signedIn: [string, string][] = [
        ['forms', 'Forms'],
        [`forms/${shownId}`, formName],
        [`forms/${shownId}/edit`, formName],
        ['sites', 'Sites'],
        ['usage', 'Usage'],
        ['billing', 'Billing'],
        ['keys', 'API keys'],
        ['team', 'Team'],
        ['audit', 'Audit & privacy'],
        ['admin', 'Admin'],
      ];
      const desktop = await open({ as: owner, hash: '#/forms' });
      for (const [hash, title] of signedIn) {
        await desktop.page.goto(`${consoleUrl}#/${hash}`);
        await heading(desktop.page, title);
        await settled(desktop.page);
        await assertNamed(desktop.page, `#/${hash}`);
        // (The editor's preview and save bar stay in view: a whole-page picture would misplace them.)
        await screenshot(desktop.page, hash.replace(`forms/${shownId}`, 'form').replace(/\//g, '-'), { full: !hash.endsWith('/edit') });
      }
      // The forms list has no submission counts (GET /api/forms does not count them).
      await desktop.page.goto(`${consoleUrl}#/forms`);
      await heading(desktop.page, 'Forms');
      await desktop.page.locator('.table thead').first().waitFor();
      assert.deepEqual(await desktop.page.locator('.table').first().getByRole('columnheader').allTextContents(), ['Form', 'ID', 'Updated', 'Actions']);
      await desktop.page.goto(`${consoleUrl}#/admin`);
      const admin = desktop.page.getByRole('region', { name: /Accounts/ });
      await admin.getByRole('rowheader').first().waitFor();
      assert.ok((await admin.getByRole('rowheader').allTextContents()).length >= 1);
      // The usage chart has a bar for today's submissions.
      await desktop.page.goto(`${consoleUrl}#/usage`);
      await desktop.page.locator('svg.chart rect').first().waitFor();
      await desktop.page.getByRole('button', { name: 'Last 90 days' }).click();
      await desktop.page.getByRole('heading', { name: /last 90 days/ }).waitFor();
      assert.equal(await desktop.page.getByRole('button', { name: 'Last 90 days' }).getAttribute('aria-pressed'), 'true');
      assert.equal(await desktop.page.locator('.chart-table tbody tr').count(), 90);
      assertClean(desktop);

      const phone = await open({ as: owner, hash: '#/forms', viewport: PHONE });
      for (const [hash, title] of [['forms', 'Forms'], [`forms/${shownId}`, formName], [`forms/${shownId}/edit`, formName], ['usage', 'Usage'], ['billing', 'Billing']] as const) {
        await phone.page.goto(`${consoleUrl}#/${hash}`);
        await heading(phone.page, title);
        await settled(phone.page);
        // Nothing is wider than the phone: the page never scrolls sideways.
        assert.ok(await phone.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `#/${hash} scrolls sideways on a phone`);
        await screenshot(phone.page, `phone-${hash.replace(`forms/${shownId}`, 'form').replace(/\//g, '-')}`);
      }
      assertClean(phone);

      const signedOut: [string, string, string?][] = [
        ['signup', 'Create your account'],
        ['forgot', 'Reset your password'],
        ['reset?token=expired', 'Choose a new password'],
        ['verify?token=expired', 'Verify your email', 'This link has expired or was already used.'],
        ['invite?token=expired', 'Invitation', 'This invitation has expired, was cancelled or was already used.'],
      ];
      const visitor = await open({ hash: '#/signin' });
      for (const [hash, title, answer] of signedOut) {
        await visitor.page.goto(`${consoleUrl}#/${hash}`);
        await heading(visitor.page, title);
        await settled(visitor.page);
        await assertNamed(visitor.page, `#/${hash}`);
        if (answer) await visitor.page.getByRole('alert').filter({ hasText: answer }).waitFor();
        await screenshot(visitor.page, hash.replace(/\?.*/, ''));
      }
      assertClean(visitor);
    });
  });
}
