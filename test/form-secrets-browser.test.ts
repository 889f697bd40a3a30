// The form editor in Chromium never shows a stored secret: the webhook signing secret is "set",
// with a rotate button that shows the new secret once; the captcha secret key field stays empty
// and a save without typing one keeps the stored key.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium, skipWithoutChromium, watchPage } from './helpers/browser.ts';
import { databaseTargets, type OpenedDatabase } from './helpers/databases.ts';
import { seedAccount, signIn, startTestApp, type Seeded, type TestApp } from './helpers/harness.ts';

const WEBHOOK_SECRET = 'whsec_browser_stored_0123456789abcdef';
const CAPTCHA_SECRET = 'captcha-browser-secret-0123456789';

for (const target of databaseTargets) {
  describe(`form secrets in the console, in Chromium, on ${target.name}`, { skip: skipWithoutChromium }, () => {
    let opened: OpenedDatabase;
    let app: TestApp;
    let browser: Browser;
    let owner: Seeded;

    before(async () => {
      opened = await target.open();
      app = await startTestApp(opened.db, { LOG_LEVEL: 'silent' });
      browser = await launchChromium();
      owner = await seedAccount(opened.db, {
        settings: {
          webhookUrl: 'https://hooks.shop.example/formline',
          webhookSecret: WEBHOOK_SECRET,
          captcha: { provider: 'turnstile', siteKey: '1x00000000000000000000AA', secretKey: CAPTCHA_SECRET },
        },
      });
    });
    after(async () => {
      await browser?.close();
      await app?.close();
      await opened?.close();
    });

    const stored = async () =>
      (await opened.db.query<{ settings: { webhookSecret: string; captcha: { secretKey: string } } }>('select settings from forms where id = $1', [owner.formId]))[0]?.settings;

    it('shows the signing secret as set, rotates it showing the new one once, and keeps the captcha key through a save', async () => {
      const context = await browser.newContext();
      try {
        const [name, value] = (await signIn(app.url, owner.email, owner.password)).split('=') as [string, string];
        await context.addCookies([{ name, value, url: app.url }]);
        const page = await context.newPage();
        const problems = await watchPage(page);
        page.on('dialog', (dialog) => void dialog.accept());
        await page.goto(`${app.url}/console/#/forms/${owner.formId}/edit`);
        await page.getByText('Set (never shown again after it is made).').waitFor();
        assert.equal(await page.getByLabel('Secret key').inputValue(), '');
        const html = await page.content();
        assert.ok(!html.includes(WEBHOOK_SECRET) && !html.includes(CAPTCHA_SECRET), 'a stored secret reached the page');

        await page.getByRole('button', { name: 'Rotate secret' }).click();
        await page.getByRole('status').filter({ hasText: 'New signing secret made: copy it now, it is not shown again.' }).waitFor();
        const shown = (await page.locator('.secret-line code').textContent()) ?? '';
        assert.match(shown, /^whsec_/);
        assert.notEqual(shown, WEBHOOK_SECRET);
        assert.equal((await stored())?.webhookSecret, shown);

        // A save that leaves the captcha key empty keeps the stored one.
        await page.getByLabel('Redirect URL').fill('https://shop.example/thanks');
        await page.getByRole('button', { name: 'Save changes' }).click();
        await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
        assert.equal((await stored())?.captcha.secretKey, CAPTCHA_SECRET);

        await page.reload();
        await page.getByText('Set (never shown again after it is made).').waitFor();
        assert.equal(await page.locator('.secret-line code').count(), 0);
        assert.ok(!(await page.content()).includes(shown), 'the rotated secret is shown again');
        assert.deepEqual(problems.errors, []);
      } finally {
        await context.close();
      }
    });
  });
}
