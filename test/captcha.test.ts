// Forms with a challenge (Turnstile or hCaptcha): the definition tells the widget what to show
// (never the secret), the service asks the provider about each token, refuses a bad or missing
// one with 403 captcha_failed, and files a submission it could not verify as spam instead of
// losing it. Tokens work once, as the providers' do: a retry of a stored submission gets the
// first answer without asking again, and a retry whose token was spent or has expired is kept
// as spam rather than refused. The provider is a local stand-in answering its documented
// siteverify shape.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { databaseTargets, type OpenedDatabase } from './helpers/databases.ts';
import { OUTAGE_TOKEN, goodToken, startCaptchaStandIn, type CaptchaStandIn } from './helpers/captcha-stand-in.ts';
import { SITE_ORIGIN, VALID_CONTACT, consoleHeaders, seedAccount, signIn, startTestApp, type Seeded, type TestApp } from './helpers/harness.ts';
import { errorOf, postJson, send } from './helpers/http.ts';

const TURNSTILE = { provider: 'turnstile' as const, siteKey: '1x00000000000000000000AA', secretKey: 'turnstile-secret-for-tests' };
const HCAPTCHA = { provider: 'hcaptcha' as const, siteKey: '10000000-ffff-ffff-ffff-000000000001', secretKey: 'hcaptcha-secret-for-tests' };

