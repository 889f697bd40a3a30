// Accounts and the people in them, through the console API with a real worker mailing a real SMTP
// server on loopback: self-service sign-up and email verification, password reset by single-use
// link, invitations (new and existing users), the account switcher, roles and the team, with the
// exact error bodies, on every database.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ParsedMail } from 'mailparser';
import { loadConfig } from '../ingest/config.ts';
import { createLogger } from '../ingest/logger.ts';
import { startWorker, type Worker } from '../ingest/worker.ts';
import { databaseTargets, type OpenedDatabase } from './helpers/databases.ts';
import { consoleHeaders, seedAccount, signIn, startTestApp, type Seeded, type TestApp } from './helpers/harness.ts';
import { send, type Answer } from './helpers/http.ts';
import { startMailServer, type MailServer } from './helpers/mail-server.ts';

const PUBLIC_URL = 'http://console.formline.test';

interface SessionPayload {
  user: { id: string; email: string; isPlatformAdmin: boolean; emailVerified: boolean };
  account: { id: string; name: string; role: string; plan: string } | null;
  accounts: { id: string; name: string; role: string }[];
}

const INVALID_TOKEN = {
  error: { code: 'invalid_token', message: 'This link is not valid any more: it was used, it expired, or it was mistyped.' },
};

for (const target of databaseTargets) {
  describe(`accounts, sign-up and the team on ${target.name}`, () => {
    let opened: OpenedDatabase;
    let app: TestApp;
    let mail: MailServer;
    let worker: Worker;

    /** A JSON request to the API, as the console sends it (with the cookie, when given). */
    const call = (method: string, path: string, body?: unknown, cookie?: string): Promise<Answer> =>
      send(`${app.url}${path}`, {
        method,
        headers: cookie ? consoleHeaders(cookie, app.url) : { 'content-type': 'application/json', origin: app.url },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const cookieOf = (answer: Answer): string => {
      const header = answer.headers.get('set-cookie');
      assert.ok(header, 'a session cookie is set');
      return header.split(';')[0] as string;
    };
    /** The newest email to `to` whose subject matches, once the worker has sent it. */
    const mailTo = async (to: string, subject: RegExp, after = 0): Promise<ParsedMail> => {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const found = mail.messages.slice(after).filter((m) => m.to && !Array.isArray(m.to) && m.to.text === to && subject.test(m.subject ?? ''));
        if (found.length) return found[found.length - 1] as ParsedMail;
        if (Date.now() > deadline) throw new Error(`no email "${subject}" to ${to}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    };
    const tokenIn = (message: ParsedMail, route: string): string => {
      const match = new RegExp(`${PUBLIC_URL.replace(/\./g, '\\.')}/console/#/${route}\\?token=([A-Za-z0-9_-]+)`).exec(message.text ?? '');
      assert.ok(match, `a ${route} link in: ${message.text}`);
      assert.ok(String(message.html).includes(match[0]), 'the HTML part has the same link');
      return match[1] as string;
    };

    before(async () => {
      opened = await target.open();
      mail = await startMailServer();
      app = await startTestApp(opened.db, { PUBLIC_URL, SIGNUPS_PER_HOUR: '1000' });
      const config = loadConfig({ PUBLIC_URL, LOG_LEVEL: 'silent', WORKER_POLL_MS: '25', SMTP_URL: mail.url, MAIL_FROM: 'Formline <no-reply@formline.test>' });
      worker = startWorker({ db: opened.db, config, logger: createLogger('silent') });
    });
    after(async () => {
      await worker?.stop();
      await app?.close();
      await mail?.stop();
      await opened?.close();
    });

    describe('sign-up and email verification', () => {
      it('creates a free account owned by its creator, signs them in, and mails a link that verifies the address once', async () => {
        const answer = await call('POST', '/api/signup', { email: 'Grace@Example.com', password: 'compiler 1952', accountName: 'Hopper & Co' });
        assert.equal(answer.status, 201, answer.text);
        const body = answer.body as SessionPayload;
        assert.equal(body.user.email, 'grace@example.com');
        assert.equal(body.user.emailVerified, false);
        assert.equal(body.user.isPlatformAdmin, false);
        assert.deepEqual(body.account && { name: body.account.name, role: body.account.role, plan: body.account.plan }, {
          name: 'Hopper & Co',
          role: 'owner',
          plan: 'free',
        });
        const cookie = cookieOf(answer);
        const me = await call('GET', '/api/session', undefined, cookie);
        assert.equal(me.status, 200);

        const message = await mailTo('grace@example.com', /Confirm your email address/);
        const token = tokenIn(message, 'verify');
        // Opened in the browser that signed up: that session stays (any other would end, see account-security).
        const verified = await call('POST', '/api/email-verification', { token }, cookie);
        assert.deepEqual([verified.status, verified.body], [200, { verified: true }]);
        const after = await call('GET', '/api/session', undefined, cookie);
        assert.equal((after.body as SessionPayload).user.emailVerified, true);
        // Single use: the same link again is refused.
        const again = await call('POST', '/api/email-verification', { token });
        assert.deepEqual([again.status, again.body], [400, INVALID_TOKEN]);
        // The link lives in the outbox only until it is sent.
        const payloads = await opened.db.query<{ n: number }>(
          "select count(*)::int as n from jobs where kind = 'account_email' and target = 'grace@example.com' and payload is not null",
        );
        assert.equal(payloads[0]?.n, 0);
      });

      it('refuses an email address that already has a user (409 email_taken), whatever its case, and bad input (422)', async () => {
        const taken = await call('POST', '/api/signup', { email: 'GRACE@example.com', password: 'another one 1', accountName: 'Copy' });
        assert.equal(taken.status, 409);
        assert.deepEqual(taken.body, {
          error: { code: 'email_taken', message: 'There is already an account with this email address: sign in, or reset its password.' },
        });
        assert.equal(taken.headers.get('set-cookie'), null);
        const bad = await call('POST', '/api/signup', { email: 'not-an-email', password: 'short', accountName: '' });
        assert.equal(bad.status, 422);
        const fields = (bad.body as { error: { fields: Record<string, string> } }).error.fields;
        assert.deepEqual(Object.keys(fields).sort(), ['accountName', 'email', 'password']);
        assert.equal(fields['password'], 'must be at least 8 characters');
        const accounts = await opened.db.query<{ n: number }>("select count(*)::int as n from accounts where name in ('Copy', '')");
        assert.equal(accounts[0]?.n, 0);
      });

      it('resends the verification link on request; only the newest link works', async () => {
        const signUp = await call('POST', '/api/signup', { email: 'ada@example.org', password: 'analytical engine', accountName: 'Engines' });
        const cookie = cookieOf(signUp);
        const first = tokenIn(await mailTo('ada@example.org', /Confirm/), 'verify');
        const seen = mail.messages.length;
        const resend = await call('POST', '/api/email-verification/resend', {}, cookie);
        assert.deepEqual([resend.status, resend.body], [202, {}]);
        const second = tokenIn(await mailTo('ada@example.org', /Confirm/, seen), 'verify');
        assert.notEqual(first, second);
        assert.deepEqual((await call('POST', '/api/email-verification', { token: first })).body, INVALID_TOKEN);
        assert.equal((await call('POST', '/api/email-verification', { token: second }, cookie)).status, 200);
      });
    });

    describe('password reset', () => {
      let user: Seeded;
      before(async () => {
        user = await seedAccount(opened.db);
      });

      it('answers 202 whether or not the address has a user, and mails a link only to a real one', async () => {
        const seen = mail.messages.length;
        const unknown = await call('POST', '/api/password-reset', { email: 'nobody@nowhere.example' });
        assert.deepEqual([unknown.status, unknown.body], [202, {}]);
        const known = await call('POST', '/api/password-reset', { email: user.email.toUpperCase() });
        assert.deepEqual([known.status, known.body], [202, {}]);
        await mailTo(user.email, /Reset your Formline password/, seen);
        assert.equal(mail.messages.slice(seen).filter((m) => !Array.isArray(m.to) && m.to?.text === 'nobody@nowhere.example').length, 0);
      });

      it('sets the new password through the link once, and signs the user out everywhere', async () => {
        const oldCookie = await signIn(app.url, user.email, user.password);
        const seen = mail.messages.length;
        await call('POST', '/api/password-reset', { email: user.email });
        const token = tokenIn(await mailTo(user.email, /Reset your Formline password/, seen), 'reset');
        const weak = await call('POST', '/api/password-reset/confirm', { token, password: 'short' });
        assert.equal(weak.status, 422);
        const reset = await call('POST', '/api/password-reset/confirm', { token, password: 'a brand new passphrase' });
        assert.equal(reset.status, 204, reset.text);
        assert.equal((await call('GET', '/api/session', undefined, oldCookie)).status, 401);
        const reused = await call('POST', '/api/password-reset/confirm', { token, password: 'yet another passphrase' });
        assert.deepEqual([reused.status, reused.body], [400, INVALID_TOKEN]);
        const oldPassword = await call('POST', '/api/session', { email: user.email, password: user.password });
        assert.equal(oldPassword.status, 401);
        const newPassword = await call('POST', '/api/session', { email: user.email, password: 'a brand new passphrase' });
        assert.equal(newPassword.status, 200);
        assert.equal((newPassword.body as SessionPayload).user.emailVerified, true);
      });

      it('refuses a made-up token', async () => {
        const answer = await call('POST', '/api/password-reset/confirm', { token: 'x'.repeat(43), password: 'whatever it is 1' });
        assert.deepEqual([answer.status, answer.body], [400, INVALID_TOKEN]);
      });
    });

    describe('invitations, the account switcher and the team', () => {
      let owner: Seeded;
      let ownerCookie: string;
      let other: Seeded;

      before(async () => {
        owner = await seedAccount(opened.db);
        ownerCookie = await signIn(app.url, owner.email, owner.password);
        other = await seedAccount(opened.db);
      });

      it('invites someone new by email; the link shows the invitation and, with a password, makes them a member signed in on that account', async () => {
        const seen = mail.messages.length;
        const invite = await call('POST', '/api/invitations', { email: 'New.Member@Example.com', role: 'member' }, ownerCookie);
        assert.equal(invite.status, 201, invite.text);
        assert.equal((invite.body as { email: string }).email, 'new.member@example.com');
        const pending = await call('GET', '/api/invitations', undefined, ownerCookie);
        assert.deepEqual((pending.body as { items: { email: string; role: string }[] }).items.map((i) => [i.email, i.role]), [['new.member@example.com', 'member']]);

        const message = await mailTo('new.member@example.com', /You are invited to join the account “Account \d+” on Formline/, seen);
        const token = tokenIn(message, 'invite');
        const lookup = await call('GET', `/api/invitations/lookup?token=${token}`);
        assert.equal(lookup.status, 200);
        assert.deepEqual(lookup.body, { accountName: (message.subject ?? '').replace(/^You are invited to join the account “(.*)” on Formline$/, '$1'), email: 'new.member@example.com', role: 'member', userExists: false });

        const noPassword = await call('POST', '/api/invitations/accept', { token });
        assert.deepEqual([noPassword.status, noPassword.body], [
          400,
          { error: { code: 'password_required', message: 'Choose a password to create your user.', fields: { password: 'is required' } } },
        ]);
        const accepted = await call('POST', '/api/invitations/accept', { token, password: 'joining the team' });
        assert.equal(accepted.status, 200, accepted.text);
        const session = accepted.body as SessionPayload;
        assert.equal(session.account?.id, owner.accountId);
        assert.equal(session.account?.role, 'member');
        assert.equal(session.user.emailVerified, true);
        const memberCookie = cookieOf(accepted);
        const members = await call('GET', '/api/members', undefined, memberCookie);
        assert.deepEqual(
          (members.body as { items: { email: string; role: string }[] }).items.map((m) => [m.email, m.role]),
          [
            [owner.email, 'owner'],
            ['new.member@example.com', 'member'],
          ],
        );
        // Used up: neither the lookup nor a second accept work, and nothing is pending any more.
        assert.deepEqual((await call('GET', `/api/invitations/lookup?token=${token}`)).body, INVALID_TOKEN);
        assert.deepEqual((await call('POST', '/api/invitations/accept', { token, password: 'again and again' })).body, INVALID_TOKEN);
        assert.deepEqual((await call('GET', '/api/invitations', undefined, ownerCookie)).body, { items: [] });
      });

      it('lets a member see the team but not change it (403 owner_required), and leave on their own', async () => {
        const memberCookie = await signIn(app.url, 'new.member@example.com', 'joining the team');
        const ownerRequired = { error: { code: 'owner_required', message: 'Only an owner of this account can do this.' } };
        const attempts: [string, string, unknown][] = [
          ['POST', '/api/invitations', { email: 'friend@example.com', role: 'owner' }],
          ['GET', '/api/invitations', undefined],
          ['PATCH', `/api/members/${owner.userId}`, { role: 'member' }],
          ['DELETE', `/api/members/${owner.userId}`, undefined],
          ['POST', '/api/sites', { name: 'Mine', domain: 'mine.example' }],
          ['PATCH', `/api/sites/${owner.siteId}`, { allowedOrigins: ['*'] }],
          ['DELETE', `/api/sites/${owner.siteId}`, undefined],
          ['DELETE', `/api/forms/${owner.formId}`, undefined],
          ['GET', '/api/keys', undefined],
          ['POST', '/api/keys', { name: 'mine' }],
          ['GET', '/api/audit', undefined],
          ['POST', '/api/erasure', { email: 'someone@example.com' }],
          ['GET', '/api/admin/accounts', undefined],
        ];
        for (const [method, path, body] of attempts) {
          const answer = await call(method, path, body, memberCookie);
          assert.equal(answer.status, 403, `${method} ${path}: ${answer.text}`);
          assert.deepEqual(
            answer.body,
            path === '/api/admin/accounts' ? { error: { code: 'platform_admin_required', message: 'Only the platform operator can see this.' } } : ownerRequired,
            `${method} ${path}`,
          );
        }
        const [site] = await opened.db.query<{ allowed_origins: string[] }>('select allowed_origins from sites where id = $1', [owner.siteId]);
        assert.deepEqual(site?.allowed_origins, ['https://shop.example']);
        assert.equal((await call('GET', '/api/members', undefined, memberCookie)).status, 200);

        const me = (await call('GET', '/api/session', undefined, memberCookie)).body as SessionPayload;
        const leave = await call('DELETE', `/api/members/${me.user.id}`, undefined, memberCookie);
        assert.equal(leave.status, 204);
        const after = (await call('GET', '/api/session', undefined, memberCookie)).body as SessionPayload;
        assert.equal(after.account, null);
        assert.deepEqual(after.accounts, []);
        const audit = await call('GET', '/api/audit', undefined, ownerCookie);
        assert.ok((audit.body as { items: { action: string; target: string }[] }).items.some((e) => e.action === 'member.remove' && e.target === 'new.member@example.com'));
      });

      it('invites a user who already exists: they accept signed in as themselves, then switch between their accounts', async () => {
        const seen = mail.messages.length;
        assert.equal((await call('POST', '/api/invitations', { email: other.email, role: 'owner' }, ownerCookie)).status, 201);
        const token = tokenIn(await mailTo(other.email, /You are invited/, seen), 'invite');
        assert.equal(((await call('GET', `/api/invitations/lookup?token=${token}`)).body as { userExists: boolean }).userExists, true);

        const anonymous = await call('POST', '/api/invitations/accept', { token, password: 'take it over 123' });
        assert.deepEqual([anonymous.status, anonymous.body], [401, { error: { code: 'unauthorized', message: `Sign in as ${other.email} to accept this invitation.` } }]);
        const wrong = await call('POST', '/api/invitations/accept', { token }, ownerCookie);
        assert.deepEqual([wrong.status, wrong.body], [
          403,
          { error: { code: 'wrong_user', message: `This invitation is for ${other.email}; you are signed in as ${owner.email}.` } },
        ]);

        const otherCookie = await signIn(app.url, other.email, other.password);
        const accepted = await call('POST', '/api/invitations/accept', { token }, otherCookie);
        assert.equal(accepted.status, 200, accepted.text);
        const joined = accepted.body as SessionPayload;
        assert.equal(joined.account?.id, owner.accountId);
        assert.equal(joined.account?.role, 'owner');
        assert.deepEqual(joined.accounts.map((a) => a.id).sort(), [owner.accountId, other.accountId].sort());

        // The switcher: back to their own account, and the API follows it.
        const switched = await call('PUT', '/api/session/account', { accountId: other.accountId }, otherCookie);
        assert.equal(switched.status, 200);
        assert.equal((switched.body as SessionPayload).account?.id, other.accountId);
        const forms = await call('GET', '/api/forms', undefined, otherCookie);
        assert.deepEqual((forms.body as { items: { id: string }[] }).items.map((f) => f.id), [other.formId]);
        const back = await call('PUT', '/api/session/account', { accountId: owner.accountId }, otherCookie);
        assert.equal((back.body as SessionPayload).account?.id, owner.accountId);
        const ownerForms = await call('GET', '/api/forms', undefined, otherCookie);
        assert.deepEqual((ownerForms.body as { items: { id: string }[] }).items.map((f) => f.id), [owner.formId]);
      });

      it('never leaves an account without an owner (409 last_owner), and an owner may change roles', async () => {
        const lastOwner = { error: { code: 'last_owner', message: 'An account needs at least one owner: make someone else an owner first.' } };
        // Two owners now (owner + other): demote one, then the last one cannot go.
        const demote = await call('PATCH', `/api/members/${other.userId}`, { role: 'member' }, ownerCookie);
        assert.deepEqual([demote.status, (demote.body as { role: string }).role], [200, 'member']);
        const self = await call('PATCH', `/api/members/${owner.userId}`, { role: 'member' }, ownerCookie);
        assert.deepEqual([self.status, self.body], [409, lastOwner]);
        const leave = await call('DELETE', `/api/members/${owner.userId}`, undefined, ownerCookie);
        assert.deepEqual([leave.status, leave.body], [409, lastOwner]);
        const promote = await call('PATCH', `/api/members/${other.userId}`, { role: 'owner' }, ownerCookie);
        assert.equal(promote.status, 200);
        const bad = await call('PATCH', `/api/members/${other.userId}`, { role: 'admin' }, ownerCookie);
        assert.equal(bad.status, 422);
        const removed = await call('DELETE', `/api/members/${other.userId}`, undefined, ownerCookie);
        assert.equal(removed.status, 204);
        const members = await call('GET', '/api/members', undefined, ownerCookie);
        assert.deepEqual((members.body as { items: { email: string }[] }).items.map((m) => m.email), [owner.email]);
      });

      it('refuses to invite a current member (409 already_member) and cancels a pending invitation', async () => {
        const member = await call('POST', '/api/invitations', { email: owner.email, role: 'member' }, ownerCookie);
        assert.deepEqual([member.status, member.body], [409, { error: { code: 'already_member', message: `${owner.email} is already a member of this account.` } }]);
        const seen = mail.messages.length;
        const invite = await call('POST', '/api/invitations', { email: 'maybe@example.com' }, ownerCookie);
        assert.equal((invite.body as { role: string }).role, 'member');
        const token = tokenIn(await mailTo('maybe@example.com', /You are invited/, seen), 'invite');
        const cancel = await call('DELETE', `/api/invitations/${(invite.body as { id: string }).id}`, undefined, ownerCookie);
        assert.equal(cancel.status, 204);
        assert.deepEqual((await call('GET', `/api/invitations/lookup?token=${token}`)).body, INVALID_TOKEN);
      });
    });

    describe('without SMTP', () => {
      it('keeps account emails waiting in the outbox with the reason, and signs up all the same', async () => {
        const quietApp = await startTestApp(opened.db, { PUBLIC_URL, SIGNUPS_PER_HOUR: '1000' });
        try {
          await worker.stop();
          const signUp = await send(`${quietApp.url}/api/signup`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ email: 'offline@example.com', password: 'no mail today', accountName: 'Offline' }),
          });
          assert.equal(signUp.status, 201);
          const config = loadConfig({ PUBLIC_URL, LOG_LEVEL: 'silent', WORKER_POLL_MS: '25' });
          const idle = startWorker({ db: opened.db, config, logger: createLogger('silent') });
          await new Promise((resolve) => setTimeout(resolve, 200));
          await idle.stop();
          const [job] = await opened.db.query<{ status: string; attempts: number; payload: unknown }>(
            "select status, attempts, payload from jobs where kind = 'account_email' and target = 'offline@example.com'",
          );
          assert.equal(job?.status, 'queued');
          assert.equal(job?.attempts, 0);
          assert.ok(job?.payload);
          // Once SMTP is there, the waiting email goes out.
          const config2 = loadConfig({ PUBLIC_URL, LOG_LEVEL: 'silent', WORKER_POLL_MS: '25', SMTP_URL: mail.url });
          worker = startWorker({ db: opened.db, config: config2, logger: createLogger('silent') });
          await mailTo('offline@example.com', /Confirm your email address/);
        } finally {
          await quietApp.close();
        }
      });
    });
  });
}
