// Form secrets are write-only: no answer to a session or an API key carries the webhook signing
// secret or the captcha secret key; a new webhook secret is shown once, in the answer of the
// request that made it (creation, or an owner's rotation), and the old one stops signing.

import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { webhookChannel } from '../ingest/notify/webhook.ts';
import { getJobSubject } from '../ingest/store/jobs.ts';
import { saveMembership, saveUser } from '../ingest/store/accounts.ts';
import { hashPassword } from '../ingest/services/passwords.ts';
import { databaseTargets, type OpenedDatabase } from './helpers/databases.ts';
import { SITE_ORIGIN, VALID_CONTACT, consoleHeaders, seedAccount, signIn, startTestApp, type Seeded, type TestApp } from './helpers/harness.ts';
import { postJson, send, type Answer } from './helpers/http.ts';

const WEBHOOK_SECRET = 'whsec_stored_secret_0123456789abcdef';
const CAPTCHA_SECRET = 'captcha-secret-key-never-shown-0123';
const CAPTCHA = { provider: 'turnstile' as const, siteKey: '1x00000000000000000000AA', secretKey: CAPTCHA_SECRET };

/** The receiver's check: `t=<s>,v1=<hex HMAC-SHA256 of "<t>.<body>">` with the secret. */
function verifies(header: string, body: string, secret: string): boolean {
  const parts = Object.fromEntries(header.split(',').map((part) => part.split('=') as [string, string]));
  const expected = Buffer.from(createHmac('sha256', secret).update(`${parts['t']}.${body}`).digest('hex'));
  const given = Buffer.from(parts['v1'] ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

for (const target of databaseTargets) {
  describe(`form secrets on ${target.name}`, () => {
    let opened: OpenedDatabase;
    let app: TestApp;
    let owner: Seeded;
    let cookie: string;
    let memberCookie: string;
    let apiKey: string;

    const call = (method: string, path: string, auth: string, body?: unknown): Promise<Answer> =>
      send(`${app.url}${path}`, {
        method,
        headers: auth.startsWith('fl_') || auth.startsWith('Bearer') ? { authorization: auth.startsWith('Bearer') ? auth : `Bearer ${auth}`, 'content-type': 'application/json' } : consoleHeaders(auth, app.url),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const withKey = (path: string) => send(`${app.url}${path}`, { headers: { authorization: `Bearer ${apiKey}` } });
    const stored = async (formId: string) =>
      (await opened.db.query<{ settings: { webhookSecret: string | null; captcha: { secretKey: string } | null } }>('select settings from forms where id = $1', [formId]))[0]?.settings;
    const assertNoSecret = (answer: Answer, what: string, secrets = [WEBHOOK_SECRET, CAPTCHA_SECRET]) => {
      for (const secret of secrets) assert.ok(!answer.text.includes(secret), `${what} carries a secret: ${answer.text}`);
    };

    before(async () => {
      opened = await target.open();
      app = await startTestApp(opened.db);
      owner = await seedAccount(opened.db, { settings: { webhookUrl: 'https://hooks.shop.example/formline', webhookSecret: WEBHOOK_SECRET, captcha: CAPTCHA } });
      cookie = await signIn(app.url, owner.email, owner.password);
      const key = await call('POST', '/api/keys', cookie, { name: 'read only' });
      assert.equal(key.status, 201, key.text);
      apiKey = (key.body as { key: string }).key;
      const memberEmail = `member-${Date.now()}@example.com`;
      const member = await saveUser(opened.db, { email: memberEmail, passwordHash: await hashPassword('member password 1') });
      await saveMembership(opened.db, { accountId: owner.accountId, userId: member.id, role: 'member' });
      memberCookie = await signIn(app.url, memberEmail, 'member password 1');
    });
    after(async () => {
      await app?.close();
      await opened?.close();
    });

    it('a read-only API key reads forms without their webhook secret or captcha secret key, only whether they are set', async () => {
      for (const path of ['/api/forms', `/api/forms?siteId=${owner.siteId}`, `/api/forms/${owner.formId}`]) {
        const answer = await withKey(path);
        assert.equal(answer.status, 200, answer.text);
        assertNoSecret(answer, path);
      }
      const one = (await withKey(`/api/forms/${owner.formId}`)).body as { settings: Record<string, unknown> };
      assert.equal(one.settings['webhookSecretSet'], true);
      assert.equal('webhookSecret' in one.settings, false);
      assert.deepEqual(one.settings['captcha'], { provider: 'turnstile', siteKey: CAPTCHA.siteKey, secretKeySet: true });
    });

    it('a signed-in owner or member never reads them either: listing, reading, saving other settings', async () => {
      for (const who of [cookie, memberCookie]) {
        for (const path of ['/api/forms', `/api/forms/${owner.formId}`, `/api/forms/${owner.formId}/embed`, '/api/sites', `/api/forms/${owner.formId}/submissions`, '/api/audit']) {
          const answer = await call('GET', path, who);
          assertNoSecret(answer, path);
        }
      }
      const patched = await call('PATCH', `/api/forms/${owner.formId}`, cookie, { settings: { redirectUrl: 'https://shop.example/thanks' } });
      assert.equal(patched.status, 200, patched.text);
      assertNoSecret(patched, 'PATCH');
      // Leaving a secret out keeps the stored one: the captcha resent without its key, the webhook URL resent.
      const resent = await call('PATCH', `/api/forms/${owner.formId}`, memberCookie, {
        settings: { webhookUrl: 'https://hooks.shop.example/formline', captcha: { provider: 'turnstile', siteKey: CAPTCHA.siteKey } },
      });
      assert.equal(resent.status, 200, resent.text);
      assertNoSecret(resent, 'PATCH resending the captcha');
      assert.deepEqual((resent.body as { settings: { captcha: unknown } }).settings.captcha, { provider: 'turnstile', siteKey: CAPTCHA.siteKey, secretKeySet: true });
      const kept = await stored(owner.formId);
      assert.equal(kept?.webhookSecret, WEBHOOK_SECRET);
      assert.equal(kept?.captcha?.secretKey, CAPTCHA_SECRET);
      // A captcha without a key, on a form that has none stored, names the missing key.
      const bare = await seedAccount(opened.db);
      const bareCookie = await signIn(app.url, bare.email, bare.password);
      const missing = await call('PATCH', `/api/forms/${bare.formId}`, bareCookie, { settings: { captcha: { provider: 'hcaptcha', siteKey: 'abc' } } });
      assert.deepEqual([missing.status, missing.body], [
        422,
        { error: { code: 'validation_failed', message: 'Some values need attention.', fields: { 'settings.captcha.secretKey': 'is required' } } },
      ]);
      // Choosing the signing secret is for owners.
      const chosen = await call('PATCH', `/api/forms/${owner.formId}`, memberCookie, { settings: { webhookSecret: 'whsec_member_chosen_0123456789' } });
      assert.deepEqual([chosen.status, chosen.body], [
        403,
        { error: { code: 'owner_required', message: 'Only an owner of this account can set the webhook signing secret.' } },
      ]);
      assert.equal((await stored(owner.formId))?.webhookSecret, WEBHOOK_SECRET);
    });

    it('a webhook secret the service makes is answered once, by the request that made it', async () => {
      const created = await call('POST', '/api/forms', cookie, { siteId: owner.siteId, name: 'Hooked', settings: { webhookUrl: 'https://hooks.shop.example/new' } });
      assert.equal(created.status, 201, created.text);
      const form = created.body as { id: string; settings: { webhookSecret?: string; webhookSecretSet: boolean } };
      assert.match(form.settings.webhookSecret ?? '', /^whsec_[A-Za-z0-9_-]{32}$/);
      assert.equal(form.settings.webhookSecretSet, true);
      assert.equal((await stored(form.id))?.webhookSecret, form.settings.webhookSecret);
      const again = await call('GET', `/api/forms/${form.id}`, cookie);
      assertNoSecret(again, 'GET after creation', [form.settings.webhookSecret as string]);
      // A form that gets its first webhook URL by PATCH: that answer shows the new secret, once.
      const plain = await call('POST', '/api/forms', cookie, { siteId: owner.siteId, name: 'Later hooked' });
      const plainId = (plain.body as { id: string }).id;
      assert.equal((plain.body as { settings: { webhookSecretSet: boolean } }).settings.webhookSecretSet, false);
      const hooked = await call('PATCH', `/api/forms/${plainId}`, cookie, { settings: { webhookUrl: 'https://hooks.shop.example/later' } });
      const made = (hooked.body as { settings: { webhookSecret?: string } }).settings.webhookSecret ?? '';
      assert.match(made, /^whsec_/);
      const next = await call('PATCH', `/api/forms/${plainId}`, cookie, { name: 'Later hooked, renamed' });
      assertNoSecret(next, 'the next PATCH', [made]);
    });

    it('rotation is owner-only, answers the new secret once, and deliveries are no longer signed with the old one', async () => {
      const refusedKey = await call('POST', `/api/forms/${owner.formId}/webhook-secret`, `Bearer ${apiKey}`);
      assert.equal(refusedKey.status, 403, refusedKey.text);
      const refusedMember = await call('POST', `/api/forms/${owner.formId}/webhook-secret`, memberCookie);
      assert.deepEqual([refusedMember.status, refusedMember.body], [403, { error: { code: 'owner_required', message: 'Only an owner of this account can do this.' } }]);
      const missing = await call('POST', '/api/forms/f_doesnotexist1/webhook-secret', cookie);
      assert.equal(missing.status, 404);
      assert.equal((await stored(owner.formId))?.webhookSecret, WEBHOOK_SECRET);

      const rotated = await call('POST', `/api/forms/${owner.formId}/webhook-secret`, cookie);
      assert.equal(rotated.status, 200, rotated.text);
      const { webhookSecret } = rotated.body as { webhookSecret: string };
      assert.match(webhookSecret, /^whsec_[A-Za-z0-9_-]{32}$/);
      assert.notEqual(webhookSecret, WEBHOOK_SECRET);
      for (const answer of [await withKey(`/api/forms/${owner.formId}`), await call('GET', '/api/forms', cookie)]) assertNoSecret(answer, 'GET after rotation', [webhookSecret, WEBHOOK_SECRET]);

      // The next delivery, through the real webhook channel, verifies with the new secret only
      // (the captcha taken off first, so a plain post goes through).
      assert.equal((await call('PATCH', `/api/forms/${owner.formId}`, cookie, { settings: { captcha: null } })).status, 200);
      const received: { body: string; signature: string }[] = [];
      const receiver = http.createServer((req, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString()));
        req.on('end', () => {
          received.push({ body, signature: String(req.headers['formline-signature'] ?? '') });
          res.writeHead(200).end();
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      try {
        const posted = await postJson(app.url, owner.formId, VALID_CONTACT, { origin: SITE_ORIGIN });
        assert.equal(posted.status, 201, posted.text);
        const submissionId = (posted.body as { id: string }).id;
        const subject = await getJobSubject(opened.db, submissionId);
        assert.ok(subject);
        const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
        const result = await webhookChannel({ allowPrivate: true }).deliver({ id: 1, submissionId, kind: 'webhook', target: url, attempt: 1 }, subject);
        assert.deepEqual(result, { outcome: 'sent' });
        const [hit] = received;
        assert.ok(hit);
        assert.equal(verifies(hit.signature, hit.body, webhookSecret), true);
        assert.equal(verifies(hit.signature, hit.body, WEBHOOK_SECRET), false);
      } finally {
        await new Promise<void>((resolve) => receiver.close(() => resolve()));
      }
      const entries = await call('GET', '/api/audit', cookie);
      assert.ok((entries.body as { items: { action: string; target: string }[] }).items.some((e) => e.action === 'form.webhook_secret.rotate' && e.target === owner.formId));
      assertNoSecret(entries, 'the audit log', [webhookSecret, WEBHOOK_SECRET]);
    });
  });
}
