// The embed in real Chromium, against the real service (`npm start`'s code in a child process)
// and its database, through the example pages a site owner would write: each page is filled and
// sent and its submission is found stored exactly once, as new, with the right data; invalid input
// shows accessible errors and sends nothing (no request leaves the page); the no-JS page and the
// enhanced page work with JavaScript off; a submission made while the service is down survives a
// reload and is stored once when the service is back. Then the ways a submission could be lost on
// a flaky network, the service's answers stubbed with page.route where the service would not
// misbehave on its own: a lost answer, 5xx and 429, a hanging request, going back online, a
// refusal after the form was handed back or on the next page load. No page may throw or break its
// Content-Security-Policy. Screenshots of each example, filled and then sent, are kept under
// test/output/.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Locator, Page, Request, Route } from 'playwright-core';
import { MIN_FILL_SECONDS } from '../ingest/services/time-trap.ts';
import { accessibleDescription, launchChromium, skipWithoutChromium, watchPage, type PageProblems } from './helpers/browser.ts';
import { TOKEN_PREFIX, startCaptchaStandIn, type CaptchaStandIn } from './helpers/captcha-stand-in.ts';
import { databaseTargets } from './helpers/databases.ts';
import { send } from './helpers/http.ts';
import { freePort } from './helpers/ports.ts';
import { freshDatabaseEnv, startServiceProcess, type ServiceProcess } from './helpers/service-process.ts';

const OUTPUT = fileURLToPath(new URL('./output/', import.meta.url));
const ADMIN = { email: 'admin@example.com', password: 'browser-suite-password' };
const PENDING_KEY = 'formline:pending';
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

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

/** Every submission the page posts (to /v1/f/...), as it leaves the page. */
function recordPosts(page: Page): Request[] {
  const posts: Request[] = [];
  page.on('request', (request) => {
    if (request.method() === 'POST' && request.url().includes('/v1/f/')) posts.push(request);
  });
  return posts;
}

const pendingOn = async (page: Page) => JSON.parse((await page.evaluate((key) => localStorage.getItem(key), PENDING_KEY)) ?? '{}') as Record<string, unknown[]>;

interface SeenEvent {
  name: string;
  /** The tag and id (or data-formline) of the element it was dispatched on. */
  target: string;
  detail: Record<string, unknown>;
}