for (const target of databaseTargets) {
  describe(`forms with a captcha, on ${target.name}`, () => {
    let opened: OpenedDatabase;
    let app: TestApp;
    let provider: CaptchaStandIn;
    let turnstile: Seeded;
    let hcaptcha: Seeded;
    let plain: Seeded;

    const storedRows = (formId: string) =>
      opened.db.query<{ status: string; data: Record<string, unknown>; meta: { spamReason?: string } }>(
        'select status, data, meta from submissions where form_id = $1 order by created_at',
        [formId],
      );

    before(async () => {
      opened = await target.open();
      provider = await startCaptchaStandIn();
      turnstile = await seedAccount(opened.db, { settings: { captcha: TURNSTILE } });
      hcaptcha = await seedAccount(opened.db, { schema: null, settings: { captcha: HCAPTCHA } });
      plain = await seedAccount(opened.db);
      app = await startTestApp(opened.db, { CAPTCHA_VERIFY_URL: provider.verifyUrl });
    });
    after(async () => {
      await app.close();
      await provider.close();
      await opened.close();
    });

    it('the definition names the provider, site key, script and element class, and never the secret', async () => {
      const res = await send(`${app.url}/v1/forms/${turnstile.formId}`, { headers: { origin: SITE_ORIGIN } });
      assert.equal(res.status, 200);
      assert.deepEqual((res.body as { captcha: unknown }).captcha, {
        provider: 'turnstile',
        siteKey: TURNSTILE.siteKey,
        script: 'https://challenges.cloudflare.com/turnstile/v0/api.js',
        className: 'cf-turnstile',
      });
      assert.doesNotMatch(res.text, /turnstile-secret-for-tests/);
      const none = await send(`${app.url}/v1/forms/${plain.formId}`, { headers: { origin: SITE_ORIGIN } });
      assert.equal((none.body as { captcha: unknown }).captcha, null);
    });

    it('refuses a missing or bad token with 403 captcha_failed and stores nothing', async () => {
      const before = provider.verifications.length;
      const missing = await postJson(app.url, turnstile.formId, VALID_CONTACT, { origin: SITE_ORIGIN });
      assert.equal(missing.status, 403);
      assert.deepEqual(errorOf(missing), { code: 'captcha_failed', message: 'The captcha was not solved; please try again.' });
      // A missing token is refused without asking the provider.
      assert.equal(provider.verifications.length, before);
      const bad = await postJson(app.url, turnstile.formId, { ...VALID_CONTACT, _captcha: 'forged' }, { origin: SITE_ORIGIN });
      assert.equal(bad.status, 403);
      assert.equal(errorOf(bad).code, 'captcha_failed');
      assert.deepEqual(await storedRows(turnstile.formId), []);
    });

    it("stores a submission whose token the provider confirms, having sent it the secret, the token and the visitor's address", async () => {
      const token = goodToken();
      const res = await postJson(app.url, turnstile.formId, { ...VALID_CONTACT, _captcha: token }, { origin: SITE_ORIGIN });
      assert.equal(res.status, 201, res.text);
      const asked = provider.verifications.at(-1);
      assert.deepEqual(asked, { secret: TURNSTILE.secretKey, response: token, remoteip: '127.0.0.1' });
      const rows = await storedRows(turnstile.formId);
      assert.equal(rows.length, 1);
      assert.equal(rows[0]?.status, 'new');
      assert.deepEqual(rows[0]?.data, VALID_CONTACT);
    });

    it("takes the provider's own field from a plain HTML form, and does not keep it as data", async () => {
      const token = goodToken();
      const body = new URLSearchParams({ email: 'plain@example.com', note: 'hello', 'h-captcha-response': token });
      const res = await send(`${app.url}/v1/f/${hcaptcha.formId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: SITE_ORIGIN },
        body: body.toString(),
      });
      assert.equal(res.status, 201, res.text);
      assert.deepEqual(provider.verifications.at(-1), {
        secret: HCAPTCHA.secretKey,
        response: token,
        remoteip: '127.0.0.1',
        sitekey: HCAPTCHA.siteKey,
      });
      const rows = await storedRows(hcaptcha.formId);
      assert.deepEqual(rows.map((r) => r.data), [{ email: 'plain@example.com', note: 'hello' }]);
    });

    it('files a submission the provider could not verify as spam (kept, not notified), and a bot caught by the honeypot without asking', async () => {
      const outage = await postJson(app.url, hcaptcha.formId, { email: 'outage@example.com', _captcha: OUTAGE_TOKEN }, { origin: SITE_ORIGIN });
      assert.equal(outage.status, 201, outage.text);
      const asked = provider.verifications.length;
      const bot = await postJson(app.url, hcaptcha.formId, { email: 'bot@example.com', _gotcha: 'filled' }, { origin: SITE_ORIGIN });
      assert.equal(bot.status, 201);
      assert.equal(provider.verifications.length, asked, 'a honeypot catch needs no provider call');
      const rows = await storedRows(hcaptcha.formId);
      const byEmail = Object.fromEntries(rows.map((r) => [r.data['email'], r]));
      assert.equal(byEmail['outage@example.com']?.status, 'spam');
      assert.equal(byEmail['outage@example.com']?.meta.spamReason, 'captcha_unverified');
      assert.equal(byEmail['bot@example.com']?.status, 'spam');
      const jobs = await opened.db.query<{ n: number }>(
        `select count(*)::int as n from jobs j join submissions s on s.id = j.submission_id where s.form_id = $1 and s.status = 'spam'`,
        [hcaptcha.formId],
      );
      assert.equal(jobs[0]?.n, 0);
    });

    it('a token works once: posted again as a new submission, it is refused and nothing more is stored', async () => {
      const guarded = await seedAccount(opened.db, { settings: { captcha: TURNSTILE } });
      const token = goodToken();
      const first = await postJson(app.url, guarded.formId, { ...VALID_CONTACT, _captcha: token }, { origin: SITE_ORIGIN });
      assert.equal(first.status, 201, first.text);
      const again = await postJson(app.url, guarded.formId, { ...VALID_CONTACT, name: 'Second Try', _captcha: token }, { origin: SITE_ORIGIN });
      assert.equal(again.status, 403);
      assert.deepEqual(errorOf(again), { code: 'captcha_failed', message: 'The captcha was not solved; please try again.' });
      assert.deepEqual((await storedRows(guarded.formId)).map((r) => r.data['name']), [VALID_CONTACT.name]);
    });

    it('a retry of a stored submission gets the first id without asking the provider again, though its token is spent', async () => {
      const guarded = await seedAccount(opened.db, { settings: { captcha: TURNSTILE } });
      const key = randomUUID();
      const body = { ...VALID_CONTACT, _captcha: goodToken() };
      const first = await postJson(app.url, guarded.formId, body, { origin: SITE_ORIGIN, 'idempotency-key': key });
      assert.equal(first.status, 201, first.text);
      const asked = provider.verifications.length;
      // The answer was lost on the way back; the widget sends the same body under the same key.
      const retry = await postJson(app.url, `${guarded.formId}?lang=en&retry=1`, body, { origin: SITE_ORIGIN, 'idempotency-key': key });
      assert.equal(retry.status, 201, retry.text);
      assert.deepEqual(retry.body, first.body);
      assert.equal(retry.headers.get('idempotent-replayed'), 'true');
      assert.equal(provider.verifications.length, asked, 'the provider was asked about a spent token');
      // Without the retry mark (any API client): the same.
      const plain = await postJson(app.url, guarded.formId, body, { origin: SITE_ORIGIN, 'idempotency-key': key });
      assert.deepEqual(plain.body, first.body);
      const rows = await storedRows(guarded.formId);
      assert.equal(rows.length, 1);
      assert.equal(rows[0]?.status, 'new');
    });

    it('a retry whose token expired or was spent meanwhile is kept as spam (captcha_expired), never refused; a retry with a good token is stored as new', async () => {
      const guarded = await seedAccount(opened.db, { settings: { captcha: TURNSTILE } });
      const spentToken = goodToken();
      const first = await postJson(app.url, guarded.formId, { email: 'first@example.com', name: 'First', message: 'The first one, stored.', consent: true, _captcha: spentToken }, { origin: SITE_ORIGIN });
      assert.equal(first.status, 201, first.text);
      // Queued through an outage, sent again with a token the provider no longer accepts.
      const late = { ...VALID_CONTACT, email: 'late@example.com', _captcha: spentToken };
      const refused = await postJson(app.url, guarded.formId, late, { origin: SITE_ORIGIN, 'idempotency-key': randomUUID() });
      assert.equal(refused.status, 403, 'a first attempt with a spent token is refused: the visitor is there to solve it again');
      const kept = await postJson(app.url, `${guarded.formId}?lang=de&retry=3`, late, { origin: SITE_ORIGIN, 'idempotency-key': randomUUID() });
      assert.equal(kept.status, 201, kept.text);
      const fresh = await postJson(app.url, `${guarded.formId}?retry=1`, { ...VALID_CONTACT, email: 'fresh@example.com', _captcha: goodToken() }, { origin: SITE_ORIGIN, 'idempotency-key': randomUUID() });
      assert.equal(fresh.status, 201, fresh.text);
      // retry=0 is a first attempt.
      const zero = await postJson(app.url, `${guarded.formId}?retry=0`, { ...late, email: 'zero@example.com' }, { origin: SITE_ORIGIN, 'idempotency-key': randomUUID() });
      assert.equal(zero.status, 403);
      const byEmail = Object.fromEntries((await storedRows(guarded.formId)).map((r) => [r.data['email'], r]));
      assert.deepEqual(Object.keys(byEmail).sort(), ['fresh@example.com', 'late@example.com', 'first@example.com'].sort());
      assert.equal(byEmail['late@example.com']?.status, 'spam');
      assert.equal(byEmail['late@example.com']?.meta.spamReason, 'captcha_expired');
      assert.deepEqual(byEmail['late@example.com']?.data, { ...VALID_CONTACT, email: 'late@example.com' });
      assert.equal(byEmail['fresh@example.com']?.status, 'new');
    });

    it('the console saves, changes and removes a captcha, and refuses an unknown provider or a bad site key', async () => {
      const cookie = await signIn(app.url, plain.email, plain.password);
      const patch = (settings: unknown) =>
        send(`${app.url}/api/forms/${plain.formId}`, { method: 'PATCH', headers: consoleHeaders(cookie, app.url), body: JSON.stringify({ settings }) });
      const saved = await patch({ captcha: TURNSTILE });
      assert.equal(saved.status, 200, saved.text);
      // The secret key is write-only: stored, and answered only as set.
      assert.deepEqual((saved.body as { settings: { captcha: unknown } }).settings.captcha, { provider: TURNSTILE.provider, siteKey: TURNSTILE.siteKey, secretKeySet: true });
      assert.ok(!saved.text.includes(TURNSTILE.secretKey));
      const [row] = await app.db.query<{ secret: string }>("select settings->'captcha'->>'secretKey' as secret from forms where id = $1", [plain.formId]);
      assert.equal(row?.secret, TURNSTILE.secretKey);
      const unknown = await patch({ captcha: { ...TURNSTILE, provider: 'recaptcha' } });
      assert.equal(unknown.status, 422);
      assert.ok(errorOf(unknown).fields?.['settings.captcha.provider']);
      const badKey = await patch({ captcha: { ...TURNSTILE, siteKey: '<script>' } });
      assert.equal(badKey.status, 422);
      assert.ok(errorOf(badKey).fields?.['settings.captcha.siteKey']);
      const removed = await patch({ captcha: null });
      assert.equal((removed.body as { settings: { captcha: unknown } }).settings.captcha, null);
      const accepted = await postJson(app.url, plain.formId, VALID_CONTACT, { origin: SITE_ORIGIN });
      assert.equal(accepted.status, 201);
    });
  });
}
