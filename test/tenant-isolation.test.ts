// "Every console/API query is scoped by account: another account's ids answer 404" (DESIGN.md,
// Security). Two accounts share one service; the second one's session can neither see nor change
// anything of the first, and the first account's rows are byte-for-byte the same afterwards.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { databaseTargets, type OpenedDatabase } from './helpers/databases.ts';
import { CONTACT_SCHEMA, SITE_ORIGIN, VALID_CONTACT, consoleHeaders, seedAccount, signIn, startTestApp, type Seeded, type TestApp } from './helpers/harness.ts';
import { postJson, send, type Answer } from './helpers/http.ts';

interface Listed {
  items: { id: string }[];
}

for (const target of databaseTargets) {
  describe(`account isolation in the console API on ${target.name}`, () => {
    let opened: OpenedDatabase;
    let app: TestApp;
    let alice: Seeded;
    let bob: Seeded;
    let aliceCookie: string;
    let bobCookie: string;
    /** Alice's rows as they were before Bob tried anything. */
    let aliceBefore: string;
    let aliceCursor: string;

    /** Everything the store holds for an account, serialised for exact comparison. */
    const snapshot = async (accountId: string): Promise<string> => {
      const sites = await opened.db.query(
        'select id, name, domain, allowed_origins, created_at, updated_at from sites where account_id = $1 order by id',
        [accountId],
      );
      const forms = await opened.db.query(
        'select id, site_id, name, schema, settings, created_at, updated_at from forms where account_id = $1 order by id',
        [accountId],
      );
      const submissions = await opened.db.query(
        'select id, form_id, site_id, data, meta, status, created_at from submissions where account_id = $1 order by id',
        [accountId],
      );
      return JSON.stringify({ sites, forms, submissions });
    };

    const asBob = (method: string, path: string, body?: unknown): Promise<Answer> =>
      send(`${app.url}${path}`, {
        method,
        headers: consoleHeaders(bobCookie, app.url),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });

    const formNotFound = (formId: string) => ({
      error: { code: 'form_not_found', message: `There is no form ${formId} in this account.` },
    });

    before(async () => {
      opened = await target.open();
      alice = await seedAccount(opened.db);
      bob = await seedAccount(opened.db);
      app = await startTestApp(opened.db);
      aliceCookie = await signIn(app.url, alice.email, alice.password);
      bobCookie = await signIn(app.url, bob.email, bob.password);
      for (let i = 1; i <= 3; i++) {
        const answer = await postJson(app.url, alice.formId, { ...VALID_CONTACT, name: `Alice's visitor ${i}` }, { origin: SITE_ORIGIN });
        assert.equal(answer.status, 201);
      }
      const spam = await postJson(app.url, alice.formId, { ...VALID_CONTACT, _gotcha: 'bot' });
      assert.equal(spam.status, 201);
      const page = await send(`${app.url}/api/forms/${alice.formId}/submissions?limit=1`, { headers: { cookie: aliceCookie } });
      assert.equal(page.status, 200);
      aliceCursor = String((page.body as { nextCursor: string | null }).nextCursor);
      aliceBefore = await snapshot(alice.accountId);
    });

    after(async () => {
      await app?.close();
      await opened?.close();
    });

    it("answers another account's form with 404 form_not_found, exactly like a form that does not exist", async () => {
      const answer = await asBob('GET', `/api/forms/${alice.formId}`);
      assert.equal(answer.status, 404);
      assert.deepEqual(answer.body, formNotFound(alice.formId));
      assert.doesNotMatch(answer.text, /Alice|Form \d|owner@shop/);

      const missing = await asBob('GET', '/api/forms/f_doesNotExist1');
      assert.equal(missing.status, 404);
      assert.deepEqual(missing.body, formNotFound('f_doesNotExist1'));
    });

    it("cannot rename, re-schema or redirect another account's form (404 form_not_found)", async () => {
      const changes: unknown[] = [
        { name: 'Taken over' },
        { schema: null },
        { schema: { fields: [{ name: 'card', type: 'text', required: true }] } },
        { settings: { notifyEmails: ['attacker@evil.example'], webhookUrl: 'https://evil.example/hook', redirectUrl: 'https://evil.example/' } },
      ];
      for (const change of changes) {
        const answer = await asBob('PATCH', `/api/forms/${alice.formId}`, change);
        assert.equal(answer.status, 404, JSON.stringify(change));
        assert.deepEqual(answer.body, formNotFound(alice.formId));
      }
      // Alice's visitors still get her form as she defined it.
      const definition = await send(`${app.url}/v1/forms/${alice.formId}`, { headers: { origin: SITE_ORIGIN } });
      assert.equal(definition.status, 200);
      assert.deepEqual((definition.body as { schema: unknown }).schema, CONTACT_SCHEMA);
    });

    it("cannot list another account's submissions, with any filter or with a cursor taken from its pages", async () => {
      for (const query of ['', '?status=spam', '?status=new', '?q=Alice', '?limit=500', `?cursor=${encodeURIComponent(aliceCursor)}`]) {
        const answer = await asBob('GET', `/api/forms/${alice.formId}/submissions${query}`);
        assert.equal(answer.status, 404, query);
        assert.deepEqual(answer.body, formNotFound(alice.formId));
        assert.doesNotMatch(answer.text, /Alice's visitor/);
      }
      // Bob's own form never shows Alice's submissions either, even with Alice's cursor.
      for (const query of ['', '?status=spam', '?q=Alice', `?cursor=${encodeURIComponent(aliceCursor)}`]) {
        const answer = await asBob('GET', `/api/forms/${bob.formId}/submissions${query}`);
        assert.equal(answer.status, 200, query);
        assert.deepEqual(answer.body, { items: [], nextCursor: null }, query);
      }
    });

    it("cannot create a form on another account's site (404 site_not_found)", async () => {
      const answer = await asBob('POST', '/api/forms', { siteId: alice.siteId, name: 'Planted form', schema: null });
      assert.equal(answer.status, 404);
      assert.deepEqual(answer.body, {
        error: { code: 'site_not_found', message: `There is no site ${alice.siteId} in this account.` },
      });
      const planted = await opened.db.query<{ n: number }>("select count(*)::int as n from forms where name = 'Planted form'");
      assert.equal(planted[0]?.n, 0);
    });

    it("never lists another account's sites or forms", async () => {
      const bobSites = await asBob('GET', '/api/sites');
      assert.equal(bobSites.status, 200);
      assert.deepEqual(
        (bobSites.body as Listed).items.map((site) => site.id),
        [bob.siteId],
      );

      const bobForms = await asBob('GET', '/api/forms');
      assert.equal(bobForms.status, 200);
      assert.deepEqual(
        (bobForms.body as Listed).items.map((form) => form.id),
        [bob.formId],
      );

      const filtered = await asBob('GET', `/api/forms?siteId=${alice.siteId}`);
      assert.equal(filtered.status, 200);
      assert.deepEqual(filtered.body, { items: [] });

      // And the other way round: what Bob creates stays out of Alice's lists.
      const bobSite = await asBob('POST', '/api/sites', { name: "Bob's second site", domain: 'bob.example' });
      assert.equal(bobSite.status, 201);
      const bobSiteId = (bobSite.body as { id: string }).id;
      const bobForm = await asBob('POST', '/api/forms', { siteId: bobSiteId, name: "Bob's second form", schema: null });
      assert.equal(bobForm.status, 201);
      const aliceSites = await send(`${app.url}/api/sites`, { headers: { cookie: aliceCookie } });
      assert.deepEqual(
        (aliceSites.body as Listed).items.map((site) => site.id),
        [alice.siteId],
      );
      const aliceForms = await send(`${app.url}/api/forms`, { headers: { cookie: aliceCookie } });
      assert.deepEqual(
        (aliceForms.body as Listed).items.map((form) => form.id),
        [alice.formId],
      );
      const bobFormAsAlice = await send(`${app.url}/api/forms/${(bobForm.body as { id: string }).id}`, { headers: { cookie: aliceCookie } });
      assert.equal(bobFormAsAlice.status, 404);
    });

    it("answers every other /api route with another account's ids as if they did not exist (404), and changes nothing", async () => {
      const [submission] = await opened.db.query<{ id: string }>('select id from submissions where account_id = $1 limit 1', [alice.accountId]);
      const [job] = await opened.db.query<{ id: number }>(
        'select j.id from jobs j join submissions s on s.id = j.submission_id where s.account_id = $1 limit 1',
        [alice.accountId],
      );
      const key = await send(`${app.url}/api/keys`, { method: 'POST', headers: consoleHeaders(aliceCookie, app.url), body: JSON.stringify({ name: 'Alice key' }) });
      assert.equal(key.status, 201);
      const keyId = (key.body as { id: string }).id;
      const invitation = await send(`${app.url}/api/invitations`, {
        method: 'POST',
        headers: consoleHeaders(aliceCookie, app.url),
        body: JSON.stringify({ email: 'friend@alice.example', role: 'member' }),
      });
      assert.equal(invitation.status, 201);
      const invitationId = (invitation.body as { id: string }).id;
      const id = String(submission?.id);
      const notFound = (code: string, what: string, value: string) => ({ error: { code, message: `There is no ${what} ${value} in this account.` } });
      const cases: [string, string, unknown, unknown][] = [
        ['GET', `/api/sites/${alice.siteId}`, undefined, notFound('site_not_found', 'site', alice.siteId)],
        ['PATCH', `/api/sites/${alice.siteId}`, { allowedOrigins: ['https://evil.example'] }, notFound('site_not_found', 'site', alice.siteId)],
        ['DELETE', `/api/sites/${alice.siteId}`, undefined, notFound('site_not_found', 'site', alice.siteId)],
        ['DELETE', `/api/forms/${alice.formId}`, undefined, formNotFound(alice.formId)],
        ['GET', `/api/forms/${alice.formId}/embed`, undefined, formNotFound(alice.formId)],
        ['GET', `/api/forms/${alice.formId}/submissions.csv`, undefined, formNotFound(alice.formId)],
        ['GET', `/api/forms/${alice.formId}/submissions.json`, undefined, formNotFound(alice.formId)],
        ['POST', `/api/forms/${alice.formId}/whatsapp-test`, { to: '+14155550100' }, formNotFound(alice.formId)],
        ['GET', `/api/submissions/${id}`, undefined, notFound('submission_not_found', 'submission', id)],
        ['PATCH', `/api/submissions/${id}`, { status: 'spam' }, notFound('submission_not_found', 'submission', id)],
        ['DELETE', `/api/submissions/${id}`, undefined, notFound('submission_not_found', 'submission', id)],
        ['GET', `/api/submissions/${id}/deliveries`, undefined, notFound('submission_not_found', 'submission', id)],
        ['POST', `/api/deliveries/${job?.id}/retry`, undefined, notFound('delivery_not_found', 'notification', String(job?.id))],
        ['PATCH', `/api/members/${alice.userId}`, { role: 'member' }, notFound('member_not_found', 'member', alice.userId)],
        ['DELETE', `/api/members/${alice.userId}`, undefined, notFound('member_not_found', 'member', alice.userId)],
        ['DELETE', `/api/invitations/${invitationId}`, undefined, notFound('invitation_not_found', 'pending invitation', invitationId)],
        ['DELETE', `/api/keys/${keyId}`, undefined, notFound('api_key_not_found', 'API key', keyId)],
        ['PUT', '/api/session/account', { accountId: alice.accountId }, { error: { code: 'account_not_found', message: 'You are not a member of that account.' } }],
      ];
      for (const [method, path, body, expected] of cases) {
        const answer = await asBob(method, path, body);
        assert.equal(answer.status, 404, `${method} ${path}: ${answer.text}`);
        assert.deepEqual(answer.body, expected, `${method} ${path}`);
        assert.doesNotMatch(answer.text, /Alice|alice\.example|owner@shop/, `${method} ${path}`);
      }
      // Batches and erasure only ever touch the caller's own account: nothing of Alice's is counted.
      const batch = await asBob('POST', '/api/submissions/batch', { ids: [id], action: 'delete' });
      assert.deepEqual([batch.status, batch.body], [200, { count: 0 }]);
      const marked = await asBob('POST', '/api/submissions/batch', { ids: [id], action: 'spam' });
      assert.deepEqual([marked.status, marked.body], [200, { count: 0 }]);
      const erased = await asBob('POST', '/api/erasure', { email: VALID_CONTACT.email });
      assert.deepEqual([erased.status, erased.body], [200, { deleted: 0 }]);
      // Bob's lists show none of Alice's keys, invitations, members or usage.
      for (const path of ['/api/keys', '/api/invitations', '/api/members']) {
        const answer = await asBob('GET', path);
        assert.equal(answer.status, 200, path);
        assert.doesNotMatch(answer.text, /Alice key|friend@alice|owner1-|alice/i, path);
      }
      const usage = await asBob('GET', '/api/usage');
      assert.deepEqual((usage.body as { totals: unknown }).totals, { accepted: 0, spam: 0 });
      // Alice's API key reads Alice's data only.
      const aliceKey = (key.body as { key: string }).key;
      const bobForm = await send(`${app.url}/api/forms/${bob.formId}/submissions`, { headers: { authorization: `Bearer ${aliceKey}` } });
      assert.equal(bobForm.status, 404);
      assert.deepEqual(bobForm.body, formNotFound(bob.formId));
    });

    it("leaves the first account's sites, forms and submissions exactly as they were", async () => {
      assert.equal(await snapshot(alice.accountId), aliceBefore);

      // Alice still sees all of it.
      const form = await send(`${app.url}/api/forms/${alice.formId}`, { headers: { cookie: aliceCookie } });
      assert.equal(form.status, 200);
      const [stored] = await opened.db.query<{ name: string }>('select name from forms where id = $1', [alice.formId]);
      assert.equal((form.body as { name: string }).name, stored?.name);
      const submissions = await send(`${app.url}/api/forms/${alice.formId}/submissions`, { headers: { cookie: aliceCookie } });
      assert.deepEqual(
        (submissions.body as { items: { data: { name: string } }[] }).items.map((item) => item.data.name),
        ["Alice's visitor 3", "Alice's visitor 2", "Alice's visitor 1"],
      );
    });
  });
}
