// The embed in real Chromium, against the real service (`npm start`'s code in a child process)
// and its database, through the example pages a site owner would write: each page is filled and
// sent and its submission is found stored exactly once; invalid input shows accessible errors and
// sends nothing; the no-JS page works with JavaScript off; a submission made while the service is
// down survives a reload and is stored once when the service is back. No page may throw or break
// its Content-Security-Policy. Screenshots of each page after a successful submit are kept under
// test/output/.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { MIN_FILL_SECONDS } from '../ingest/services/time-trap.ts';
import { launchChromium, skipWithoutChromium, watchPage, type PageProblems } from './helpers/browser.ts';
import { TOKEN_PREFIX, startCaptchaStandIn, type CaptchaStandIn } from './helpers/captcha-stand-in.ts';
import { databaseTargets } from './helpers/databases.ts';
import { send } from './helpers/http.ts';
import { freePort } from './helpers/ports.ts';
import { freshDatabaseEnv, startServiceProcess, type ServiceProcess } from './helpers/service-process.ts';

const OUTPUT = fileURLToPath(new URL('./output/', import.meta.url));
const ADMIN = { email: 'admin@example.com', password: 'browser-suite-password' };
const PENDING_KEY = 'formline:pending';

interface StoredSubmission {
  id: string;
  data: Record<string, unknown>;
  status: string;
}

/** A person takes a few seconds to fill a form; the time trap files anything faster as spam. */
const humanPause = (page: Page) => page.waitForTimeout(MIN_FILL_SECONDS * 1000 + 300);

async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(OUTPUT, { recursive: true });
  await page.screenshot({ path: path.join(OUTPUT, `${name}.png`), fullPage: true });
}

function assertClean(problems: PageProblems): void {
  assert.deepEqual(problems.errors, [], 'uncaught errors on the page');
  assert.deepEqual(problems.cspViolations, [], 'Content-Security-Policy violations');
}

