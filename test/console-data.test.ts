// What owners and members do with their data through the console API: a submission's detail,
// marking read/spam, deleting one or many (audited), erasing what one email address submitted,
// editing and deleting sites, API keys (Bearer on the read and export routes only), usage per
// day, the platform operator's account list, the retention sweep, the WhatsApp test button and
// the export's row count, on every database.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { purgeExpiredSubmissions } from '../ingest/services/retention.ts';
import { hashPassword } from '../ingest/services/passwords.ts';
import { saveMembership, saveUser } from '../ingest/store/accounts.ts';
import { databaseTargets, type OpenedDatabase } from './helpers/databases.ts';
import { SITE_ORIGIN, VALID_CONTACT, consoleHeaders, seedAccount, signIn, startTestApp, type Seeded, type TestApp } from './helpers/harness.ts';
import { postJson, send, type Answer } from './helpers/http.ts';
import { NUMBERS, startTwilioStandIn, type TwilioStandIn } from './helpers/twilio-stand-in.ts';

interface Item {
  id: string;
  formId: string;
  data: Record<string, unknown>;
  status: string;
  createdAt: string;
}

for (const target of databaseTargets) {
  describe(`owners' data in the console API on ${target.name}`, () => {
    let opened: OpenedDatabase;
    let app: TestApp;
    let owner: Seeded;
    let cookie: string;
    let twilio: TwilioStandIn;

    const call = (method: string, path: string, body?: unknown, as = cookie): Promise<Answer> =>
      send(`${app.url}${path}`, {
        method,
        headers: consoleHeaders(as, app.url),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const submit = async (data: Record<string, unknown>, formId = owner.formId): Promise<string> => {
      const answer = await postJson(app.url, formId, data, { origin: SITE_ORIGIN, 'user-agent': 'Formline test browser' });
      assert.equal(answer.status, 201, answer.text);
      return (answer.body as { id: string }).id;
    };
    const listed = async (query = '', formId = owner.formId): Promise<Item[]> => {
      const answer = await call('GET', `/api/forms/${formId}/submissions${query}`);
      assert.equal(answer.status, 200, answer.text);
      return (answer.body as { items: Item[] }).items;
    };
    const auditActions = async (): Promise<{ action: string; target: string; actorEmail: string | null; details: Record<string, unknown> }[]> =>
      ((await call('GET', '/api/audit')).body as { items: { action: string; target: string; actorEmail: string | null; details: Record<string, unknown> }[] }).items;

    before(async () => {
      opened = await target.open();
      twilio = await startTwilioStandIn();
      app = await startTestApp(opened.db, {
        TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef',
        TWILIO_AUTH_TOKEN: 'twilio-auth-token-for-tests',
        TWILIO_WHATSAPP_FROM: '+14155238886',
        TWILIO_API_BASE: twilio.apiBase,
      });
      owner = await seedAccount(opened.db);
      cookie = await signIn(app.url, owner.email, owner.password);
    });
    after(async () => {
      await app?.close();
      await twilio?.close();
      await opened?.close();
    });

    describe('submissions', () => {
      it('shows one submission with its metadata (the visitor IP only as a keyed hash)', async () => {
        const id = await submit({ ...VALID_CONTACT, name: 'Detail Dora' });
        const answer = await call('GET', `/api/submissions/${id}`);
        assert.equal(answer.status, 200, answer.text);
        const body = answer.body as Item & { meta: Record<string, unknown> };
        assert.equal(body.id, id);
        assert.equal(body.formId, owner.formId);
        assert.equal(body.status, 'new');
        assert.deepEqual(body.data, { ...VALID_CONTACT, name: 'Detail Dora' });
        assert.equal(body.meta['origin'], SITE_ORIGIN);
        assert.equal(body.meta['userAgent'], 'Formline test browser');
        assert.equal(body.meta['via'], 'json');
        assert.match(String(body.meta['ipHash']), /^[A-Za-z0-9_-]{22}$/);
        assert.doesNotMatch(answer.text, /127\.0\.0\.1/);
        const missing = await call('GET', '/api/submissions/00000000-0000-7000-8000-000000000000');
        assert.deepEqual([missing.status, missing.body], [
          404,
          { error: { code: 'submission_not_found', message: 'There is no submission 00000000-0000-7000-8000-000000000000 in this account.' } },
        ]);
        assert.equal((await call('GET', '/api/submissions/not-a-uuid')).status, 404);
      });

      it('marks read and spam and back: spam leaves the default list and shows under the spam filter', async () => {
        const id = await submit({ ...VALID_CONTACT, name: 'Spammy Sam' });
        const read = await call('PATCH', `/api/submissions/${id}`, { status: 'read' });
        assert.deepEqual([read.status, (read.body as Item).status], [200, 'read']);
        assert.ok((await listed('?status=read')).some((item) => item.id === id));
        const spam = await call('PATCH', `/api/submissions/${id}`, { status: 'spam' });
        assert.equal((spam.body as Item).status, 'spam');
        assert.ok(!(await listed()).some((item) => item.id === id));
        assert.ok((await listed('?status=spam')).some((item) => item.id === id));
        const back = await call('PATCH', `/api/submissions/${id}`, { status: 'new' });
        assert.equal((back.body as Item).status, 'new');
        assert.ok((await listed()).some((item) => item.id === id));
        const bad = await call('PATCH', `/api/submissions/${id}`, { status: 'held' });
        assert.equal(bad.status, 422);
        const [row] = await opened.db.query<{ status: string }>('select status from submissions where id = $1', [id]);
        assert.equal(row?.status, 'new');
      });

      it('marks many at once and deletes many (owner), with an audit entry naming who and what', async () => {
        const ids = [await submit({ ...VALID_CONTACT, name: 'Batch 1' }), await submit({ ...VALID_CONTACT, name: 'Batch 2' })];
        const marked = await call('POST', '/api/submissions/batch', { ids, action: 'read' });
        assert.deepEqual([marked.status, marked.body], [200, { count: 2 }]);
        const rows = await opened.db.query<{ status: string }>('select status from submissions where id = any($1::uuid[])', [ids]);
        assert.deepEqual(rows.map((r) => r.status), ['read', 'read']);
        const tooMany = await call('POST', '/api/submissions/batch', { ids: Array.from({ length: 501 }, () => ids[0]), action: 'read' });
        assert.equal(tooMany.status, 422);
        const deleted = await call('POST', '/api/submissions/batch', { ids, action: 'delete' });
        assert.deepEqual([deleted.status, deleted.body], [200, { count: 2 }]);
        const left = await opened.db.query('select id from submissions where id = any($1::uuid[])', [ids]);
        assert.equal(left.length, 0);
        const jobs = await opened.db.query('select id from jobs where submission_id = any($1::uuid[])', [ids]);
        assert.equal(jobs.length, 0);
        const [entry] = await auditActions();
        assert.equal(entry?.action, 'submissions.delete');
        assert.equal(entry?.actorEmail, owner.email);
        assert.deepEqual([...(entry?.details['ids'] as string[])].sort(), [...ids].sort());

        const one = await submit({ ...VALID_CONTACT, name: 'Single' });
        assert.equal((await call('DELETE', `/api/submissions/${one}`)).status, 204);
        assert.equal((await call('GET', `/api/submissions/${one}`)).status, 404);
        assert.equal((await call('DELETE', `/api/submissions/${one}`)).status, 404);
        const [latest] = await auditActions();
        assert.deepEqual([latest?.action, latest?.target], ['submission.delete', one]);
      });

      it("lets a member mark but not delete (403 owner_required)", async () => {
        const member = await saveUser(opened.db, { email: `member-${Date.now()}@example.com`, passwordHash: await hashPassword('member password') });
        await saveMembership(opened.db, { accountId: owner.accountId, userId: member.id, role: 'member' });
        const memberCookie = await signIn(app.url, member.email, 'member password');
        const id = await submit({ ...VALID_CONTACT, name: 'Kept' });
        assert.equal((await call('PATCH', `/api/submissions/${id}`, { status: 'read' }, memberCookie)).status, 200);
        const ownerRequired = { error: { code: 'owner_required', message: 'Only an owner of this account can do this.' } };
        const one = await call('DELETE', `/api/submissions/${id}`, undefined, memberCookie);
        assert.deepEqual([one.status, one.body], [403, ownerRequired]);
        const many = await call('POST', '/api/submissions/batch', { ids: [id], action: 'delete' }, memberCookie);
        assert.deepEqual([many.status, many.body], [403, ownerRequired]);
        assert.equal((await call('GET', `/api/submissions/${id}`)).status, 200);
      });

      it("erases everything one email address submitted, across the account's forms, and audits it without the address", async () => {
        const site2 = await call('POST', '/api/sites', { name: 'Second', domain: 'second.example', allowedOrigins: [SITE_ORIGIN] });
        const form2 = await call('POST', '/api/forms', { siteId: (site2.body as { id: string }).id, name: 'Untyped', schema: null });
        const formId2 = (form2.body as { id: string }).id;
        const mine = [
          await submit({ ...VALID_CONTACT, email: 'Erase.Me@Example.com' }),
          await submit({ contact: 'erase.me@example.com', note: 'schemaless' }, formId2),
          await submit({ list: ['x@example.com', 'erase.me@example.com'] }, formId2),
        ];
        const others = [await submit({ ...VALID_CONTACT, email: 'keep.me@example.com', message: 'I mention erase.me@example.com in passing' })];
        const answer = await call('POST', '/api/erasure', { email: 'erase.me@example.com' });
        assert.deepEqual([answer.status, answer.body], [200, { deleted: 3 }]);
        assert.equal((await opened.db.query('select id from submissions where id = any($1::uuid[])', [mine])).length, 0);
        assert.equal((await opened.db.query('select id from submissions where id = any($1::uuid[])', [others])).length, 1);
        const [entry] = await auditActions();
        assert.deepEqual([entry?.action, entry?.target, entry?.details], ['erasure', 'e***@example.com', { deleted: 3 }]);
        const stored = await opened.db.query<{ n: number }>("select count(*)::int as n from audit_log where details::text ilike '%erase.me%' or target ilike '%erase.me%'");
        assert.equal(stored[0]?.n, 0);
        assert.equal((await call('POST', '/api/erasure', { email: 'not an email' })).status, 422);
      });

      it('counts the rows an export will send (X-Total-Count), with the filters', async () => {
        const all = await send(`${app.url}/api/forms/${owner.formId}/submissions.csv`, { headers: { cookie } });
        const lines = all.text.trim().split('\n').length - 1;
        assert.equal(all.headers.get('x-total-count'), String(lines));
        const spam = await send(`${app.url}/api/forms/${owner.formId}/submissions.json?status=spam`, { headers: { cookie } });
        assert.equal(spam.headers.get('x-total-count'), String((spam.body as unknown[]).length));
      });
    });

    describe('sites', () => {
      it("edits a site's allowed origins, which the submission path obeys at once", async () => {
        const before = await postJson(app.url, owner.formId, VALID_CONTACT, { origin: 'https://new.example' });
        assert.equal(before.status, 403);
        const patched = await call('PATCH', `/api/sites/${owner.siteId}`, { allowedOrigins: ['https://new.example/', SITE_ORIGIN], name: 'Renamed' });
        assert.equal(patched.status, 200, patched.text);
        assert.deepEqual((patched.body as { allowedOrigins: string[]; name: string }).allowedOrigins, ['https://new.example', SITE_ORIGIN]);
        assert.equal((patched.body as { name: string }).name, 'Renamed');
        const after = await postJson(app.url, owner.formId, VALID_CONTACT, { origin: 'https://new.example' });
        assert.equal(after.status, 201);
        const bad = await call('PATCH', `/api/sites/${owner.siteId}`, { allowedOrigins: ['javascript:alert(1)'] });
        assert.equal(bad.status, 422);
        assert.deepEqual(Object.keys((bad.body as { error: { fields: object } }).error.fields), ['allowedOrigins.0']);
        const got = await call('GET', `/api/sites/${owner.siteId}`);
        assert.equal((got.body as { name: string }).name, 'Renamed');
      });

      it('deletes a site with its forms and their submissions; its forms stop taking posts', async () => {
        const site = await call('POST', '/api/sites', { name: 'Doomed', domain: 'doomed.example', allowedOrigins: [SITE_ORIGIN] });
        const siteId = (site.body as { id: string }).id;
        const form = await call('POST', '/api/forms', { siteId, name: 'Doomed form', schema: null });
        const formId = (form.body as { id: string }).id;
        await submit({ hello: 'world' }, formId);
        assert.equal((await call('DELETE', `/api/sites/${siteId}`)).status, 204);
        assert.equal((await call('GET', `/api/sites/${siteId}`)).status, 404);
        assert.equal((await call('GET', `/api/forms/${formId}`)).status, 404);
        assert.equal((await opened.db.query('select id from submissions where form_id = $1', [formId])).length, 0);
        const post = await postJson(app.url, formId, { hello: 'again' }, { origin: SITE_ORIGIN });
        assert.equal(post.status, 404);
        const [entry] = await auditActions();
        assert.deepEqual([entry?.action, entry?.target], ['site.delete', 'doomed.example']);
      });
    });

    describe('API keys', () => {
      it('shows a new key once, lists it by prefix, reads and exports with it, and nothing else', async () => {
        const created = await call('POST', '/api/keys', { name: 'Zapier' });
        assert.equal(created.status, 201, created.text);
        const { key, prefix, id } = created.body as { key: string; prefix: string; id: string };
        assert.match(key, /^fl_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/);
        assert.ok(key.startsWith(`${prefix}_`));
        const list = await call('GET', '/api/keys');
        assert.ok(!list.text.includes(key.slice(prefix.length + 1)), 'the secret is never listed');
        assert.deepEqual(
          (list.body as { items: { id: string; name: string; prefix: string; revokedAt: string | null }[] }).items.map((k) => [k.id, k.name, k.prefix, k.revokedAt]),
          [[id, 'Zapier', prefix, null]],
        );
        const [stored] = await opened.db.query<{ secret_hash: string }>('select secret_hash from api_keys where id = $1', [id]);
        assert.ok(stored && !key.includes(stored.secret_hash));

        const bearer = { authorization: `Bearer ${key}` };
        for (const path of [`/api/forms/${owner.formId}/submissions`, `/api/forms/${owner.formId}/submissions.csv`, `/api/forms/${owner.formId}/submissions.json`, '/api/forms', '/api/sites', '/api/usage', `/api/forms/${owner.formId}`]) {
          const answer = await send(`${app.url}${path}`, { headers: bearer });
          assert.equal(answer.status, 200, `${path}: ${answer.text}`);
        }
        const notAllowed = { error: { code: 'api_key_not_allowed', message: 'API keys can read and export; this needs a signed-in console user.' } };
        for (const [method, path, body] of [
          ['POST', '/api/sites', { name: 'x', domain: 'x.example' }],
          ['PATCH', `/api/forms/${owner.formId}`, { name: 'renamed by key' }],
          ['POST', '/api/keys', { name: 'another' }],
          ['GET', '/api/keys', undefined],
          ['GET', '/api/session', undefined],
        ] as const) {
          const answer = await send(`${app.url}${path}`, {
            method,
            headers: { ...bearer, 'content-type': 'application/json' },
            ...(body ? { body: JSON.stringify(body) } : {}),
          });
          assert.equal(answer.status, path === '/api/session' ? 401 : 403, `${method} ${path}: ${answer.text}`);
          if (path !== '/api/session') assert.deepEqual(answer.body, notAllowed);
        }
        const [lastUsed] = await opened.db.query<{ last_used_at: Date | null }>('select last_used_at from api_keys where id = $1', [id]);
        assert.ok(lastUsed?.last_used_at);

        assert.equal((await call('DELETE', `/api/keys/${id}`)).status, 204);
        const invalid = { error: { code: 'invalid_api_key', message: 'The API key is not valid (malformed, unknown or revoked).' } };
        const revoked = await send(`${app.url}/api/forms/${owner.formId}/submissions`, { headers: bearer });
        assert.deepEqual([revoked.status, revoked.body], [401, invalid]);
        for (const header of [`Bearer ${key.slice(0, -1)}A`, 'Bearer nonsense', 'Basic abc', `Bearer ${prefix}_${'A'.repeat(43)}`]) {
          const answer = await send(`${app.url}/api/forms`, { headers: { authorization: header } });
          assert.deepEqual([answer.status, answer.body], [401, invalid], header);
        }
      });
    });

    describe('usage', () => {
      it('counts submissions per day for 30 or 90 days, every day present, spam apart', async () => {
        await submit({ ...VALID_CONTACT, _gotcha: 'i am a bot' });
        const thirty = await call('GET', '/api/usage');
        assert.equal(thirty.status, 200);
        const body = thirty.body as { days: { day: string; accepted: number; spam: number }[]; totals: { accepted: number; spam: number } };
        assert.equal(body.days.length, 30);
        const today = new Date().toISOString().slice(0, 10);
        assert.equal(body.days[29]?.day, today);
        const [usage] = await opened.db.query<{ accepted: number; spam: number }>(
          'select coalesce(sum(accepted), 0)::int as accepted, coalesce(sum(spam), 0)::int as spam from usage_daily where account_id = $1',
          [owner.accountId],
        );
        assert.deepEqual(body.totals, usage);
        assert.ok((usage?.spam ?? 0) >= 1);
        assert.deepEqual({ accepted: body.days[29]?.accepted, spam: body.days[29]?.spam }, usage);
        assert.ok(body.days.slice(0, 29).every((d) => d.accepted === 0 && d.spam === 0));
        const ninety = await call('GET', '/api/usage?days=90');
        assert.equal((ninety.body as { days: unknown[] }).days.length, 90);
        assert.equal((await call('GET', '/api/usage?days=7')).status, 422);
      });
    });

    describe('the platform operator', () => {
      it('sees every account with plan, sites, members and submissions this month; nobody else may', async () => {
        const admin = await saveUser(opened.db, { email: `operator-${Date.now()}@example.com`, passwordHash: await hashPassword('operator password'), isPlatformAdmin: true });
        const adminCookie = await signIn(app.url, admin.email, 'operator password');
        const answer = await call('GET', '/api/admin/accounts', undefined, adminCookie);
        assert.equal(answer.status, 200, answer.text);
        const items = (answer.body as { items: { id: string; plan: string; sites: number; members: number; submissionsThisPeriod: number; billingStatus: string }[] }).items;
        const mine = items.find((item) => item.id === owner.accountId);
        const [usage] = await opened.db.query<{ n: number }>('select coalesce(sum(accepted), 0)::int as n from usage_daily where account_id = $1', [owner.accountId]);
        const [sites] = await opened.db.query<{ n: number }>('select count(*)::int as n from sites where account_id = $1', [owner.accountId]);
        assert.deepEqual(mine && { plan: mine.plan, sites: mine.sites, members: mine.members, submissions: mine.submissionsThisPeriod }, {
          plan: 'free',
          sites: sites?.n,
          members: 2,
          submissions: usage?.n,
        });
        const refused = await call('GET', '/api/admin/accounts');
        assert.deepEqual([refused.status, refused.body], [403, { error: { code: 'platform_admin_required', message: 'Only the platform operator can see this.' } }]);
      });
    });

    describe('retention', () => {
      it("deletes submissions older than the form's retention, keeps the rest, and audits the purge", async () => {
        const patched = await call('PATCH', `/api/forms/${owner.formId}`, { settings: { retentionDays: 30 } });
        assert.equal(patched.status, 200);
        const old = await submit({ ...VALID_CONTACT, name: 'Old Olga' });
        const fresh = await submit({ ...VALID_CONTACT, name: 'Fresh Fred' });
        await opened.db.query("update submissions set created_at = now() - interval '31 days' where id = $1", [old]);
        const purged = await purgeExpiredSubmissions(opened.db);
        assert.equal(purged.get(owner.formId), 1);
        assert.equal((await call('GET', `/api/submissions/${old}`)).status, 404);
        assert.equal((await call('GET', `/api/submissions/${fresh}`)).status, 200);
        const [entry] = await auditActions();
        assert.deepEqual([entry?.action, entry?.target, entry?.actorEmail, entry?.details['deleted']], ['retention.purge', owner.formId, null, 1]);
        // Nothing more to do the second time.
        assert.equal((await purgeExpiredSubmissions(opened.db)).size, 0);
        await call('PATCH', `/api/forms/${owner.formId}`, { settings: { retentionDays: null } });
      });
    });

    describe('the WhatsApp test button', () => {
      it('sends one test alert through Twilio; a number Twilio refuses is a 422 naming the field', async () => {
        const sent = await call('POST', `/api/forms/${owner.formId}/whatsapp-test`, { to: '+14155550100' });
        assert.deepEqual([sent.status, sent.body], [200, { sent: true }]);
        const request = twilio.requests.find((r) => r.params['To'] === 'whatsapp:+14155550100');
        assert.equal(request?.params['From'], 'whatsapp:+14155238886');
        assert.match(String(request?.params['Body']), /^Test alert for “Form \d+”: /);
        const refused = await call('POST', `/api/forms/${owner.formId}/whatsapp-test`, { to: NUMBERS.invalid });
        assert.equal(refused.status, 422);
        assert.match(String((refused.body as { error: { fields: { to: string } } }).error.fields.to), /21211/);
        const bad = await call('POST', `/api/forms/${owner.formId}/whatsapp-test`, { to: '0800 123' });
        assert.deepEqual(Object.keys((bad.body as { error: { fields: object } }).error.fields), ['to']);
      });

      it('answers 409 whatsapp_not_configured on a service without Twilio settings', async () => {
        const plain = await startTestApp(opened.db);
        try {
          const answer = await send(`${plain.url}/api/forms/${owner.formId}/whatsapp-test`, {
            method: 'POST',
            headers: consoleHeaders(await signIn(plain.url, owner.email, owner.password), plain.url),
            body: JSON.stringify({ to: '+14155550100' }),
          });
          assert.equal(answer.status, 409);
          assert.equal((answer.body as { error: { code: string } }).error.code, 'whatsapp_not_configured');
        } finally {
          await plain.close();
        }
      });
    });
  });
}