/** Run in the page (also as an init script): records every formline:* event in window.seenEvents. */
function listenForEvents(): void {
  const seen: SeenEvent[] = [];
  (window as unknown as { seenEvents: SeenEvent[] }).seenEvents = seen;
  for (const name of ['formline:submit', 'formline:success', 'formline:error']) {
    document.addEventListener(name, (event) => {
      const target = event.target as HTMLElement;
      seen.push({ name, target: `${target.tagName.toLowerCase()}#${target.id || target.dataset['formline'] || ''}`, detail: (event as CustomEvent).detail as Record<string, unknown> });
    });
  }
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

    /** The one submission of a form whose `field` equals `value` (fails when there is none, or more), filed as `status`. */
    const storedOnce = async (formId: string, field: string, value: string, status = 'new'): Promise<StoredSubmission> => {
      const rows = await stored(formId, field, value);
      assert.equal(rows.length, 1, `${rows.length} submissions stored with ${field} = ${value}`);
      assert.equal(rows[0]?.status, status, `stored as ${rows[0]?.status}`);
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

    /** Records the formline:* events dispatched on the page: their names, targets and details. */
    const recordEvents = (page: Page) => page.evaluate(listenForEvents);
    const events = (page: Page) => page.evaluate(() => (window as unknown as { seenEvents: SeenEvent[] }).seenEvents);
    const seenEvents = async (page: Page) => (await events(page)).map((event) => event.name);

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

    /**
     * The field is marked invalid and described by its error text alone, which is shown. (Every
     * element aria-describedby names counts, hidden or not, as it does for a screen reader.)
     */
    const assertFieldError = async (control: Locator, text: string) => {
      assert.equal(await control.getAttribute('aria-invalid'), 'true');
      const described = await control.evaluate((element) => {
        const root = element.getRootNode() as Document | ShadowRoot;
        const parts = (element.getAttribute('aria-describedby') ?? '')
          .split(' ')
          .filter(Boolean)
          .map((id) => root.getElementById(id))
          .filter((e): e is HTMLElement => !!e && e.textContent !== '');
        return { text: parts.map((e) => e.textContent).join(' '), shown: parts.every((e) => !e.hidden && e.checkVisibility()) };
      });
      assert.deepEqual(described, { text, shown: true });
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
      const posts = recordPosts(page);
      // The page themes the form through the --formline-* custom properties (examples.css, .themed).
      assert.deepEqual(await host.getByRole('button', { name: 'Send' }).evaluate((button) => [getComputedStyle(button).backgroundColor, getComputedStyle(button).fontSize]), [
        'rgb(15, 118, 110)',
        '17px',
      ]);

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
      // The fixed field's old error is gone from what a screen reader hears, too.
      assert.equal(await accessibleDescription(page, 'textbox', 'Your name'), '');
      assert.equal(await accessibleDescription(page, 'textbox', 'Email'), 'Enter a valid email address.');
      assert.deepEqual(await stored('f_demo', 'name', 'Someone'), [], 'an invalid form sent something');
      assert.deepEqual(await events(page), [
        {
          name: 'formline:error',
          target: 'div#f_demo',
          detail: { code: 'validation_failed', fields: { name: 'This field is required.', email: 'This field is required.', message: 'This field is required.', consent: 'This field is required.' } },
        },
        { name: 'formline:error', target: 'div#f_demo', detail: { code: 'validation_failed', fields: { email: 'Enter a valid email address.', message: 'This field is required.', consent: 'This field is required.' } } },
      ]);
      await page.waitForTimeout(100);
      assert.equal(posts.length, 0, 'an invalid form sent a request');

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
      await screenshot(page, 'contact-filled');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      await host.getByRole('status').filter({ hasText: 'Thanks! We will be in touch.' }).waitFor();
      assert.equal(await form.isHidden(), true);
      await screenshot(page, 'contact-sent');

      const row = await storedOnce('f_demo', 'name', visitor);
      assert.deepEqual(row.data, {
        name: visitor,
        email: 'keyboard@example.com',
        topic: '',
        message: 'I can do all of this without a mouse.',
        consent: true,
      });
      assert.deepEqual(await events(page), [
        { name: 'formline:submit', target: 'div#f_demo', detail: { data: { name: visitor, email: 'keyboard@example.com', topic: '', message: 'I can do all of this without a mouse.', consent: 'on' } } },
        { name: 'formline:success', target: 'div#f_demo', detail: { id: row.id } },
      ]);
      // One request, under a random UUID as its Idempotency-Key, marked as a first attempt.
      assert.equal(posts.length, 1);
      assert.match(posts[0]?.headers()['idempotency-key'] ?? '', UUID_V4);
      assert.match(posts[0]?.url() ?? '', /\/v1\/f\/f_demo\?lang=en&retry=0$/);
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
      assertClean(problems);
    });

    it("enhance mode: the page's own form keeps its markup and styles, gains inline errors, and is sent once", async () => {
      const { context, page, problems } = await open(`${base}/examples/enhance.html`);
      const posts = recordPosts(page);
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
      await page.getByLabel('Your name').fill('Someone');
      await button.click();
      await assertFieldError(page.getByLabel('Message'), 'Use at least 10 characters.');
      // The name, fixed, is no longer invalid, nor described by its old error.
      assert.equal(await page.getByLabel('Your name').getAttribute('aria-invalid'), null);
      assert.equal(await accessibleDescription(page, 'textbox', 'Your name'), '');
      assert.equal(await accessibleDescription(page, 'textbox', 'Message'), 'Use at least 10 characters.');
      await page.waitForTimeout(100);
      assert.equal(posts.length, 0, 'an invalid form sent a request');

      const visitor = `Enhanced Visitor ${Date.now()}`;
      await page.getByLabel('Your name').fill(visitor);
      await page.getByLabel('Email').fill('enhanced@example.com');
      await page.getByLabel('Topic').selectOption('Support');
      await page.getByLabel('Message').fill('Please call me about a commission.');
      await page.getByLabel('I agree to be contacted').check();
      await humanPause(page);
      await screenshot(page, 'enhance-filled');
      await button.click();
      await page.getByRole('status').filter({ hasText: 'Thanks! We will be in touch.' }).waitFor();
      assert.equal(await page.locator('[aria-invalid]').count(), 0);
      assert.equal(await accessibleDescription(page, 'textbox', 'Message'), '');
      assert.equal(page.url(), `${base}/examples/enhance.html`, 'the page did not navigate');
      // The form, sent, is empty again.
      assert.equal(await page.getByLabel('Your name').inputValue(), '');

      const row = await storedOnce('f_demo', 'name', visitor);
      assert.deepEqual(row.data, {
        name: visitor,
        email: 'enhanced@example.com',
        topic: 'Support',
        message: 'Please call me about a commission.',
        consent: true,
      });
      await assertNoCookies(context, page);
      await screenshot(page, 'enhance-sent');
      assertClean(problems);
    });

    it('the enhanced page still posts and lands without JavaScript, and when the script cannot load', async () => {
      const fill = async (page: Page, visitor: string) => {
        await page.getByLabel('Your name').fill(visitor);
        await page.getByLabel('Email').fill('plain@example.com');
        await page.getByLabel('Message').fill('Sent by the browser alone.');
        await page.getByLabel('I agree to be contacted').check();
        await Promise.all([page.waitForURL(`${base}/v1/f/f_demo/thanks`), page.getByRole('button', { name: 'Send message' }).click()]);
        assert.match((await page.locator('body').textContent()) ?? '', /Thanks! We will be in touch\./);
        const row = await storedOnce('f_demo', 'name', visitor);
        assert.deepEqual(row.data, { name: visitor, email: 'plain@example.com', topic: 'Sales', message: 'Sent by the browser alone.', consent: true });
      };
      const off = await open(`${base}/examples/enhance.html`, { javaScriptEnabled: false });
      await fill(off.page, `Enhanced Without Script ${Date.now()}`);
      assertClean(off.problems);

      const blocked = await browser.newContext();
      cleanups.push(() => blocked.close());
      const page = await blocked.newPage();
      const problems = await watchPage(page);
      await page.route('**/w.js', (route) => route.abort('blockedbyclient'));
      await page.goto(`${base}/examples/enhance.html`);
      await fill(page, `Enhanced Script Blocked ${Date.now()}`);
      assertClean(problems);
    });

    it('the no-JS page posts and lands on the thank-you page with JavaScript disabled', async () => {
      const { page, problems } = await open(`${base}/examples/no-js.html`, { javaScriptEnabled: false });
      const visitor = `No Script Visitor ${Date.now()}`;
      await page.getByLabel('Your name').fill(visitor);
      await page.getByLabel('Email').fill('noscript@example.com');
      await page.getByLabel('Message').fill('Plain HTML still works.');
      await page.getByLabel('I agree to be contacted').check();
      await screenshot(page, 'no-js-filled');
      await Promise.all([page.waitForURL(`${base}/v1/f/f_demo/thanks`), page.getByRole('button', { name: 'Send' }).click()]);
      assert.match((await page.locator('body').textContent()) ?? '', /Thanks! We will be in touch\./);
      const row = await storedOnce('f_demo', 'name', visitor);
      assert.deepEqual(row.data, { name: visitor, email: 'noscript@example.com', topic: 'Sales', message: 'Plain HTML still works.', consent: true });
      await screenshot(page, 'no-js-sent');
      assertClean(problems);
    });

    it('the waitlist page takes a name, an email and a phone number, and explains a bad number', async () => {
      const { page, problems } = await open(`${base}/examples/waitlist.html`);
      const posts = recordPosts(page);
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
      assert.equal(posts.length, 0, 'an invalid form sent a request');
      // What the browser may fill in for the visitor.
      assert.deepEqual(
        await host.locator('input:not([type=hidden]):not([name=_gotcha])').evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).autocomplete)),
        ['name', 'email', 'tel'],
      );

      await host.getByLabel('Phone').fill('+44 20 7946 0958');
      // Corrected, the field loses its error at once, and the request to correct it goes too.
      assert.equal(await host.getByLabel('Phone').getAttribute('aria-invalid'), null);
      assert.equal(await accessibleDescription(page, 'textbox', 'Phone'), '');
      assert.equal(await host.getByRole('status').textContent(), '');
      await humanPause(page);
      await screenshot(page, 'waitlist-filled');
      await join.click();
      await host.getByRole('status').filter({ hasText: "You're on the list." }).waitFor();
      const row = await storedOnce('f_waitlist', 'name', visitor);
      assert.deepEqual(row.data, { name: visitor, email: 'waiting@example.com', phone: '+44 20 7946 0958' });
      await screenshot(page, 'waitlist-sent');
      assertClean(problems);
    });

    it("under a strict CSP and hostile CSS the form keeps its own look, speaks the page's language, and is sent", async () => {
      const { page, problems } = await open(`${base}/examples/strict-csp.html`);
      const posts = recordPosts(page);
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
      await page.waitForTimeout(100);
      assert.equal(posts.length, 0, 'an invalid form sent a request');

      const visitor = `Strenger Besuch ${Date.now()}`;
      await host.getByLabel('Your name').fill(visitor);
      await host.getByLabel('Email').fill('streng@example.com');
      await host.getByLabel('Message').fill('Auch hier funktioniert alles.');
      await host.getByLabel('I agree to be contacted').check();
      await humanPause(page);
      await screenshot(page, 'strict-csp-filled');
      await send.click();
      // The page's own thanks, in its language (data-success).
      await host.getByRole('status').filter({ hasText: 'Danke! Wir melden uns bald.' }).waitFor();
      const row = await storedOnce('f_demo', 'name', visitor);
      assert.deepEqual(row.data, { name: visitor, email: 'streng@example.com', topic: '', message: 'Auch hier funktioniert alles.', consent: true });
      await screenshot(page, 'strict-csp-sent');
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

    it("a form with a captcha shows the provider's challenge in its slot and sends the token; its answer lost, the retry gets the first id though the token is spent", async () => {
      const form = await sitePage({
        name: 'Guarded',
        schema: { fields: [{ name: 'email', type: 'email', label: 'Email', required: true }], successMessage: 'Verified and stored.' },
        settings: { captcha: { provider: 'turnstile', siteKey: '1x00000000000000000000AA', secretKey: 'browser-suite-secret' } },
      });
      const { page, problems } = await open(form.url);
      const posts = recordPosts(page);
      // The first post reaches the service and is stored, but its answer never comes back (the
      // connection drops); later posts go through.
      let answers = 0;
      await page.route('**/v1/f/**', async (route: Route) => {
        if (route.request().method() !== 'POST' || answers++ > 0) return route.continue();
        await route.fetch();
        await route.abort('connectionreset');
      });
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
      // Asked once: the retry found the stored submission by its key before any check.
      assert.deepEqual(captcha.verifications.slice(asked), [{ secret: 'browser-suite-secret', response: token, remoteip: '127.0.0.1' }]);
      assert.equal(posts.length, 2);
      assert.equal(posts[0]?.headers()['idempotency-key'], posts[1]?.headers()['idempotency-key']);
      assert.match(posts[1]?.url() ?? '', /&retry=1$/);
      const row = await storedOnce(form.formId, 'email', visitor);
      assert.deepEqual(row.data, { email: visitor });
      assert.deepEqual(await pendingOn(page), {});
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
      const posts = recordPosts(page);
      await recordEvents(page);
      const host = page.locator('#slot');
      await host.getByRole('button', { name: 'Go' }).click();
      await assertFieldError(host.getByLabel('City'), 'Ce champ est obligatoire.');
      await page.waitForTimeout(100);
      assert.equal(posts.length, 0, 'an invalid form sent a request');
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
      const row = await storedOnce(form.formId, 'city', city);
      assert.deepEqual(row.data, { city });
      // The events are dispatched on the element mounted into.
      assert.deepEqual(await seenEvents(page), ['formline:error', 'formline:submit', 'formline:success']);
      assert.ok((await events(page)).every((event) => event.target === 'section#slot'));
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
      const posts = recordPosts(page);
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
      // The focus is on the first invalid field; in a group of radios, on its first.
      assert.equal(await page.evaluate(() => document.querySelector('[data-formline]')?.shadowRoot?.activeElement?.getAttribute('name')), 'name');
      await host.getByLabel('Name').fill('Ada Types');
      await host.getByLabel('Email').fill('');
      await host.getByLabel('Website').fill('');
      await host.getByLabel('Guests').fill('');
      await host.getByLabel('Room').selectOption('Single');
      await book.click();
      assert.deepEqual(
        await page.evaluate(() => {
          const active = document.querySelector('[data-formline]')?.shadowRoot?.activeElement as HTMLInputElement | null | undefined;
          return [active?.name, active?.value];
        }),
        ['meal', 'Fish'],
      );
      await page.waitForTimeout(100);
      assert.equal(posts.length, 0, 'an invalid form sent a request');

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
      const posts = recordPosts(page);
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
      await page.waitForTimeout(100);
      assert.equal(posts.length, 0, 'an invalid form sent a request');

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
      const row = await storedOnce(form.formId, 'email', visitor);
      assert.deepEqual(row.data, { email: visitor, code: '12345' });
      assertClean(problems);
    });

    // The ways a flaky network could lose a submission, the service's answers stubbed (page.route)
    // where it would not misbehave by itself. What the widget does does not depend on the
    // database, so these run against the first one only.
    if (target === databaseTargets[0]) {
      const SAVED = 'Not sent yet: your submission is saved and will be sent automatically.';
      /** The keys and the ?retry= of each post. */
      const attempts = (posts: Request[]) => posts.map((post) => [post.headers()['idempotency-key'], new URL(post.url()).searchParams.get('retry')]);
      const joinWaitlist = async (host: Locator, visitor: string) => {
        await host.getByLabel('Name').fill(visitor);
        await host.getByLabel('Email').fill('patient@example.com');
        await host.getByLabel('Phone').fill('+1 415 555 0100');
        await host.getByRole('button', { name: 'Join the waitlist' }).click();
      };
      const refusal = (status: number, code: string, message: string, fields?: Record<string, string>) => ({
        status,
        contentType: 'application/json',
        body: JSON.stringify({ error: fields ? { code, message, fields } : { code, message } }),
      });

      it('a request that hangs is given up on after 15 s and retried; refused for good after the form was handed back, the values come back into it with their errors', async () => {
        const { page, problems } = await open(`${base}/examples/waitlist.html`);
        await recordEvents(page);
        const posts = recordPosts(page);
        let n = 0;
        await page.route('**/v1/f/**', async (route: Route) => {
          // The first is never answered; the second finds no network; the third is refused.
          if (++n === 1) return;
          if (n === 2) return route.abort('internetdisconnected');
          await route.fulfill(refusal(422, 'validation_failed', 'Some fields are not valid.', { phone: 'Enter a valid phone number.' }));
        });
        const host = page.locator('[data-formline]');
        const visitor = `Hanging Visitor ${Date.now()}`;
        await joinWaitlist(host, visitor);
        assert.equal(await host.getByRole('status').textContent(), 'Sending…');
        // Handed back: the form is free again, the submission waits on the device.
        await host.getByRole('status').filter({ hasText: SAVED }).waitFor({ timeout: 25_000 });
        assert.equal(await host.getByLabel('Name').inputValue(), '');
        assert.equal(await host.getByRole('button', { name: 'Join the waitlist' }).isEnabled(), true);
        assert.equal(Object.keys(await pendingOn(page)).length, 1);
        // Then refused: everything typed is back, the error on its field.
        await host.getByRole('status').filter({ hasText: 'Please correct the marked fields.' }).waitFor({ timeout: 10_000 });
        assert.deepEqual(
          [await host.getByLabel('Name').inputValue(), await host.getByLabel('Email').inputValue(), await host.getByLabel('Phone').inputValue()],
          [visitor, 'patient@example.com', '+1 415 555 0100'],
        );
        await assertFieldError(host.getByLabel('Phone'), 'Enter a valid phone number.');
        assert.deepEqual((await events(page)).slice(1), [
          {
            name: 'formline:error',
            target: 'div#f_waitlist',
            detail: { status: 422, code: 'validation_failed', message: 'Some fields are not valid.', fields: { phone: 'Enter a valid phone number.' } },
          },
        ]);
        const key = posts[0]?.headers()['idempotency-key'];
        assert.deepEqual(attempts(posts), [[key, '0'], [key, '1'], [key, '2']]);
        assert.deepEqual(await pendingOn(page), {});
        assertClean(problems);
      });

      it('a submission refused when it is sent on the next page load is put back into its form there', async () => {
        const context = await browser.newContext();
        cleanups.push(() => context.close());
        const first = await context.newPage();
        const firstPosts = recordPosts(first);
        await first.route('**/v1/f/**', (route: Route) => route.abort('internetdisconnected'));
        await first.goto(`${base}/examples/waitlist.html`);
        const visitor = `Returning Visitor ${Date.now()}`;
        await joinWaitlist(first.locator('[data-formline]'), visitor);
        await first.locator('[data-formline]').getByRole('status').filter({ hasText: SAVED }).waitFor();
        await first.close();

        // The next visit: sent at once, and refused (the owner has since closed the form to this site).
        const page = await context.newPage();
        const problems = await watchPage(page);
        await page.addInitScript(listenForEvents);
        const posts = recordPosts(page);
        await page.route('**/v1/f/**', (route: Route) => route.fulfill(refusal(403, 'origin_not_allowed', 'This form does not accept submissions from here.')));
        await page.goto(`${base}/examples/waitlist.html`);
        const host = page.locator('[data-formline]');
        await host.getByRole('status').filter({ hasText: 'Sorry, this could not be sent.' }).waitFor();
        assert.deepEqual(
          [await host.getByLabel('Name').inputValue(), await host.getByLabel('Email').inputValue(), await host.getByLabel('Phone').inputValue()],
          [visitor, 'patient@example.com', '+1 415 555 0100'],
        );
        assert.deepEqual(await events(page), [
          { name: 'formline:error', target: 'div#f_waitlist', detail: { status: 403, code: 'origin_not_allowed', message: 'This form does not accept submissions from here.' } },
        ]);
        assert.deepEqual(attempts(posts), [[firstPosts[0]?.headers()['idempotency-key'], '1']]);
        assert.deepEqual(await pendingOn(page), {});
        assertClean(problems);
      });

      it("5xx and 429 are retried under the same key, never before Retry-After but at once when the browser is back online; a late success leaves what the visitor typed since", async () => {
        const { context, page, problems } = await open(`${base}/examples/contact.html`);
        await recordEvents(page);
        const posts = recordPosts(page);
        let n = 0;
        await page.route('**/v1/f/**', async (route: Route) => {
          if (++n === 1) return route.fulfill(refusal(503, 'unavailable', 'The service is restarting.'));
          if (n === 2) return route.fulfill({ ...refusal(429, 'rate_limited', 'Too many submissions.'), headers: { 'Retry-After': '3600' } });
          await route.continue();
        });
        const host = page.locator('[data-formline]');
        const visitor = `Persistent Visitor ${Date.now()}`;
        await host.getByLabel('Your name').fill(visitor);
        await host.getByLabel('Email').fill('persistent@example.com');
        await host.getByLabel('Message').fill('Sent through a bad afternoon.');
        await host.getByLabel('I agree to be contacted').check();
        await humanPause(page);
        await host.getByRole('button', { name: 'Send' }).click();
        await host.getByRole('status').filter({ hasText: SAVED }).waitFor();
        // The visitor starts another message.
        await host.getByLabel('Your name').fill('A new draft');
        // Without Retry-After the next try would come within 3 s.
        await page.waitForTimeout(3500);
        assert.equal(posts.length, 2, 'retried before Retry-After');
        await context.setOffline(true);
        await context.setOffline(false);
        await host.getByRole('status').filter({ hasText: 'Thanks! We will be in touch.' }).waitFor({ timeout: 5000 });
        // The late success said so, and took nothing away.
        assert.equal(await host.locator('form').isVisible(), true);
        assert.equal(await host.getByLabel('Your name').inputValue(), 'A new draft');
        const row = await storedOnce('f_demo', 'name', visitor);
        assert.deepEqual(row.data, { name: visitor, email: 'persistent@example.com', topic: '', message: 'Sent through a bad afternoon.', consent: true });
        const key = posts[0]?.headers()['idempotency-key'];
        assert.match(key ?? '', UUID_V4);
        assert.deepEqual(attempts(posts), [[key, '0'], [key, '1'], [key, '2']]);
        assert.deepEqual(await seenEvents(page), ['formline:submit', 'formline:success']);
        assert.deepEqual(await pendingOn(page), {});
        assertClean(problems);
      });

      it('the submissions waiting on a device are bounded: none older than 30 days, at most 20', async () => {
        const context = await browser.newContext();
        cleanups.push(() => context.close());
        const page = await context.newPage();
        const problems = await watchPage(page);
        // Their form is unreachable for now: they stay.
        await page.route('**/v1/f/f_elsewhere**', (route: Route) => route.fulfill(refusal(503, 'unavailable', 'Down.')));
        const url = `${base}/v1/f/f_elsewhere?lang=en`;
        const now = Date.now();
        const items: Record<string, [string, string, number]> = { expired: [url, '{"n":"expired"}', now - 31 * 864e5] };
        for (let i = 0; i < 24; i++) items[`k${i}`] = [url, `{"n":${i}}`, now - (24 - i) * 1000];
        await page.goto(`${base}/examples/no-js.html`);
        await page.evaluate(([key, value]) => localStorage.setItem(key as string, value as string), [PENDING_KEY, JSON.stringify(items)]);
        // A page with the script: it sends what is waiting, having dropped the expired and the oldest.
        await page.goto(`${base}/examples/contact.html`);
        await page.locator('[data-formline] form').waitFor();
        assert.deepEqual(Object.keys(await pendingOn(page)), Array.from({ length: 20 }, (_, i) => `k${i + 4}`));
        assertClean(problems);
      });

      it('nothing throws into the page (a malformed data-redirect; a control named "reset" hiding form.reset()); a fast bot is thanked and filed as spam', async () => {
        const form = await sitePage(
          { name: 'Awkward', schema: { fields: [{ name: 'reset', type: 'text', label: 'Reset code', required: true }], successMessage: 'Got it.' } },
          (formId) => `
            <form id="own" action="${base}/v1/f/${formId}" method="post" data-formline>
              <label for="reset">Reset code</label> <input id="reset" name="reset" required>
              <button>Send</button>
            </form>
            <div id="odd" data-formline="${formId}" data-redirect="http://[bad"></div>
            <script src="${base}/w.js" async></script>`,
        );
        const { page, problems } = await open(form.url);
        const odd = page.locator('#odd');
        await odd.getByRole('button', { name: 'Send' }).waitFor();
        // Sent the moment the form appeared, as a bot would: thanked like anyone, filed as spam.
        const fast = `Fast${Date.now()}`;
        await odd.getByLabel('Reset code').fill(fast);
        await odd.getByRole('button', { name: 'Send' }).click();
        await odd.getByRole('status').filter({ hasText: 'Got it.' }).waitFor();
        assert.equal(page.url(), form.url, 'the malformed redirect went somewhere');
        assert.deepEqual((await storedOnce(form.formId, 'reset', fast, 'spam')).data, { reset: fast });

        const own = page.locator('#own');
        const code = `Own${Date.now()}`;
        await own.getByLabel('Reset code').fill(code);
        await humanPause(page);
        await own.getByRole('button', { name: 'Send' }).click();
        await own.getByRole('status').filter({ hasText: 'Got it.' }).waitFor();
        assert.deepEqual((await storedOnce(form.formId, 'reset', code)).data, { reset: code });
        // limitation: a control named "reset" hides form.reset(), so the form is not emptied.
        assert.equal(await own.getByLabel('Reset code').inputValue(), code);
        assertClean(problems);
      });
    }
  });
}