for (const target of databaseTargets) {
  describe(`the embed in Chromium, against the service on ${target.name}`, { skip: skipWithoutChromium }, () => {
    const cleanups: (() => Promise<void> | void)[] = [];
    let env: Record<string, string>;
    let service: ServiceProcess;
    let browser: Browser;
    let base: string;
    let cookie: string;
    let captcha: CaptchaStandIn;

    const startService = async () => {
      service = await startServiceProcess(env);
      return service;
    };

    /** Submissions of a form whose `field` equals `value`, read through the console API. */
    const stored = async (formId: string, field: string, value: string): Promise<StoredSubmission[]> => {
      const res = await send(`${base}/api/forms/${formId}/submissions?limit=500&q=${encodeURIComponent(value)}`, { headers: { cookie } });
      assert.equal(res.status, 200, res.text);
      const spam = await send(`${base}/api/forms/${formId}/submissions?limit=500&status=spam&q=${encodeURIComponent(value)}`, { headers: { cookie } });
      const all = [...(res.body as { items: StoredSubmission[] }).items, ...(spam.body as { items: StoredSubmission[] }).items];
      return all.filter((s) => s.data[field] === value);
    };

    /** The one submission of a form whose `field` equals `value` (fails when there is none, or more). */
    const storedOnce = async (formId: string, field: string, value: string): Promise<StoredSubmission> => {
      const rows = await stored(formId, field, value);
      assert.equal(rows.length, 1, `${rows.length} submissions stored with ${field} = ${value}`);
      return rows[0] as StoredSubmission;
    };

    const open = async (url: string, options: { javaScriptEnabled?: boolean } = {}) => {
      const context: BrowserContext = await browser.newContext({ javaScriptEnabled: options.javaScriptEnabled ?? true });
      cleanups.push(() => context.close());
      const page = await context.newPage();
      const problems = await watchPage(page);
      await page.goto(url);
      return { context, page, problems };
    };

    /** Records the formline:* events dispatched on the page. */
    const recordEvents = (page: Page) =>
      page.evaluate(() => {
        const seen: string[] = [];
        (window as unknown as { seenEvents: string[] }).seenEvents = seen;
        for (const name of ['formline:submit', 'formline:success', 'formline:error']) document.addEventListener(name, () => seen.push(name));
      });
    const seenEvents = (page: Page) => page.evaluate(() => (window as unknown as { seenEvents: string[] }).seenEvents);

    /** Every visible control of the form has a label that names it. */
    const assertLabelled = async (form: Locator) => {
      const unlabelled = await form.evaluate((element) =>
        Array.from((element as HTMLFormElement).elements)
          .filter((c): c is HTMLInputElement => c instanceof HTMLInputElement || c instanceof HTMLSelectElement || c instanceof HTMLTextAreaElement)
          .filter((c) => c.type !== 'hidden' && !c.hidden && c.name !== '_gotcha')
          .filter((c) => !c.labels || c.labels.length === 0 || !c.labels[0]?.textContent?.trim())
          .map((c) => c.name),
      );
      assert.deepEqual(unlabelled, []);
    };

    /** The field is marked invalid and described by a visible error text. */
    const assertFieldError = async (control: Locator, text: string) => {
      assert.equal(await control.getAttribute('aria-invalid'), 'true');
      const describedBy = (await control.getAttribute('aria-describedby')) ?? '';
      const errorText = await control.evaluate((element, ids) => {
        const root = element.getRootNode() as Document | ShadowRoot;
        return ids
          .split(' ')
          .filter(Boolean)
          .map((id) => root.getElementById(id))
          .filter((e): e is HTMLElement => !!e && !e.hidden)
          .map((e) => e.textContent)
          .join(' ');
      }, describedBy);
      assert.equal(errorText, text);
    };

    const assertNoCookies = async (context: BrowserContext, page: Page) => {
      assert.deepEqual(await context.cookies(), []);
      assert.equal(await page.evaluate(() => document.cookie), '');
    };

    /**
     * A site of its own on another origin (127.0.0.1, as a real site is elsewhere), with one form,
     * and a page there that embeds it in render mode.
     */
    const sitePage = async (
      form: { name: string; schema: unknown; settings?: unknown },
      body = (formId: string) => `<div data-formline="${formId}"></div><script src="${base}/w.js" async></script>`,
    ) => {
      const create = async (path: string, body: unknown) => {
        const res = await send(`${base}${path}`, {
          method: 'POST',
          headers: { cookie, origin: base, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        assert.equal(res.status, 201, res.text);
        return res.body as { id: string };
      };
      const sitePort = await freePort();
      const siteOrigin = `http://127.0.0.1:${sitePort}`;
      const site = await create('/api/sites', { name: form.name, domain: `127.0.0.1:${sitePort}`, allowedOrigins: [siteOrigin] });
      const { id: formId } = await create('/api/forms', { siteId: site.id, ...form });
      const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${form.name}</title></head><body>${body(formId)}</body></html>`;
      const pageServer = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html));
      await new Promise<void>((resolve) => pageServer.listen(sitePort, '127.0.0.1', resolve));
      cleanups.push(() => new Promise<void>((resolve) => pageServer.close(() => resolve())));
      return { formId, url: `${siteOrigin}/` };
    };

    before(async () => {
      const port = await freePort();
      base = `http://localhost:${port}`;
      captcha = await startCaptchaStandIn();
      cleanups.push(() => captcha.close());
      env = {
        CAPTCHA_VERIFY_URL: captcha.verifyUrl,
        CAPTCHA_SCRIPT_URL: captcha.scriptUrl,
        ...(await freshDatabaseEnv(target, cleanups)),
        PORT: String(port),
        PUBLIC_URL: base,
        ADMIN_EMAIL: ADMIN.email,
        ADMIN_PASSWORD: ADMIN.password,
      };
      await startService();
      cleanups.push(() => void service.stop('SIGKILL'));
      browser = await launchChromium();
      cleanups.push(() => browser.close());
      const signIn = await send(`${base}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(ADMIN),
      });
      assert.equal(signIn.status, 200, signIn.text);
      cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] as string;
    });
    after(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup();
    });

    it('render mode (contact page): a labelled form in a shadow root; invalid input shows accessible errors and sends nothing; sent by keyboard alone and stored once', async () => {
      const { context, page, problems } = await open(`${base}/examples/contact.html`);
      const host = page.locator('[data-formline]');
      const form = host.locator('form');
      await form.waitFor();
      await assertLabelled(form);
      await recordEvents(page);

      // Nothing filled in: every required field is marked, the first one has the focus.
      await host.getByRole('button', { name: 'Send' }).click();
      const name = host.getByLabel('Your name');
      await assertFieldError(name, 'This field is required.');
      await assertFieldError(host.getByLabel('Email'), 'This field is required.');
      await assertFieldError(host.getByLabel('I agree to be contacted'), 'This field is required.');
      assert.equal(await page.evaluate(() => document.querySelector('[data-formline]')?.shadowRoot?.activeElement?.getAttribute('name')), 'name');
      assert.equal(await host.getByRole('status').textContent(), 'Please correct the marked fields.');

      // A bad address is explained by the same validator the service runs.
      await name.fill('Someone');
      await host.getByLabel('Email').fill('someone@example');
      await host.getByRole('button', { name: 'Send' }).click();
      await assertFieldError(host.getByLabel('Email'), 'Enter a valid email address.');
      assert.equal(await name.getAttribute('aria-invalid'), null);
      assert.deepEqual(await stored('f_demo', 'name', 'Someone'), [], 'an invalid form sent something');
      assert.deepEqual(await seenEvents(page), ['formline:error', 'formline:error']);

      // Now by keyboard alone, from the top of a fresh page.
      const visitor = `Keyboard Visitor ${Date.now()}`;
      await page.reload();
      await form.waitFor();
      await recordEvents(page);
      await page.keyboard.press('Tab');
      await page.keyboard.type(visitor);
      await page.keyboard.press('Tab');
      await page.keyboard.type('keyboard@example.com');
      await page.keyboard.press('Tab'); // topic: left unchosen
      await page.keyboard.press('Tab');
      await page.keyboard.type('I can do all of this without a mouse.');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Space');
      await humanPause(page);
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      await host.getByRole('status').filter({ hasText: 'Thanks! We will be in touch.' }).waitFor();
      assert.equal(await form.isHidden(), true);

      const row = await storedOnce('f_demo', 'name', visitor);
      assert.deepEqual(row.data, {
        name: visitor,
        email: 'keyboard@example.com',
        topic: '',
        message: 'I can do all of this without a mouse.',
        consent: true,
      });
      assert.equal(row.status, 'new');
      assert.deepEqual(await seenEvents(page), ['formline:submit', 'formline:success']);
      assert.equal(await page.evaluate((key) => localStorage.getItem(key), PENDING_KEY), '{}');
      await assertNoCookies(context, page);
      // The page gained one global: formline.
      const globals = await page.evaluate(() => {
        const frame = document.createElement('iframe');
        document.body.append(frame);
        const pristine = new Set(Object.getOwnPropertyNames(frame.contentWindow));
        frame.remove();
        return Object.getOwnPropertyNames(window).filter((key) => !pristine.has(key) && !key.startsWith('__') && key !== 'seenEvents');
      });
      assert.deepEqual(globals, ['formline']);
      await screenshot(page, 'contact');
      assertClean(problems);
    });

    it("enhance mode: the page's own form keeps its markup and styles, gains inline errors, and is sent once", async () => {
      const { context, page, problems } = await open(`${base}/examples/enhance.html`);
      const button = page.getByRole('button', { name: 'Send message' });
      await page.waitForFunction(() => typeof (window as unknown as { formline?: unknown }).formline === 'object');
      await button.click();
      await assertFieldError(page.getByLabel('Your name'), 'This field is required.');
      await assertFieldError(page.getByLabel('Message'), 'This field is required.');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'name');
      // The page's own CSS styles what the embed added, and its own button is untouched.
      assert.equal(await page.locator('.formline-error').first().evaluate((e) => getComputedStyle(e).color), 'rgb(164, 38, 44)');
      assert.equal(await button.evaluate((e) => getComputedStyle(e).backgroundColor), 'rgb(122, 75, 42)');

      await page.getByLabel('Message').fill('too short');
      await button.click();
      await assertFieldError(page.getByLabel('Message'), 'Use at least 10 characters.');

      const visitor = `Enhanced Visitor ${Date.now()}`;
      await page.getByLabel('Your name').fill(visitor);
      await page.getByLabel('Email').fill('enhanced@example.com');
      await page.getByLabel('Topic').selectOption('Support');
      await page.getByLabel('Message').fill('Please call me about a commission.');
      await page.getByLabel('I agree to be contacted').check();
      await humanPause(page);
      await button.click();
      await page.getByRole('status').filter({ hasText: 'Thanks! We will be in touch.' }).waitFor();
      assert.equal(await page.locator('[aria-invalid]').count(), 0);
      assert.equal(page.url(), `${base}/examples/enhance.html`, 'the page did not navigate');

      const row = await storedOnce('f_demo', 'name', visitor);
      assert.deepEqual(row.data, {
        name: visitor,
        email: 'enhanced@example.com',
        topic: 'Support',
        message: 'Please call me about a commission.',
        consent: true,
      });
      await assertNoCookies(context, page);
      await screenshot(page, 'enhance');
      assertClean(problems);
    });

    it('the no-JS page posts and lands on the thank-you page with JavaScript disabled', async () => {
      const { page, problems } = await open(`${base}/examples/no-js.html`, { javaScriptEnabled: false });
      const visitor = `No Script Visitor ${Date.now()}`;
      await page.getByLabel('Your name').fill(visitor);
      await page.getByLabel('Email').fill('noscript@example.com');
      await page.getByLabel('Message').fill('Plain HTML still works.');
      await page.getByLabel('I agree to be contacted').check();
      await Promise.all([page.waitForURL(`${base}/v1/f/f_demo/thanks`), page.getByRole('button', { name: 'Send' }).click()]);
      assert.match((await page.locator('body').textContent()) ?? '', /Thanks! We will be in touch\./);
      const row = await storedOnce('f_demo', 'name', visitor);
      assert.equal(row.data['email'], 'noscript@example.com');
      await screenshot(page, 'no-js');
      assertClean(problems);
    });

    it('the waitlist page takes a name, an email and a phone number, and explains a bad number', async () => {
      const { page, problems } = await open(`${base}/examples/waitlist.html`);
      const host = page.locator('[data-formline]');
      const join = host.getByRole('button', { name: 'Join the waitlist' });
      await join.waitFor();
      await assertLabelled(host.locator('form'));
      const visitor = `Waiting Visitor ${Date.now()}`;
      await host.getByLabel('Name').fill(visitor);
      await host.getByLabel('Email').fill('waiting@example.com');
      await host.getByLabel('Phone').fill('call me maybe');
      await join.click();
      await assertFieldError(host.getByLabel('Phone'), 'Enter a valid phone number.');
      assert.deepEqual(await stored('f_waitlist', 'name', visitor), []);

      await host.getByLabel('Phone').fill('+44 20 7946 0958');
      await humanPause(page);
      await join.click();
      await host.getByRole('status').filter({ hasText: "You're on the list." }).waitFor();
      const row = await storedOnce('f_waitlist', 'name', visitor);
      assert.deepEqual(row.data, { name: visitor, email: 'waiting@example.com', phone: '+44 20 7946 0958' });
      await screenshot(page, 'waitlist');
      assertClean(problems);
    });

    it("under a strict CSP and hostile CSS the form keeps its own look, speaks the page's language, and is sent", async () => {
      const { page, problems } = await open(`${base}/examples/strict-csp.html`);
      const host = page.locator('[data-formline]');
      const send = host.getByRole('button', { name: 'Send' }); // the form's own label
      await send.waitFor();
      // The page's rules (display:none on inputs, uppercase, letter-spacing, magenta) do not reach in.
      const looks = await host.getByLabel('Your name').evaluate((input) => {
        const style = getComputedStyle(input);
        const label = getComputedStyle((input as HTMLInputElement).labels![0]!);
        return { display: style.display, labelTransform: label.textTransform, labelSpacing: label.letterSpacing, labelColor: label.color };
      });
      assert.deepEqual(looks, { display: 'block', labelTransform: 'none', labelSpacing: 'normal', labelColor: 'rgb(34, 34, 34)' });
      assert.equal(await page.locator('main > p').evaluate((p) => getComputedStyle(p).textTransform), 'uppercase', 'the hostile CSS is in force on the page');

      await send.click();
      await assertFieldError(host.getByLabel('Your name'), 'Dieses Feld ist erforderlich.');
      assert.equal(await host.getByRole('status').textContent(), 'Bitte korrigieren Sie die markierten Felder.');

      const visitor = `Strenger Besuch ${Date.now()}`;
      await host.getByLabel('Your name').fill(visitor);
      await host.getByLabel('Email').fill('streng@example.com');
      await host.getByLabel('Message').fill('Auch hier funktioniert alles.');
      await host.getByLabel('I agree to be contacted').check();
      await humanPause(page);
      await send.click();
      await host.getByRole('status').filter({ hasText: 'Thanks! We will be in touch.' }).waitFor();
      assert.equal((await stored('f_demo', 'name', visitor)).length, 1);
      await screenshot(page, 'strict-csp');
      assertClean(problems);
    });

    it('a submission made while the service is down waits on the device, survives a reload, and is stored once when the service is back', async () => {
      // The page lives on another origin (as a real site does), so it can be reloaded while the
      // service is down.
      const form = await sitePage({
        name: 'Outage',
        schema: {
          fields: [
            { name: 'name', type: 'text', label: 'Name', required: true },
            { name: 'note', type: 'textarea', label: 'Note' },
          ],
          successMessage: 'Stored at last.',
        },
      });
      const { page, problems } = await open(form.url);
      const host = page.locator('[data-formline]');
      await host.getByRole('button', { name: 'Send' }).waitFor();
      const visitor = `Patient Visitor ${Date.now()}`;
      await host.getByLabel('Name').fill(visitor);
      await host.getByLabel('Note').fill('Written on a train.');
      await humanPause(page);

      await service.stop('SIGKILL');
      await host.getByRole('button', { name: 'Send' }).click();
      await host.getByRole('status').filter({ hasText: 'Your submission is saved and will be sent automatically.' }).waitFor({ timeout: 15_000 });
      const pending = JSON.parse((await page.evaluate((key) => localStorage.getItem(key), PENDING_KEY)) ?? '{}') as Record<string, [string, string]>;
      assert.equal(Object.keys(pending).length, 1);

      // Reloaded while the service is still down (the script comes from the browser's cache).
      await page.reload();
      await page.waitForTimeout(1500);
      assert.equal(Object.keys(JSON.parse((await page.evaluate((key) => localStorage.getItem(key), PENDING_KEY)) ?? '{}')).length, 1);

      await startService();
      await page.waitForFunction((key) => localStorage.getItem(key) === '{}', PENDING_KEY, { timeout: 45_000 });
      const row = await storedOnce(form.formId, 'name', visitor);
      assert.deepEqual(row.data, { name: visitor, note: 'Written on a train.' });
      assert.equal(row.status, 'new');
      // Once more after a while: still exactly one (no retry went through twice).
      await page.waitForTimeout(1000);
      assert.equal((await stored(form.formId, 'name', visitor)).length, 1);
      assertClean(problems);
    });

    it("a form with a captcha shows the provider's challenge in its slot and sends the token, which the service verifies", async () => {
      const form = await sitePage({
        name: 'Guarded',
        schema: { fields: [{ name: 'email', type: 'email', label: 'Email', required: true }], successMessage: 'Verified and stored.' },
        settings: { captcha: { provider: 'turnstile', siteKey: '1x00000000000000000000AA', secretKey: 'browser-suite-secret' } },
      });
      const { page, problems } = await open(form.url);
      const host = page.locator('[data-formline]');
      // The provider's script found the slot (in the host's light DOM) and solved it.
      await page.locator('.cf-turnstile[data-solved-for="1x00000000000000000000AA"]').waitFor({ state: 'attached' });
      assert.equal(await page.locator('.cf-turnstile').evaluate((slot) => slot.assignedSlot !== null), true, 'the challenge is shown inside the form');
      const token = await page.locator('.cf-turnstile input').inputValue();
      assert.ok(token.startsWith(TOKEN_PREFIX));
      const asked = captcha.verifications.length;
      const visitor = `guarded-${Date.now()}@example.com`;
      await host.getByLabel('Email').fill(visitor);
      await humanPause(page);
      await host.getByRole('button', { name: 'Send' }).click();
      await host.getByRole('status').filter({ hasText: 'Verified and stored.' }).waitFor();
      assert.deepEqual(captcha.verifications.slice(asked), [{ secret: 'browser-suite-secret', response: token, remoteip: '127.0.0.1' }]);
      const row = await storedOnce(form.formId, 'email', visitor);
      assert.deepEqual(row.data, { email: visitor });
      assert.equal(row.status, 'new');
      assertClean(problems);
    });

    it('formline.mount() called before the script loads (the queue stub) renders the form with its options', async () => {
      const form = await sitePage(
        { name: 'Mounted', schema: { fields: [{ name: 'city', type: 'text', label: 'City', required: true }], submitLabel: 'Go' } },
        (formId) => `<section id="slot"></section>
          <script>window.formline = window.formline || { q: [], mount: function () { this.q.push(arguments); } };
            formline.mount(document.getElementById('slot'), { form: ${JSON.stringify(formId)}, lang: 'fr', success: 'Merci, reçu.' });</script>
          <script src="${base}/w.js" async></script>`,
      );
      const { page, problems } = await open(form.url);
      const host = page.locator('#slot');
      await host.getByRole('button', { name: 'Go' }).click();
      await assertFieldError(host.getByLabel('City'), 'Ce champ est obligatoire.');
      // A second mount of the same element changes nothing; a bad argument throws nothing.
      await page.evaluate(() => {
        const api = (window as unknown as { formline: { mount(element: unknown, options?: unknown): void } }).formline;
        api.mount(document.getElementById('slot'));
        api.mount(null);
        api.mount(document.createElement('div'), { form: 'f_doesnotexist' });
      });
      assert.equal(await host.locator('form').count(), 1);
      const city = `Lyon ${Date.now()}`;
      await host.getByLabel('City').fill(city);
      await humanPause(page);
      await host.getByRole('button', { name: 'Go' }).click();
      await host.getByRole('status').filter({ hasText: 'Merci, reçu.' }).waitFor();
      assert.equal((await stored(form.formId, 'city', city)).length, 1);
      assertClean(problems);
    });

    it('renders every field type with its constraints, and stores values normalised to their types', async () => {
      const form = await sitePage({
        name: 'Every type',
        schema: {
          fields: [
            { name: 'name', type: 'text', label: 'Name', required: true, minLength: 2, maxLength: 40, pattern: '[A-Za-z ]+' },
            { name: 'email', type: 'email', label: 'Email' },
            { name: 'phone', type: 'tel', label: 'Phone' },
            { name: 'site', type: 'url', label: 'Website' },
            { name: 'guests', type: 'number', label: 'Guests', min: 1, max: 8 },
            { name: 'notes', type: 'textarea', label: 'Notes', maxLength: 500 },
            { name: 'room', type: 'select', label: 'Room', options: ['Single', 'Double'], required: true },
            { name: 'meal', type: 'radio', label: 'Meal', options: ['Fish', 'Veg'], required: true },
            { name: 'extras', type: 'checkboxes', label: 'Extras', options: ['Parking', 'Late checkout', 'Breakfast'] },
            { name: 'terms', type: 'checkbox', label: 'I accept the terms', required: true },
            { name: 'arrival', type: 'date', label: 'Arrival', min: '2026-01-01', max: '2030-12-31', required: true },
            { name: 'source', type: 'hidden', value: 'spring-campaign' },
          ],
          submitLabel: 'Book',
          successMessage: 'Booked.',
        },
      });
      const { page, problems } = await open(form.url);
      const host = page.locator('[data-formline]');
      const book = host.getByRole('button', { name: 'Book' });
      await book.waitFor();
      await assertLabelled(host.locator('form'));
      // The constraints are on the controls, for assistive technology and the browser.
      assert.equal(await host.getByLabel('Name').getAttribute('maxlength'), '40');
      assert.equal(await host.getByLabel('Guests').getAttribute('max'), '8');
      assert.equal(await host.getByLabel('Arrival').getAttribute('type'), 'date');
      assert.deepEqual(await host.getByRole('group', { name: 'Meal' }).getByRole('radio').evaluateAll((r) => r.map((e) => (e as HTMLInputElement).value)), ['Fish', 'Veg']);

      await host.getByLabel('Name').fill('R2-D2');
      await host.getByLabel('Email').fill('not an address');
      await host.getByLabel('Website').fill('ftp://example.com');
      await host.getByLabel('Guests').fill('12');
      await host.getByLabel('Arrival').fill('2025-06-01');
      await book.click();
      await assertFieldError(host.getByLabel('Name'), 'Match the requested format.');
      await assertFieldError(host.getByLabel('Email'), 'Enter a valid email address.');
      await assertFieldError(host.getByLabel('Website'), 'Enter a valid web address starting with http:// or https://.');
      await assertFieldError(host.getByLabel('Guests'), 'Enter 8 or less.');
      await assertFieldError(host.getByLabel('Room'), 'This field is required.');
      await assertFieldError(host.getByLabel('Fish'), 'This field is required.');
      await assertFieldError(host.getByLabel('I accept the terms'), 'This field is required.');
      await assertFieldError(host.getByLabel('Arrival'), 'Enter 2026-01-01 or more.');

      const visitor = `Ada Types ${Date.now()}`.replace(/\d/g, (d) => 'abcdefghij'[Number(d)] as string);
      await host.getByLabel('Name').fill(visitor);
      await host.getByLabel('Email').fill('ada@example.com');
      await host.getByLabel('Phone').fill('+1 (415) 555-0100');
      await host.getByLabel('Website').fill('https://ada.example');
      await host.getByLabel('Guests').fill('2');
      await host.getByLabel('Notes').fill('Quiet room, please.');
      await host.getByLabel('Room').selectOption('Double');
      await host.getByLabel('Veg').check();
      await host.getByLabel('Parking').check();
      await host.getByLabel('Breakfast').check();
      await host.getByLabel('I accept the terms').check();
      await host.getByLabel('Arrival').fill('2027-03-14');
      await humanPause(page);
      await book.click();
      await host.getByRole('status').filter({ hasText: 'Booked.' }).waitFor();
      const row = await storedOnce(form.formId, 'name', visitor);
      assert.deepEqual(row.data, {
        name: visitor,
        email: 'ada@example.com',
        phone: '+1 (415) 555-0100',
        site: 'https://ada.example',
        guests: 2,
        notes: 'Quiet room, please.',
        room: 'Double',
        meal: 'Veg',
        extras: ['Parking', 'Breakfast'],
        terms: true,
        arrival: '2027-03-14',
        source: 'spring-campaign',
      });
      assertClean(problems);
    });

    it("enhances a form without a schema from its own HTML constraints, and shows the service's 422 on the fields", async () => {
      const form = await sitePage({ name: 'Schemaless', schema: null }, (formId) => `
        <form action="${base}/v1/f/${formId}" method="post" data-formline>
          <label for="email">Email</label> <input id="email" name="email" type="email" required>
          <label for="code">Code</label> <input id="code" name="code" pattern="[0-9]+" title="digits">
          <button>Send</button>
        </form>
        <script src="${base}/w.js" async></script>`);
      const { page, problems } = await open(form.url);
      await page.waitForFunction(() => typeof (window as unknown as { formline?: unknown }).formline === 'object');
      await page.getByLabel('Code').fill('ab');
      await page.getByRole('button', { name: 'Send' }).click();
      // The browser's own message for its own constraint, shown inline.
      const email = page.getByLabel('Email');
      assert.equal(await email.getAttribute('aria-invalid'), 'true');
      const expected = await email.evaluate((input) => (input as HTMLInputElement).validationMessage);
      assert.ok(expected.length > 0);
      await assertFieldError(email, expected);
      assert.equal(await page.getByLabel('Code').getAttribute('aria-invalid'), 'true');

      const visitor = `schemaless-${Date.now()}@example.com`;
      await email.fill(visitor);
      await page.getByLabel('Code').fill('1234');
      // Meanwhile the owner adds a schema the page does not know about yet: the service's 422
      // lands on the field it names.
      const patched = await send(`${base}/api/forms/${form.formId}`, {
        method: 'PATCH',
        headers: { cookie, origin: base, 'content-type': 'application/json' },
        body: JSON.stringify({ schema: { fields: [{ name: 'email', type: 'email', required: true }, { name: 'code', type: 'text', minLength: 5 }] } }),
      });
      assert.equal(patched.status, 200, patched.text);
      await page.waitForTimeout(5500); // the service's form cache holds a form for 5 s
      await humanPause(page);
      await page.getByRole('button', { name: 'Send' }).click();
      await page.getByRole('status').filter({ hasText: 'Please correct the marked fields.' }).waitFor();
      await assertFieldError(page.getByLabel('Code'), 'Use at least 5 characters.');
      assert.deepEqual(await stored(form.formId, 'email', visitor), []);

      await page.getByLabel('Code').fill('12345');
      await page.getByRole('button', { name: 'Send' }).click();
      await page.getByRole('status').filter({ hasText: 'Thanks! Your submission was received.' }).waitFor();
      assert.equal((await stored(form.formId, 'email', visitor)).length, 1);
      assertClean(problems);
    });
  });
}
