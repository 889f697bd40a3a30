// The minimum console API of DESIGN.md: signing in and out, the sign-in limiter, the CSRF
// Origin check, sites, forms and the submission list, with the exact error bodies, on every
// database.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { databaseTargets, type OpenedDatabase } from './helpers/databases.ts';
import {
  CONTACT_SCHEMA,
  SITE_ORIGIN,
  VALID_CONTACT,
  consoleHeaders,
  seedAccount,
  signIn,
  startTestApp,
  type Seeded,
  type TestApp,
} from './helpers/harness.ts';
import { errorOf, postJson, send, type Answer } from './helpers/http.ts';
import type { FormSchema } from '../widget/schema.ts';

// startTestApp's PUBLIC_URL: the origin the console is served from in production.
const PUBLIC_ORIGIN = 'http://console.formline.test';

interface SitePayload {
  id: string;
  name: string;
  domain: string;
  allowedOrigins: string[];
  createdAt: string;
  updatedAt: string;
}

interface FormPayload {
  id: string;
  siteId: string;
  name: string;
  schema: FormSchema | null;
  settings: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

interface SubmissionItem {
  id: string;
  formId: string;
  data: Record<string, unknown>;
  status: string;
  createdAt: string;
}

interface SubmissionPage {
  items: SubmissionItem[];
  nextCursor: string | null;
}

const UNAUTHORIZED = { error: { code: 'unauthorized', message: 'Sign in first.' } };
const INVALID_CREDENTIALS = { error: { code: 'invalid_credentials', message: 'The email or password is not right.' } };
const CSRF_FAILED = {
  error: { code: 'csrf_failed', message: 'This request must come from the Formline console itself (Origin check failed).' },
};

function signInRequest(base: string, body: unknown): Promise<Answer> {
  return send(`${base}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

for (const target of databaseTargets) {
  describe(`the console API on ${target.name}`, () => {
    let opened: OpenedDatabase;
    let app: TestApp;
    let owner: Seeded;
    let cookie: string;

    before(async () => {
      opened = await target.open();
      owner = await seedAccount(opened.db, { plan: 'pro' });
      app = await startTestApp(opened.db);
      cookie = await signIn(app.url, owner.email, owner.password);
    });

    after(async () => {
      await app?.close();
      await opened?.close();
    });

    /** A console request as the console itself makes it: session cookie, own Origin, JSON. */
    const api = (method: string, path: string, body?: unknown, headers: Record<string, string> = consoleHeaders(cookie, app.url)) =>
      send(`${app.url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

    const countRows = async (sql: string, params: unknown[]) =>
      (await opened.db.query<{ n: number }>(`select count(*)::int as n from ${sql}`, params))[0]?.n;

    describe('signing in and out', () => {
      it('signs in with the right email and password: 200 with user and account, and an HttpOnly SameSite=Lax cookie', async () => {
        const answer = await signInRequest(app.url, { email: owner.email, password: owner.password });
        assert.equal(answer.status, 200);
        const [account] = await opened.db.query<{ name: string }>('select name from accounts where id = $1', [owner.accountId]);
        assert.deepEqual(answer.body, {
          user: { id: owner.userId, email: owner.email, isPlatformAdmin: false, emailVerified: true },
          account: { id: owner.accountId, name: account?.name, role: 'owner', plan: 'pro', billingStatus: 'none' },
          accounts: [{ id: owner.accountId, name: account?.name, role: 'owner' }],
        });
        const setCookie = answer.headers.get('set-cookie') ?? '';
        assert.match(setCookie, /^formline_session=[A-Za-z0-9_-]{20,};/);
        const attributes = setCookie.split(';').map((part) => part.trim().toLowerCase());
        assert.ok(attributes.includes('httponly'), setCookie);
        assert.ok(attributes.includes('samesite=lax'), setCookie);
        assert.ok(attributes.includes('path=/'), setCookie);
      });

      it('accepts the email in any letter case and with surrounding spaces', async () => {
        const answer = await signInRequest(app.url, { email: `  ${owner.email.toUpperCase()} `, password: owner.password });
        assert.equal(answer.status, 200);
        assert.equal((answer.body as { user: { id: string } }).user.id, owner.userId);
      });

      it('answers a wrong password and an unknown email alike, 401 invalid_credentials, so nobody learns who has an account', async () => {
        const wrongPassword = await signInRequest(app.url, { email: owner.email, password: 'not the password' });
        const unknownEmail = await signInRequest(app.url, { email: 'nobody-here@example.com', password: owner.password });
        for (const answer of [wrongPassword, unknownEmail]) {
          assert.equal(answer.status, 401);
          assert.deepEqual(answer.body, INVALID_CREDENTIALS);
          assert.equal(answer.headers.get('set-cookie'), null);
        }
      });

      it('answers a malformed sign-in request with a clear 4xx JSON error', async () => {
        const post = (headers: Record<string, string>, body?: string) =>
          send(`${app.url}/api/session`, { method: 'POST', headers, ...(body === undefined ? {} : { body }) });
        const json = { 'content-type': 'application/json' };

        const broken = await post(json, '{"email":');
        assert.equal(broken.status, 400);
        assert.deepEqual(broken.body, { error: { code: 'invalid_json', message: 'The body is not valid JSON.' } });

        const empty = await post(json, '{}');
        assert.equal(empty.status, 422);
        assert.equal(errorOf(empty).code, 'validation_failed');
        assert.deepEqual(Object.keys(errorOf(empty).fields ?? {}).sort(), ['email', 'password']);

        const wrongTypes = await post(json, JSON.stringify({ email: 42, password: ['x'] }));
        assert.equal(wrongTypes.status, 422);
        assert.deepEqual(Object.keys(errorOf(wrongTypes).fields ?? {}).sort(), ['email', 'password']);

        const noBody = await post({});
        assert.equal(noBody.status, 400);
        assert.deepEqual(noBody.body, {
          error: { code: 'invalid_body', message: 'Send a JSON body (Content-Type: application/json).' },
        });

        const form = await post({ 'content-type': 'application/x-www-form-urlencoded' }, 'email=a%40b.c&password=x');
        assert.equal(form.status, 415);
        assert.deepEqual(form.body, { error: { code: 'unsupported_media_type', message: 'The API takes application/json.' } });

        for (const answer of [broken, empty, wrongTypes, noBody, form]) {
          assert.match(answer.headers.get('content-type') ?? '', /^application\/json/);
          assert.equal(answer.headers.get('set-cookie'), null);
        }
      });

      it('tells a signed-in user who they are, and answers 401 unauthorized without a session', async () => {
        const me = await send(`${app.url}/api/session`, { headers: { cookie } });
        assert.equal(me.status, 200);
        const body = me.body as { user: { id: string; email: string }; account: { id: string; role: string } };
        assert.equal(body.user.id, owner.userId);
        assert.equal(body.user.email, owner.email);
        assert.equal(body.account.id, owner.accountId);
        assert.equal(body.account.role, 'owner');

        const anonymous = await send(`${app.url}/api/session`);
        assert.equal(anonymous.status, 401);
        assert.deepEqual(anonymous.body, UNAUTHORIZED);

        const forged = await send(`${app.url}/api/session`, { headers: { cookie: 'formline_session=made-up-token' } });
        assert.equal(forged.status, 401);
        assert.deepEqual(forged.body, UNAUTHORIZED);
      });

      it('keeps every console route closed without a session (401 unauthorized)', async () => {
        const json = { 'content-type': 'application/json' };
        const attempts: [string, string, unknown?][] = [
          ['GET', '/api/sites'],
          ['POST', '/api/sites', { name: 'Shop', domain: 'shop.example' }],
          ['GET', '/api/forms'],
          ['POST', '/api/forms', { siteId: owner.siteId, name: 'Sneaky' }],
          ['GET', `/api/forms/${owner.formId}`],
          ['PATCH', `/api/forms/${owner.formId}`, { name: 'Sneaky' }],
          ['GET', `/api/forms/${owner.formId}/submissions`],
        ];
        for (const [method, path, body] of attempts) {
          const answer = await api(method, path, body, json);
          assert.equal(answer.status, 401, `${method} ${path}`);
          assert.deepEqual(answer.body, UNAUTHORIZED, `${method} ${path}`);
        }
      });

      it('signs out with 204, clears the cookie, and the old cookie no longer opens anything', async () => {
        const session = await signIn(app.url, owner.email, owner.password);
        assert.equal((await send(`${app.url}/api/session`, { headers: { cookie: session } })).status, 200);

        const out = await send(`${app.url}/api/session`, { method: 'DELETE', headers: { cookie: session, origin: app.url } });
        assert.equal(out.status, 204);
        assert.equal(out.text, '');
        assert.match(out.headers.get('set-cookie') ?? '', /^formline_session=;.*Expires=Thu, 01 Jan 1970/);

        const me = await send(`${app.url}/api/session`, { headers: { cookie: session } });
        assert.equal(me.status, 401);
        assert.deepEqual(me.body, UNAUTHORIZED);
        const create = await api('POST', '/api/sites', { name: 'After sign-out', domain: 'late.example' }, consoleHeaders(session, app.url));
        assert.equal(create.status, 401);
        assert.equal(await countRows("sites where name = 'After sign-out'", []), 0);

        // Signing out one browser leaves the others signed in.
        assert.equal((await send(`${app.url}/api/session`, { headers: { cookie } })).status, 200);
      });
    });

    describe('the sign-in limiter', () => {
      let limited: TestApp;

      before(async () => {
        limited = await startTestApp(opened.db, { LOGIN_ATTEMPTS_PER_15_MINUTES: '3' });
      });

      after(async () => {
        await limited?.close();
      });

      it('refuses sign-in after too many wrong passwords with 429 rate_limited and Retry-After, even with the right password', async () => {
        const victim = await seedAccount(opened.db);
        const statuses: number[] = [];
        // Changing the letter case of the email does not buy more guesses.
        for (const email of [victim.email, victim.email.toUpperCase(), ` ${victim.email}`, victim.email]) {
          statuses.push((await signInRequest(limited.url, { email, password: 'guess' })).status);
        }
        assert.deepEqual(statuses, [401, 401, 401, 429]);

        const locked = await signInRequest(limited.url, { email: victim.email, password: victim.password });
        assert.equal(locked.status, 429);
        assert.deepEqual(locked.body, {
          error: { code: 'rate_limited', message: 'Too many sign-in attempts; wait a few minutes and try again.' },
        });
        const retryAfter = Number(locked.headers.get('retry-after'));
        assert.ok(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 15 * 60, `Retry-After ${retryAfter}`);
        assert.equal(locked.headers.get('set-cookie'), null);

        // Someone else signing in from the same address is not locked out.
        const bystander = await seedAccount(opened.db);
        assert.equal((await signInRequest(limited.url, { email: bystander.email, password: bystander.password })).status, 200);
      });

      it('does not count successful sign-ins towards the limit', async () => {
        const regular = await seedAccount(opened.db);
        const statuses: number[] = [];
        for (let i = 0; i < 5; i++) {
          statuses.push((await signInRequest(limited.url, { email: regular.email, password: regular.password })).status);
        }
        for (let i = 0; i < 4; i++) {
          statuses.push((await signInRequest(limited.url, { email: regular.email, password: 'typo' })).status);
        }
        assert.deepEqual(statuses, [200, 200, 200, 200, 200, 401, 401, 401, 429]);
      });
    });

    describe('the sign-in limiter across emails and addresses', () => {
      let limited: TestApp;
      before(async () => {
        limited = await startTestApp(opened.db, {
          LOGIN_ATTEMPTS_PER_15_MINUTES: '100',
          LOGIN_ATTEMPTS_PER_IP_PER_15_MINUTES: '4',
          LOGIN_ATTEMPTS_PER_EMAIL_PER_15_MINUTES: '3',
        });
      });
      after(async () => {
        await limited?.close();
      });
      const from = (ip: string, body: unknown) =>
        send(`${limited.url}/api/session`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
          body: JSON.stringify(body),
        });

      it('stops one address trying many emails, and one email tried from many addresses', async () => {
        const spray = [];
        for (let i = 0; i < 5; i++) spray.push((await from('198.51.100.7', { email: `nobody${i}@example.com`, password: 'guess' })).status);
        assert.deepEqual(spray, [401, 401, 401, 401, 429]);

        const target = await seedAccount(opened.db);
        const distributed = [];
        for (let i = 0; i < 4; i++) distributed.push((await from(`203.0.113.${i + 1}`, { email: target.email, password: 'guess' })).status);
        assert.deepEqual(distributed, [401, 401, 401, 429]);
        // Another email from a fresh address still signs in.
        const other = await seedAccount(opened.db);
        assert.equal((await from('192.0.2.99', { email: other.email, password: other.password })).status, 200);
      });
    });

    describe('the CSRF Origin check', () => {
      const newSite = (name: string) => ({ name, domain: 'csrf.example' });

      it('refuses a state-changing request with the session cookie but no Origin or Referer: 403 csrf_failed, nothing changes', async () => {
        const headers = { cookie, 'content-type': 'application/json' };
        const create = await api('POST', '/api/sites', newSite('No origin'), headers);
        assert.equal(create.status, 403);
        assert.deepEqual(create.body, CSRF_FAILED);
        assert.equal(await countRows("sites where name = 'No origin'", []), 0);

        const rename = await api('PATCH', `/api/forms/${owner.formId}`, { name: 'Renamed without origin' }, headers);
        assert.equal(rename.status, 403);
        assert.deepEqual(rename.body, CSRF_FAILED);
        assert.equal(await countRows("forms where id = $1 and name = 'Renamed without origin'", [owner.formId]), 0);

        // A foreign page cannot sign the owner out either.
        const signOut = await api('DELETE', '/api/session', undefined, { cookie });
        assert.equal(signOut.status, 403);
        assert.deepEqual(signOut.body, CSRF_FAILED);
        assert.equal((await send(`${app.url}/api/session`, { headers: { cookie } })).status, 200);
      });

      it('refuses a state-changing request from a foreign Origin, even when its Referer looks like ours', async () => {
        const attempts: Record<string, string>[] = [
          { origin: 'https://evil.example' },
          { origin: SITE_ORIGIN },
          { origin: 'https://evil.example', referer: `${app.url}/console/` },
          { referer: 'https://evil.example/console/' },
          { origin: 'null' },
          { origin: 'not a url' },
        ];
        for (const extra of attempts) {
          const headers = { cookie, 'content-type': 'application/json', ...extra };
          const create = await api('POST', '/api/sites', newSite('Foreign origin'), headers);
          assert.equal(create.status, 403, JSON.stringify(extra));
          assert.deepEqual(create.body, CSRF_FAILED);
          const rename = await api('PATCH', `/api/forms/${owner.formId}`, { name: 'Renamed from afar' }, headers);
          assert.equal(rename.status, 403, JSON.stringify(extra));
          assert.deepEqual(rename.body, CSRF_FAILED);
        }
        assert.equal(await countRows("sites where name = 'Foreign origin'", []), 0);
        assert.equal(await countRows("forms where name = 'Renamed from afar'", []), 0);
      });

      it("accepts an Origin of the service's own origin: the address it was reached at, or PUBLIC_URL", async () => {
        for (const origin of [app.url, PUBLIC_ORIGIN]) {
          const headers = { cookie, 'content-type': 'application/json', origin };
          const create = await api('POST', '/api/sites', newSite(`Own origin ${origin}`), headers);
          assert.equal(create.status, 201, origin);
          const rename = await api('PATCH', `/api/forms/${owner.formId}`, { name: `Renamed at ${origin}` }, headers);
          assert.equal(rename.status, 200, origin);
          assert.equal((rename.body as FormPayload).name, `Renamed at ${origin}`);
        }
      });

      it("accepts a Referer from the service's own origin when there is no Origin", async () => {
        const headers = { cookie, 'content-type': 'application/json', referer: `${app.url}/console/sites?tab=new` };
        const create = await api('POST', '/api/sites', newSite('Referer only'), headers);
        assert.equal(create.status, 201);
        assert.equal(await countRows("sites where name = 'Referer only'", []), 1);
        const rename = await api('PATCH', `/api/forms/${owner.formId}`, { name: 'Renamed via referer' }, headers);
        assert.equal(rename.status, 200);
      });

      it('lets reads through without an Origin', async () => {
        const answer = await send(`${app.url}/api/forms/${owner.formId}`, { headers: { cookie } });
        assert.equal(answer.status, 200);
      });
    });

    describe('sites', () => {
      it('creates a site with its allowed origins normalised, and lists it', async () => {
        const created = await api('POST', '/api/sites', {
          name: '  Bakery  ',
          domain: 'Bakery.Example',
          allowedOrigins: ['https://Bakery.Example/', 'https://bakery.example', 'http://localhost:8080', 'https://www.bakery.example:8443'],
        });
        assert.equal(created.status, 201);
        const site = created.body as SitePayload;
        assert.match(site.id, /^[0-9a-f-]{36}$/);
        assert.equal(site.name, 'Bakery');
        assert.equal(site.domain, 'bakery.example');
        assert.deepEqual(site.allowedOrigins, ['https://bakery.example', 'http://localhost:8080', 'https://www.bakery.example:8443']);
        assert.ok(!Number.isNaN(Date.parse(site.createdAt)));

        const withoutOrigins = await api('POST', '/api/sites', { name: 'Florist', domain: 'florist.example' });
        assert.equal(withoutOrigins.status, 201);
        assert.deepEqual((withoutOrigins.body as SitePayload).allowedOrigins, ['https://florist.example']);

        const list = await api('GET', '/api/sites');
        assert.equal(list.status, 200);
        const items = (list.body as { items: SitePayload[] }).items;
        assert.deepEqual(
          items.find((item) => item.id === site.id),
          site,
        );
        assert.ok(items.some((item) => item.id === (withoutOrigins.body as SitePayload).id));
        assert.ok(items.some((item) => item.id === owner.siteId));
      });

      it('answers bad site input with 422 validation_failed naming the bad key, and stores nothing', async () => {
        const before = await countRows('sites where account_id = $1', [owner.accountId]);
        const cases: [unknown, Record<string, string | RegExp>][] = [
          [{ domain: 'shop.example' }, { name: /./ }],
          [{ name: '   ', domain: 'shop.example' }, { name: /./ }],
          [{ name: 'x'.repeat(201), domain: 'shop.example' }, { name: /./ }],
          [{ name: 'Shop', domain: 'not a domain' }, { domain: 'must be a domain name such as example.com' }],
          [{ name: 'Shop', domain: 'https://shop.example/' }, { domain: 'must be a domain name such as example.com' }],
          [
            { name: 'Shop', domain: 'shop.example', allowedOrigins: ['https://ok.example', 'ftp://files.example'] },
            { 'allowedOrigins.1': 'must be an origin such as https://example.com, or "*"' },
          ],
          [
            { name: 'Shop', domain: 'shop.example', allowedOrigins: ['https://shop.example/contact'] },
            { 'allowedOrigins.0': 'must be an origin such as https://example.com, or "*"' },
          ],
          [{ name: 'Shop', domain: 'shop.example', allowedOrigins: 'https://shop.example' }, { allowedOrigins: /./ }],
        ];
        for (const [body, expected] of cases) {
          const answer = await api('POST', '/api/sites', body);
          assert.equal(answer.status, 422, JSON.stringify(body));
          const error = errorOf(answer);
          assert.equal(error.code, 'validation_failed');
          assert.equal(error.message, 'Some values need attention.');
          assert.deepEqual(Object.keys(error.fields ?? {}), Object.keys(expected), JSON.stringify(body));
          for (const [key, message] of Object.entries(expected)) {
            if (typeof message === 'string') assert.equal(error.fields?.[key], message);
            else assert.match(error.fields?.[key] ?? '', message);
          }
        }
        assert.equal(await countRows('sites where account_id = $1', [owner.accountId]), before);
      });
    });

    describe('forms', () => {
      const SETTINGS = {
        redirectUrl: 'https://shop.example/thanks',
        notifyEmails: ['sales@shop.example', 'owner@shop.example'],
        notifyWhatsapp: ['+14155550100'],
        webhookUrl: 'https://hooks.shop.example/formline',
        retentionDays: 90,
        whatsappContentSid: null,
        captcha: null,
        autoresponse: { subject: 'Thanks, {name}', message: 'We will answer within a day.' },
      };

      it('creates a form with a schema and settings (201 with an f_ id) and reads it back unchanged', async () => {
        const created = await api('POST', '/api/forms', { siteId: owner.siteId, name: 'Contact us', schema: CONTACT_SCHEMA, settings: SETTINGS });
        assert.equal(created.status, 201);
        const form = created.body as FormPayload;
        assert.match(form.id, /^f_[A-Za-z0-9]+$/);

        const read = await api('GET', `/api/forms/${form.id}`);
        assert.equal(read.status, 200);
        const stored = read.body as FormPayload;
        assert.equal(stored.id, form.id);
        assert.equal(stored.siteId, owner.siteId);
        assert.equal(stored.name, 'Contact us');
        assert.deepEqual(stored.schema, CONTACT_SCHEMA);
        // A webhook URL gets a signing secret made by the service: shown in the creation's answer
        // only, and afterwards only said to be set (secrets are write-only).
        const made = (form.settings as { webhookSecret?: string }).webhookSecret;
        assert.match(made ?? '', /^whsec_[A-Za-z0-9_-]{32}$/);
        assert.deepEqual(stored.settings, { ...SETTINGS, webhookSecretSet: true });

        // It is live on the public endpoint at once.
        const post = await postJson(app.url, form.id, VALID_CONTACT, { origin: SITE_ORIGIN });
        assert.equal(post.status, 201);
      });

      it('creates a form without a schema, which then accepts any fields', async () => {
        const created = await api('POST', '/api/forms', { siteId: owner.siteId, name: 'Anything goes', schema: null });
        assert.equal(created.status, 201);
        const form = created.body as FormPayload;
        assert.equal(form.schema, null);
        assert.deepEqual(form.settings, { redirectUrl: null, notifyEmails: [], notifyWhatsapp: [], webhookUrl: null, webhookSecretSet: false, whatsappContentSid: null, retentionDays: null, captcha: null, autoresponse: null });
        const post = await postJson(app.url, form.id, { whatever: 'you like', count: 2 });
        assert.equal(post.status, 201);
      });

      it('answers a bad schema or bad settings with 422 naming the field path, and stores nothing', async () => {
        const before = await countRows('forms where account_id = $1', [owner.accountId]);
        const cases: [unknown, Record<string, string | RegExp>][] = [
          [
            { schema: { fields: [{ name: 'name', type: 'text' }, { name: 'when', type: 'datetime' }] } },
            { 'schema.fields.1.type': /./ },
          ],
          [{ schema: { fields: [{ name: 'topic', type: 'select' }] } }, { 'schema.fields.0.options': 'a select field needs options' }],
          [
            { schema: { fields: [{ name: 'email', type: 'email' }, { name: 'email', type: 'text' }] } },
            { 'schema.fields.1.name': '"email" is used twice' },
          ],
          [
            { schema: { fields: [{ name: 'code', type: 'text', pattern: 'a(?=b)' }] } },
            { 'schema.fields.0.pattern': 'uses syntax that cannot be matched safely (lookaround or backreferences); rewrite it without them' },
          ],
          [{ schema: { fields: [] } }, { 'schema.fields': /./ }],
          [{ schema: 'not an object' }, { schema: /./ }],
          [{ settings: { notifyEmails: ['not-an-email'] } }, { 'settings.notifyEmails.0': 'must be an email address' }],
          [
            { settings: { notifyWhatsapp: ['4155550100'] } },
            { 'settings.notifyWhatsapp.0': 'must be an E.164 phone number such as +14155550100' },
          ],
          [{ settings: { redirectUrl: 'javascript:alert(1)' } }, { 'settings.redirectUrl': 'must be a URL starting with http:// or https://' }],
          [{ name: '' }, { name: /./ }],
        ];
        for (const [override, expected] of cases) {
          const body = { siteId: owner.siteId, name: 'Bad form', schema: null, ...(override as object) };
          const answer = await api('POST', '/api/forms', body);
          assert.equal(answer.status, 422, JSON.stringify(override));
          const error = errorOf(answer);
          assert.equal(error.code, 'validation_failed');
          assert.deepEqual(Object.keys(error.fields ?? {}), Object.keys(expected), JSON.stringify(override));
          for (const [key, message] of Object.entries(expected)) {
            if (typeof message === 'string') assert.equal(error.fields?.[key], message);
            else assert.match(error.fields?.[key] ?? '', message);
          }
        }
        assert.equal(await countRows('forms where account_id = $1', [owner.accountId]), before);
      });

      it('answers an unknown or malformed siteId with 404 site_not_found', async () => {
        for (const siteId of [randomUUID(), 'not-a-site-id', '']) {
          const answer = await api('POST', '/api/forms', { siteId, name: 'Orphan', schema: null });
          assert.equal(answer.status, 404, siteId);
          assert.deepEqual(answer.body, { error: { code: 'site_not_found', message: `There is no site ${siteId} in this account.` } });
        }
        assert.equal(await countRows("forms where name = 'Orphan'", []), 0);
      });

      it("lists the account's forms, by site when asked, and reads one by id", async () => {
        const otherSite = (await api('POST', '/api/sites', { name: 'Second site', domain: 'second.example' })).body as SitePayload;
        const onOther = (await api('POST', '/api/forms', { siteId: otherSite.id, name: 'On the second site' })).body as FormPayload;

        const all = await api('GET', '/api/forms');
        assert.equal(all.status, 200);
        const ids = (all.body as { items: FormPayload[] }).items.map((form) => form.id);
        assert.ok(ids.includes(owner.formId));
        assert.ok(ids.includes(onOther.id));

        const bySite = await api('GET', `/api/forms?siteId=${otherSite.id}`);
        assert.deepEqual(
          (bySite.body as { items: FormPayload[] }).items.map((form) => form.id),
          [onOther.id],
        );
        assert.deepEqual((await api('GET', '/api/forms?siteId=not-a-uuid')).body, { items: [] });

        const one = await api('GET', `/api/forms/${onOther.id}`);
        assert.equal(one.status, 200);
        assert.deepEqual(one.body, onOther);

        const missing = await api('GET', '/api/forms/f_doesNotExist1');
        assert.equal(missing.status, 404);
        assert.deepEqual(missing.body, { error: { code: 'form_not_found', message: 'There is no form f_doesNotExist1 in this account.' } });
      });

      it('renames a form and changes its schema with PATCH', async () => {
        const form = (await api('POST', '/api/forms', { siteId: owner.siteId, name: 'Draft', schema: null })).body as FormPayload;
        const schema: FormSchema = { fields: [{ name: 'email', type: 'email', required: true }] };
        const patched = await api('PATCH', `/api/forms/${form.id}`, { name: 'Newsletter', schema });
        assert.equal(patched.status, 200);
        const body = patched.body as FormPayload;
        assert.equal(body.name, 'Newsletter');
        assert.deepEqual(body.schema, schema);
        assert.deepEqual((await api('GET', `/api/forms/${form.id}`)).body, body);

        const cleared = await api('PATCH', `/api/forms/${form.id}`, { schema: null });
        assert.equal(cleared.status, 200);
        assert.equal((cleared.body as FormPayload).schema, null);
        assert.equal((cleared.body as FormPayload).name, 'Newsletter', 'fields left out of a PATCH keep their value');
      });

      it('applies a PATCHed schema to the public endpoint at once', async () => {
        const form = (await api('POST', '/api/forms', { siteId: owner.siteId, name: 'Callback', schema: CONTACT_SCHEMA })).body as FormPayload;
        // Warm the public path's form cache first, as real traffic would.
        assert.equal((await postJson(app.url, form.id, VALID_CONTACT)).status, 201);

        const withPhone: FormSchema = {
          ...CONTACT_SCHEMA,
          fields: [...CONTACT_SCHEMA.fields, { name: 'phone', type: 'tel', label: 'Phone', required: true }],
        };
        assert.equal((await api('PATCH', `/api/forms/${form.id}`, { schema: withPhone })).status, 200);

        const missingPhone = await postJson(app.url, form.id, VALID_CONTACT);
        assert.equal(missingPhone.status, 422);
        assert.deepEqual(missingPhone.body, {
          error: { code: 'validation_failed', message: 'Some fields need attention.', fields: { phone: 'This field is required.' } },
        });
        assert.equal((await postJson(app.url, form.id, { ...VALID_CONTACT, phone: '+14155550100' })).status, 201);

        const definition = await send(`${app.url}/v1/forms/${form.id}`);
        assert.deepEqual(
          (definition.body as { schema: FormSchema }).schema.fields.map((field) => field.name),
          ['name', 'email', 'topic', 'message', 'consent', 'phone'],
        );
      });

      it('answers a bad PATCH with 422 and leaves the form as it was', async () => {
        const before = (await api('GET', `/api/forms/${owner.formId}`)).body as FormPayload;
        const cases: [unknown, string][] = [
          [{ name: '' }, 'name'],
          [{ schema: { fields: [{ name: '_secret', type: 'text' }] } }, 'schema.fields.0.name'],
          [{ settings: { retentionDays: 0 } }, 'settings.retentionDays'],
          [{ settings: { webhookUrl: 'ftp://hooks.example' } }, 'settings.webhookUrl'],
        ];
        for (const [body, field] of cases) {
          const answer = await api('PATCH', `/api/forms/${owner.formId}`, body);
          assert.equal(answer.status, 422, JSON.stringify(body));
          assert.equal(errorOf(answer).code, 'validation_failed');
          assert.deepEqual(Object.keys(errorOf(answer).fields ?? {}), [field], JSON.stringify(body));
        }
        assert.deepEqual((await api('GET', `/api/forms/${owner.formId}`)).body, before);
      });

      it('answers a PATCH of a form that does not exist with 404 form_not_found', async () => {
        const answer = await api('PATCH', '/api/forms/f_doesNotExist1', { name: 'Ghost' });
        assert.equal(answer.status, 404);
        assert.deepEqual(answer.body, { error: { code: 'form_not_found', message: 'There is no form f_doesNotExist1 in this account.' } });
      });
    });

    describe('the submission list', () => {
      let inbox: Seeded;
      let inboxCookie: string;
      /** Ids of the accepted submissions in the order they were posted (oldest first). */
      const posted: string[] = [];
      let spamId: string;

      const list = (formId: string, query = '') =>
        send(`${app.url}/api/forms/${formId}/submissions${query}`, { headers: { cookie: inboxCookie } });

      const pageOf = (answer: Answer): SubmissionPage => {
        assert.equal(answer.status, 200, answer.text);
        return answer.body as SubmissionPage;
      };

      /** Follows nextCursor to the end; returns every page. */
      const allPages = async (formId: string, query: string): Promise<SubmissionPage[]> => {
        const pages: SubmissionPage[] = [];
        let cursor: string | null = null;
        do {
          const suffix: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
          const page = pageOf(await list(formId, `${query}${suffix}`));
          pages.push(page);
          cursor = page.nextCursor;
          assert.ok(pages.length <= 20, 'pagination does not end');
        } while (cursor !== null);
        return pages;
      };

      const newForm = async (name: string): Promise<string> => {
        const answer = await api('POST', '/api/forms', { siteId: inbox.siteId, name, schema: null }, consoleHeaders(inboxCookie, app.url));
        assert.equal(answer.status, 201);
        return (answer.body as FormPayload).id;
      };

      before(async () => {
        inbox = await seedAccount(opened.db);
        inboxCookie = await signIn(app.url, inbox.email, inbox.password);
        for (let i = 1; i <= 7; i++) {
          const message = i === 5 ? 'Do you deliver PINEAPPLE cakes on Sundays?' : `Message number ${i}, ten chars at least.`;
          const answer = await postJson(app.url, inbox.formId, { ...VALID_CONTACT, name: `Visitor ${i}`, message }, { origin: SITE_ORIGIN });
          assert.equal(answer.status, 201);
          posted.push((answer.body as { id: string }).id);
        }
        const spam = await postJson(app.url, inbox.formId, { ...VALID_CONTACT, name: 'Bot', _gotcha: 'http://spam.example' });
        assert.equal(spam.status, 201);
        spamId = (spam.body as { id: string }).id;
      });

      it('pages through submissions newest first, each exactly once, until nextCursor is null', async () => {
        const pages = await allPages(inbox.formId, '?limit=3');
        assert.deepEqual(
          pages.map((page) => page.items.length),
          [3, 3, 1],
        );
        assert.equal(pages.at(-1)?.nextCursor, null);
        for (const page of pages.slice(0, -1)) assert.equal(typeof page.nextCursor, 'string');
        const ids = pages.flatMap((page) => page.items.map((item) => item.id));
        assert.deepEqual(ids, [...posted].reverse());
      });

      it('lists each submission as exactly {id, formId, data, status, createdAt}', async () => {
        const page = pageOf(await list(inbox.formId));
        assert.equal(page.items.length, 7);
        assert.equal(page.nextCursor, null);
        const newest = page.items[0];
        assert.ok(newest);
        assert.deepEqual(Object.keys(newest).sort(), ['createdAt', 'data', 'formId', 'id', 'status']);
        assert.equal(newest.id, posted[6]);
        assert.equal(newest.formId, inbox.formId);
        assert.equal(newest.status, 'new');
        assert.deepEqual(newest.data, { ...VALID_CONTACT, name: 'Visitor 7', message: 'Message number 7, ten chars at least.' });
        assert.equal(new Date(newest.createdAt).toISOString(), newest.createdAt);
      });

      it('leaves spam out by default and shows only spam with ?status=spam', async () => {
        const normal = pageOf(await list(inbox.formId));
        assert.ok(!normal.items.some((item) => item.id === spamId));
        const spam = pageOf(await list(inbox.formId, '?status=spam'));
        assert.deepEqual(
          spam.items.map((item) => [item.id, item.status]),
          [[spamId, 'spam']],
        );
        const fresh = pageOf(await list(inbox.formId, '?status=new'));
        assert.deepEqual(
          fresh.items.map((item) => item.id),
          [...posted].reverse(),
        );
        assert.deepEqual(pageOf(await list(inbox.formId, '?status=held')).items, []);
      });

      it('finds submissions by a value with ?q=, ignoring letter case; punctuation alone finds nothing', async () => {
        const found = pageOf(await list(inbox.formId, '?q=pineapple'));
        assert.deepEqual(
          found.items.map((item) => item.id),
          [posted[4]],
        );
        const byName = pageOf(await list(inbox.formId, `?q=${encodeURIComponent('visitor 3')}`));
        assert.deepEqual(
          byName.items.map((item) => item.id),
          [posted[2]],
        );
        assert.deepEqual(pageOf(await list(inbox.formId, '?q=nothing-like-this')).items, []);
        assert.deepEqual(pageOf(await list(inbox.formId, '?q=%25')).items, []);
        assert.deepEqual(pageOf(await list(inbox.formId, '?q=_')).items, []);
        // Search combines with paging.
        const pages = await allPages(inbox.formId, `?q=${encodeURIComponent('ten chars')}&limit=4`);
        assert.deepEqual(
          pages.flatMap((page) => page.items.map((item) => item.id)),
          [...posted].reverse().filter((id) => id !== posted[4]),
        );
      });

      it('filters by date with ?from= and ?to=', async () => {
        const formId = await newForm('Dated');
        const dates = ['2025-01-10T09:00:00.000Z', '2025-02-10T09:00:00.000Z', '2025-03-10T09:00:00.000Z'];
        const ids: string[] = [];
        for (const [i, date] of dates.entries()) {
          const answer = await postJson(app.url, formId, { month: i + 1 });
          assert.equal(answer.status, 201);
          const id = (answer.body as { id: string }).id;
          ids.push(id);
          // Received months ago: moved back in time in the store.
          await opened.db.query('update submissions set created_at = $2 where id = $1', [id, date]);
        }
        const listed = async (query: string) => pageOf(await list(formId, query)).items.map((item) => item.createdAt);
        assert.deepEqual(await listed('?from=2025-02-01&to=2025-03-01'), [dates[1]]);
        assert.deepEqual(await listed('?from=2025-02-01'), [dates[2], dates[1]]);
        assert.deepEqual(await listed('?to=2025-02-01'), [dates[0]]);
        assert.deepEqual(await listed('?from=2025-01-10T09:00:00Z&to=2025-03-10T08:59:59Z'), [dates[1], dates[0]]);
        assert.deepEqual(await listed('?from=2026-01-01&to=2025-01-01'), []);

        const bad = await list(formId, '?from=yesterday');
        assert.equal(bad.status, 422);
        assert.deepEqual(bad.body, {
          error: {
            code: 'validation_failed',
            message: 'Some values need attention.',
            fields: { from: 'must be a date such as 2026-01-31 or 2026-01-31T12:00:00Z' },
          },
        });
      });

      it('pages correctly through submissions received in the same millisecond', async () => {
        const formId = await newForm('Burst');
        const ids: string[] = [];
        for (let i = 0; i < 5; i++) ids.push(((await postJson(app.url, formId, { n: i })).body as { id: string }).id);
        await opened.db.query("update submissions set created_at = '2025-06-01T12:00:00.123Z' where form_id = $1", [formId]);
        const pages = await allPages(formId, '?limit=2');
        assert.deepEqual(
          pages.map((page) => page.items.length),
          [2, 2, 1],
        );
        const listed = pages.flatMap((page) => page.items.map((item) => item.id));
        assert.equal(new Set(listed).size, 5);
        assert.deepEqual([...listed].sort(), [...ids].sort());
      });

      it('answers a limit over 500 (or otherwise bad) with 422, and a garbage cursor with 400 invalid_cursor', async () => {
        for (const limit of ['501', '0', '-1', '2.5', 'ten']) {
          const answer = await list(inbox.formId, `?limit=${limit}`);
          assert.equal(answer.status, 422, limit);
          assert.equal(errorOf(answer).code, 'validation_failed');
          assert.deepEqual(Object.keys(errorOf(answer).fields ?? {}), ['limit'], limit);
        }
        assert.equal(pageOf(await list(inbox.formId, '?limit=500')).items.length, 7);

        const forgedShape = Buffer.from('2025-01-01T00:00:00.000Z|not-a-uuid').toString('base64url');
        for (const cursor of ['garbage', 'AAAA', forgedShape, encodeURIComponent('!!not base64!!')]) {
          const answer = await list(inbox.formId, `?cursor=${cursor}`);
          assert.equal(answer.status, 400, cursor);
          assert.deepEqual(answer.body, { error: { code: 'invalid_cursor', message: 'The cursor is not one this API gave out.' } });
        }

        const status = await list(inbox.formId, '?status=deleted');
        assert.equal(status.status, 422);
        assert.deepEqual(Object.keys(errorOf(status).fields ?? {}), ['status']);
      });

      it('answers the submissions of a form that does not exist with 404 form_not_found', async () => {
        const answer = await list('f_doesNotExist1');
        assert.equal(answer.status, 404);
        assert.deepEqual(answer.body, { error: { code: 'form_not_found', message: 'There is no form f_doesNotExist1 in this account.' } });
      });
    });
    describe('inputs at the edges', () => {
      it('changing one setting keeps the others: a new redirect URL does not silence the alerts', async () => {
        const created = await api('POST', '/api/forms', {
          siteId: owner.siteId,
          name: 'Alerts',
          schema: null,
          settings: { notifyEmails: ['sales@shop.example'], notifyWhatsapp: ['+14155550100'], retentionDays: 30 },
        });
        const formId = (created.body as FormPayload).id;
        const patched = await api('PATCH', `/api/forms/${formId}`, { settings: { redirectUrl: 'https://shop.example/thanks' } });
        assert.equal(patched.status, 200);
        assert.deepEqual((patched.body as FormPayload).settings, {
          redirectUrl: 'https://shop.example/thanks',
          notifyEmails: ['sales@shop.example'],
          notifyWhatsapp: ['+14155550100'],
          webhookUrl: null,
          webhookSecretSet: false,
          whatsappContentSid: null,
          retentionDays: 30,
          captcha: null,
          autoresponse: null,
        });
        const post = await postJson(app.url, formId, { hello: 'there' });
        const jobs = await opened.db.query<{ kind: string }>('select kind from jobs where submission_id = $1 order by kind', [
          (post.body as { id: string }).id,
        ]);
        assert.deepEqual(jobs.map((job) => job.kind), ['email', 'whatsapp']);
      });

      it('refuses text holding NUL characters or broken Unicode with 422 naming the field, never a 500', async () => {
        const cases: [string, string, unknown, string][] = [
          ['POST', '/api/sites', { name: 'a\u0000b', domain: 'shop.example' }, 'name'],
          ['POST', '/api/forms', { siteId: owner.siteId, name: 'x\ud800y', schema: null }, 'name'],
          [
            'POST',
            '/api/forms',
            { siteId: owner.siteId, name: 'Form', schema: { fields: [{ name: 'a', type: 'text', label: 'L\u0000' }] } },
            'schema.fields.0.label',
          ],
        ];
        for (const [method, path, body, field] of cases) {
          const answer = await api(method, path, body);
          assert.equal(answer.status, 422, `${path} ${field}`);
          assert.deepEqual(Object.keys(errorOf(answer).fields ?? {}), [field]);
        }
        const signInAnswer = await signInRequest(app.url, { email: 'a\u0000b@example.com', password: 'x' });
        assert.equal(signInAnswer.status, 422);
        assert.deepEqual(Object.keys(errorOf(signInAnswer).fields ?? {}), ['email']);
        for (const path of ['/api/forms/f_%00', '/api/forms/f_%00/submissions', '/api/forms/%F0%9F%98%80']) {
          const answer = await api('GET', path);
          assert.equal(answer.status, 404, path);
          assert.equal(errorOf(answer).code, 'form_not_found');
        }
        const search = await api('GET', `/api/forms/${owner.formId}/submissions?q=%00`);
        assert.equal(search.status, 422);
        assert.deepEqual(Object.keys(errorOf(search).fields ?? {}), ['q']);
      });

      it('refuses dates the database cannot store: 422 for from/to, 400 for a cursor', async () => {
        for (const query of ['?from=-271821-04-20', '?to=%2B275760-09-13T00:00:00Z', '?from=0000-01-01']) {
          const answer = await api('GET', `/api/forms/${owner.formId}/submissions${query}`);
          assert.equal(answer.status, 422, query);
        }
        // A plain date means its whole day: the last day of year 9999 would end in year 10000.
        for (const path of ['submissions', 'submissions.csv', 'submissions.json']) {
          const answer = await api('GET', `/api/forms/${owner.formId}/${path}?to=9999-12-31`);
          assert.equal(answer.status, 422, path);
          assert.deepEqual(answer.body, {
            error: { code: 'validation_failed', message: 'Some values need attention.', fields: { to: 'must be a date no later than 9999-12-31T23:59:59Z' } },
          });
          assert.equal((await api('GET', `/api/forms/${owner.formId}/${path}?to=9999-12-31T23:59:59Z`)).status, 200, path);
        }
        const cursor = Buffer.from('-271821-04-20T00:00:00.000Z|0190f0a0-0000-7000-8000-000000000000').toString('base64url');
        const answer = await api('GET', `/api/forms/${owner.formId}/submissions?cursor=${cursor}`);
        assert.equal(answer.status, 400);
        assert.equal(errorOf(answer).code, 'invalid_cursor');
      });

      it('normalises origins written with capitals and a trailing slash', async () => {
        const answer = await api('POST', '/api/sites', { name: 'Caps', domain: 'shop.example', allowedOrigins: ['HTTPS://Shop.Example/'] });
        assert.equal(answer.status, 201);
        assert.deepEqual((answer.body as SitePayload).allowedOrigins, ['https://shop.example']);
      });

      it('names an unknown key in fields', async () => {
        const answer = await api('POST', '/api/sites', { name: 'x', domain: 'a.example', colour: 'blue' });
        assert.equal(answer.status, 422);
        assert.deepEqual(errorOf(answer).fields, { colour: 'is not a field this API takes' });
      });

      it('searches by words: each word of the search begins a word of some value, in any order and letter case', async () => {
        const created = await api('POST', '/api/forms', { siteId: owner.siteId, name: 'Words', schema: null });
        const formId = (created.body as FormPayload).id;
        await postJson(app.url, formId, { email: 'Ada.Lovelace@Example.com', note: 'Analytical Engine, São Paulo' });
        await postJson(app.url, formId, { email: 'grace@navy.mil', note: 'compilers' });
        const notesFor = async (q: string) =>
          ((await api('GET', `/api/forms/${formId}/submissions?q=${encodeURIComponent(q)}`)).body as SubmissionPage).items.map((item) => item.data['email']);
        for (const q of ['ada exam', 'EXAMPLE.COM', 'lovelace@', 'engine analyt', 'são', 'paulo são']) {
          assert.deepEqual(await notesFor(q), ['Ada.Lovelace@Example.com'], q);
        }
        assert.deepEqual(await notesFor('navy'), ['grace@navy.mil']);
        // limitation: the middle of a word is not searched (a full-text index, not a substring scan).
        assert.deepEqual(await notesFor('ovelace'), []);
        assert.deepEqual(await notesFor('ada grace'), [], 'every word must be found in the same submission');
      });

      it('searches values, not field names', async () => {
        const created = await api('POST', '/api/forms', { siteId: owner.siteId, name: 'Search', schema: null });
        const formId = (created.body as FormPayload).id;
        await postJson(app.url, formId, { consent: 'no', note: 'hello' });
        await postJson(app.url, formId, { note: 'consent given' });
        const answer = await api('GET', `/api/forms/${formId}/submissions?q=consent`);
        const items = (answer.body as SubmissionPage).items;
        assert.deepEqual(items.map((item) => item.data['note']), ['consent given']);
      });

      it('refuses Origin: null even when the Referer is our own', async () => {
        const answer = await api('POST', '/api/sites', { name: 'x', domain: 'a.example' }, {
          ...consoleHeaders(cookie, app.url),
          origin: 'null',
          referer: `${app.url}/console/`,
        });
        assert.equal(answer.status, 403);
        assert.deepEqual(answer.body, CSRF_FAILED);
      });
    });
  });
}
