// Attacks on accounts and sign-in, through the real app with a real worker mailing a real SMTP
// server on loopback, on every database: taking over an address before its owner, mailing one
// address without bound, the dotted capital I past the sign-in limits, locking an owner out,
// sessions that end (idle, or signed out elsewhere), closed sign-up, and a removed member's alerts.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ParsedMail } from 'mailparser';
import { loadConfig, type Env } from '../ingest/config.ts';
import { createLogger } from '../ingest/logger.ts';
import { newApiKey } from '../ingest/services/console-auth.ts';
import { hashPassword } from '../ingest/services/passwords.ts';
import { sha256 } from '../ingest/services/secrets.ts';
import { saveMembership, saveUser } from '../ingest/store/accounts.ts';
import { saveApiKey } from '../ingest/store/api-keys.ts';
import { saveInvitation } from '../ingest/store/invitations.ts';
import { startWorker, type Worker } from '../ingest/worker.ts';
import { databaseTargets, type OpenedDatabase } from './helpers/databases.ts';
import { consoleHeaders, seedAccount, signIn, SITE_ORIGIN, startTestApp, VALID_CONTACT, type TestApp } from './helpers/harness.ts';
import { postJson, send, type Answer } from './helpers/http.ts';
import { startMailServer, type MailServer } from './helpers/mail-server.ts';

const PUBLIC_URL = 'http://console.formline.test';

interface SessionPayload {
  user: { id: string; email: string; emailVerified: boolean };
  account: { id: string; name: string; role: string } | null;
}

const EMAIL_UNVERIFIED = {
  error: { code: 'email_unverified', message: 'Verify your email address first: until then this account cannot create API keys or invite anyone.' },
};
const PASSWORD_CHANGED = { error: { code: 'session_ended', message: 'You were signed out because your password changed. Sign in again.' } };
const OWNERSHIP_PROVEN = {
  error: { code: 'session_ended', message: 'You were signed out because the owner of this email address confirmed it. Sign in again.' },
};
const SIGN_IN_REQUIRED = {
  error: { code: 'sign_in_required', message: 'Sign in to confirm your address; if you did not sign up, reset the password instead.' },
};
const SIGN_IN_FIRST = { error: { code: 'unauthorized', message: 'Sign in first.' } };
const INVALID_API_KEY = { error: { code: 'invalid_api_key', message: 'The API key is not valid (malformed, unknown or revoked).' } };
const TOO_MANY_SIGN_INS = { error: { code: 'rate_limited', message: 'Too many sign-in attempts; wait a few minutes and try again.' } };
const CAP_REACHED = { error: { code: 'rate_limited', message: 'This address has been sent enough emails for now; try again later.' } };
const BAD_EMAIL = { error: { code: 'validation_failed', message: 'Some values need attention.', fields: { email: 'must be an email address' } } };

let unique = 0;
const address = (name: string) => `${name}-${++unique}-${Date.now()}@example.com`;

for (const target of databaseTargets) {
  describe(`account and sign-in attacks on ${target.name}`, () => {
    let opened: OpenedDatabase;
    let mail: MailServer;
    let worker: Worker;
    const apps: TestApp[] = [];
    let app: TestApp;

    const open = async (env: Env = {}): Promise<TestApp> => {
      const started = await startTestApp(opened.db, { PUBLIC_URL, SIGNUPS_PER_HOUR: '1000', LOGIN_ATTEMPTS_PER_IP_PER_15_MINUTES: '100000', ...env });
      apps.push(started);
      return started;
    };
    /** A JSON request to the API as the console sends it, from `ip` (X-Forwarded-For, trusted from loopback). */
    const call = (method: string, path: string, body?: unknown, options: { cookie?: string; ip?: string; on?: TestApp; headers?: Record<string, string> } = {}): Promise<Answer> => {
      const on = options.on ?? app;
      return send(`${on.url}${path}`, {
        method,
        headers: {
          ...(options.cookie ? consoleHeaders(options.cookie, on.url) : { 'content-type': 'application/json', origin: on.url }),
          ...(options.ip ? { 'x-forwarded-for': options.ip } : {}),
          ...options.headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    };
    const cookiesOf = (answer: Answer): Record<string, string> => {
      const cookies: Record<string, string> = {};
      for (const line of answer.headers.getSetCookie()) {
        const [pair] = line.split(';');
        const at = (pair as string).indexOf('=');
        cookies[(pair as string).slice(0, at)] = (pair as string).slice(at + 1);
      }
      return cookies;
    };
    const sessionCookie = (answer: Answer): string => {
      const value = cookiesOf(answer)['formline_session'];
      assert.ok(value, `a session cookie is set: ${answer.status} ${answer.text}`);
      return `formline_session=${value}`;
    };
    const to = (message: ParsedMail) => (message.to && !Array.isArray(message.to) ? message.to.text : '');
    const mailTo = async (recipient: string, subject: RegExp, after = 0): Promise<ParsedMail> => {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const found = mail.messages.slice(after).filter((m) => to(m) === recipient && subject.test(m.subject ?? ''));
        if (found.length) return found[found.length - 1] as ParsedMail;
        if (Date.now() > deadline) throw new Error(`no email "${subject}" to ${recipient}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    };
    const tokenIn = (message: ParsedMail, route: string): string => {
      const match = new RegExp(`/console/#/${route}\\?token=([A-Za-z0-9_-]+)`).exec(message.text ?? '');
      assert.ok(match, `a ${route} link in: ${message.text}`);
      return match[1] as string;
    };
    /** Waits until the outbox has nothing left to send to `recipient`, then counts what reached it. */
    const delivered = async (recipient: string): Promise<ParsedMail[]> => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const [row] = await opened.db.query<{ n: number }>(
          "select count(*)::int as n from jobs where target = $1 and status in ('queued', 'running')",
          [recipient],
        );
        if (row?.n === 0) break;
        if (Date.now() > deadline) throw new Error(`the outbox still has mail for ${recipient}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      const [sent] = await opened.db.query<{ n: number }>("select count(*)::int as n from jobs where target = $1 and status = 'done'", [recipient]);
      const deadline2 = Date.now() + 10_000;
      while (mail.messages.filter((m) => to(m) === recipient).length < (sent?.n ?? 0) && Date.now() < deadline2) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      return mail.messages.filter((m) => to(m) === recipient);
    };
    const signUp = async (email: string, password: string, accountName = 'Mine') => {
      const answer = await call('POST', '/api/signup', { email, password, accountName });
      assert.equal(answer.status, 201, answer.text);
      return { cookie: sessionCookie(answer), body: answer.body as SessionPayload };
    };
    const withKey = (key: string, path: string) => send(`${app.url}${path}`, { headers: { authorization: `Bearer ${key}` } });

    before(async () => {
      opened = await target.open();
      mail = await startMailServer();
      app = await open();
      const config = loadConfig({ PUBLIC_URL, LOG_LEVEL: 'silent', WORKER_POLL_MS: '25', SMTP_URL: mail.url, MAIL_FROM: 'Formline <no-reply@formline.test>' });
      worker = startWorker({ db: opened.db, config, logger: createLogger('silent') });
    });
    after(async () => {
      await worker?.stop();
      for (const started of apps) await started.close();
      await mail?.stop();
      await opened?.close();
    });

    describe('taking over an address before its owner (pre-takeover)', () => {
      it('someone who signed up with an address they have not verified cannot create API keys or invite anyone (403 email_unverified)', async () => {
        const { cookie } = await signUp(address('victim'), 'attacker knows this');
        const key = await call('POST', '/api/keys', { name: 'backdoor' }, { cookie });
        assert.deepEqual([key.status, key.body], [403, EMAIL_UNVERIFIED]);
        const invite = await call('POST', '/api/invitations', { email: address('accomplice'), role: 'owner' }, { cookie });
        assert.deepEqual([invite.status, invite.body], [403, EMAIL_UNVERIFIED]);
        const keys = await call('GET', '/api/keys', undefined, { cookie });
        assert.deepEqual(keys.body, { items: [] });
        const invitations = await call('GET', '/api/invitations', undefined, { cookie });
        assert.deepEqual(invitations.body, { items: [] });
      });

      /** An account signed up with the victim's address, with the footholds a pre-fix attacker could make. */
      const plantFootholds = async (victim: string) => {
        const attacker = await signUp(victim, 'attacker knows this', 'Victim Inc');
        const accountId = attacker.body.account?.id as string;
        const made = newApiKey();
        await saveApiKey(opened.db, { accountId, name: 'backdoor', prefix: made.prefix, secretHash: made.secretHash, createdBy: attacker.body.user.id });
        const accompliceEmail = address('accomplice');
        const accomplice = await saveUser(opened.db, { email: accompliceEmail, passwordHash: await hashPassword('accomplice pass'), emailVerified: true });
        await saveMembership(opened.db, { accountId, userId: accomplice.id, role: 'owner' });
        await saveInvitation(opened.db, {
          accountId,
          email: address('later'),
          role: 'owner',
          tokenHash: sha256('pending-invitation-token'),
          invitedBy: attacker.body.user.id,
          expiresAt: new Date(Date.now() + 86_400_000),
        });
        const accompliceCookie = await signIn(app.url, accompliceEmail, 'accomplice pass');
        // The footholds work before the owner shows up.
        assert.equal((await withKey(made.key, '/api/forms')).status, 200);
        assert.equal((await call('GET', '/api/forms', undefined, { cookie: accompliceCookie })).status, 200);
        return { attacker, accountId, key: made.key, accompliceEmail, accompliceCookie };
      };

      const assertFootholdsGone = async (planted: Awaited<ReturnType<typeof plantFootholds>>, victim: string, victimCookie: string) => {
        assert.deepEqual([(await withKey(planted.key, '/api/forms')).status, (await withKey(planted.key, '/api/forms')).body], [401, INVALID_API_KEY]);
        const accomplice = await call('GET', '/api/forms', undefined, { cookie: planted.accompliceCookie });
        assert.deepEqual([accomplice.status, accomplice.body], [403, { error: { code: 'no_account', message: 'You are not a member of any account.' } }]);
        const members = await call('GET', '/api/members', undefined, { cookie: victimCookie });
        assert.deepEqual((members.body as { items: { email: string }[] }).items.map((m) => m.email), [victim]);
        assert.deepEqual((await call('GET', '/api/invitations', undefined, { cookie: victimCookie })).body, { items: [] });
        const keys = (await call('GET', '/api/keys', undefined, { cookie: victimCookie })).body as { items: { name: string; revokedAt: string | null }[] };
        assert.equal(keys.items.length, 1);
        assert.ok(keys.items[0]?.revokedAt, 'the planted key shows as revoked');
        const audit = (await call('GET', '/api/audit', undefined, { cookie: victimCookie })).body as { items: { action: string; details: Record<string, unknown> }[] };
        const proven = audit.items.find((entry) => entry.action === 'account.ownership_proven');
        assert.deepEqual(proven?.details && { members: proven.details['removedMembers'], invitations: proven.details['withdrawnInvitations'] }, {
          members: [planted.accompliceEmail],
          invitations: 1,
        });
      };

      it("the owner's password reset revokes every foothold made before it: the old key answers 401, the attacker is signed out, the co-owner is gone", async () => {
        const victim = address('victim');
        const planted = await plantFootholds(victim);
        const seen = mail.messages.length;
        assert.equal((await call('POST', '/api/password-reset', { email: victim })).status, 202);
        const token = tokenIn(await mailTo(victim, /Reset your Formline password/, seen), 'reset');
        assert.equal((await call('POST', '/api/password-reset/confirm', { token, password: 'only the owner knows' })).status, 204);

        const attacker = await call('GET', '/api/session', undefined, { cookie: planted.attacker.cookie });
        assert.deepEqual([attacker.status, attacker.body], [401, PASSWORD_CHANGED]);
        assert.equal((await call('POST', '/api/session', { email: victim, password: 'attacker knows this' })).status, 401);
        const victimCookie = await signIn(app.url, victim, 'only the owner knows');
        await assertFootholdsGone(planted, victim, victimCookie);
        // Now verified, the owner may hand out access.
        assert.equal((await call('POST', '/api/keys', { name: 'mine' }, { cookie: victimCookie })).status, 201);
      });

      it("the owner opening the verification link in a fresh browser verifies nothing (401 sign_in_required): the attacker's password keeps no verified account", async () => {
        const victim = address('victim');
        const seen = mail.messages.length;
        const planted = await plantFootholds(victim);
        const token = tokenIn(await mailTo(victim, /Confirm your email address/, seen), 'verify');
        const fresh = await call('POST', '/api/email-verification', { token });
        assert.deepEqual([fresh.status, fresh.body], [401, SIGN_IN_REQUIRED]);
        // Signed in as someone else is not the sign-up's session either.
        const other = await call('POST', '/api/email-verification', { token }, { cookie: planted.accompliceCookie });
        assert.deepEqual([other.status, other.body], [401, SIGN_IN_REQUIRED]);

        // Nothing was verified: the attacker is still unverified and still cannot hand out access.
        const attacker = await call('GET', '/api/session', undefined, { cookie: planted.attacker.cookie });
        assert.deepEqual([attacker.status, (attacker.body as SessionPayload).user.emailVerified], [200, false]);
        const key = await call('POST', '/api/keys', { name: 'another backdoor' }, { cookie: planted.attacker.cookie });
        assert.deepEqual([key.status, key.body], [403, EMAIL_UNVERIFIED]);

        // "I did not sign up": the owner resets the password, which revokes everything the attacker made.
        const before = mail.messages.length;
        assert.equal((await call('POST', '/api/password-reset', { email: victim })).status, 202);
        const reset = tokenIn(await mailTo(victim, /Reset your Formline password/, before), 'reset');
        assert.equal((await call('POST', '/api/password-reset/confirm', { token: reset, password: 'only the owner knows' })).status, 204);
        const ended = await call('GET', '/api/session', undefined, { cookie: planted.attacker.cookie });
        assert.deepEqual([ended.status, ended.body], [401, PASSWORD_CHANGED]);
        const attackerSignIn = await call('POST', '/api/session', { email: victim, password: 'attacker knows this' });
        assert.equal(attackerSignIn.status, 401, attackerSignIn.text);
        const ownerCookie = await signIn(app.url, victim, 'only the owner knows');
        await assertFootholdsGone(planted, victim, ownerCookie);
        // The refused link was not spent: signed in, the owner can still use it.
        assert.deepEqual((await call('POST', '/api/email-verification', { token }, { cookie: ownerCookie })).body, { verified: true });
      });

      it('someone who signed up on one device confirms on another by signing in there first; the sign-up session is told why it ended', async () => {
        const email = address('two-devices');
        const first = await signUp(email, 'my own password');
        const token = tokenIn(await mailTo(email, /Confirm your email address/), 'verify');
        assert.deepEqual((await call('POST', '/api/email-verification', { token })).body, SIGN_IN_REQUIRED);
        const second = await signIn(app.url, email, 'my own password');
        const verified = await call('POST', '/api/email-verification', { token }, { cookie: second });
        assert.deepEqual([verified.status, verified.body], [200, { verified: true }]);
        const me = await call('GET', '/api/session', undefined, { cookie: second });
        assert.deepEqual([me.status, (me.body as SessionPayload).user.emailVerified], [200, true]);
        const old = await call('GET', '/api/session', undefined, { cookie: first.cookie });
        assert.deepEqual([old.status, old.body], [401, OWNERSHIP_PROVEN]);
      });

      it('verifying in the browser that signed up keeps that session; a verified owner resetting a password keeps their keys', async () => {
        const email = address('honest');
        const { cookie } = await signUp(email, 'my own password');
        const token = tokenIn(await mailTo(email, /Confirm your email address/), 'verify');
        assert.equal((await call('POST', '/api/email-verification', { token }, { cookie })).status, 200);
        const me = await call('GET', '/api/session', undefined, { cookie });
        assert.deepEqual([me.status, (me.body as SessionPayload).user.emailVerified], [200, true]);
        const key = await call('POST', '/api/keys', { name: 'ci' }, { cookie });
        assert.equal(key.status, 201, key.text);

        const seen = mail.messages.length;
        await call('POST', '/api/password-reset', { email });
        const reset = tokenIn(await mailTo(email, /Reset your Formline password/, seen), 'reset');
        assert.equal((await call('POST', '/api/password-reset/confirm', { token: reset, password: 'a newer password' })).status, 204);
        assert.equal((await withKey((key.body as { key: string }).key, '/api/forms')).status, 200);
        assert.deepEqual((await call('GET', '/api/session', undefined, { cookie })).body, PASSWORD_CHANGED);
      });
    });

    describe('per-recipient caps on account emails', () => {
      it('30 password reset requests from 30 addresses answer the same 202 each, and at most 5 emails reach the address', async () => {
        const owner = await seedAccount(opened.db);
        for (let i = 0; i < 30; i++) {
          const answer = await call('POST', '/api/password-reset', { email: i % 2 ? owner.email.toUpperCase() : owner.email }, { ip: `198.51.100.${i + 1}` });
          assert.deepEqual([answer.status, answer.body], [202, {}]);
        }
        assert.equal((await delivered(owner.email)).length, 5);
      });

      it('30 verification resends: 429 rate_limited with Retry-After past the cap, and at most 5 emails in all', async () => {
        const email = address('resend');
        const { cookie } = await signUp(email, 'resending a lot');
        const statuses: number[] = [];
        let refused: Answer | undefined;
        for (let i = 0; i < 30; i++) {
          const answer = await call('POST', '/api/email-verification/resend', {}, { cookie, ip: `203.0.113.${i + 1}` });
          statuses.push(answer.status);
          if (answer.status === 429) refused = answer;
        }
        assert.deepEqual(statuses, [...Array(4).fill(202), ...Array(26).fill(429)]);
        assert.deepEqual(refused?.body, CAP_REACHED);
        const retryAfter = Number(refused?.headers.get('retry-after'));
        assert.ok(retryAfter > 3000 && retryAfter <= 3600, `Retry-After ${retryAfter}`);
        assert.equal((await delivered(email)).length, 5);
      });

      it('an invite/cancel loop mails the address at most 5 times (then 429), and the account name is quoted data on one line', async () => {
        const owner = await seedAccount(opened.db);
        await opened.db.query('update accounts set name = $2 where id = $1', [owner.accountId, 'Prize desk\r\nBcc: everyone\u2028 You won']);
        const cookie = await signIn(app.url, owner.email, owner.password);
        const invitee = address('invitee');
        const statuses: number[] = [];
        for (let i = 0; i < 30; i++) {
          const invite = await call('POST', '/api/invitations', { email: invitee }, { cookie, ip: `192.0.2.${i + 1}` });
          statuses.push(invite.status);
          if (invite.status === 201) {
            assert.equal((await call('DELETE', `/api/invitations/${(invite.body as { id: string }).id}`, undefined, { cookie })).status, 204);
          } else {
            assert.deepEqual(invite.body, CAP_REACHED);
          }
        }
        assert.deepEqual(statuses, [...Array(5).fill(201), ...Array(25).fill(429)]);
        const messages = await delivered(invitee);
        assert.equal(messages.length, 5);
        assert.equal(messages[0]?.subject, 'You are invited to join the account “Prize desk Bcc: everyone You won” on Formline');
        assert.match(messages[0]?.text ?? '', /^You are invited to join the account “Prize desk Bcc: everyone You won” on Formline as a member\. The invitation was sent by “owner/);
        assert.equal(messages[0]?.headers.get('bcc'), undefined);
        assert.deepEqual((await call('GET', '/api/invitations', undefined, { cookie })).body, { items: [] });
      });

      it('someone whose address was already mailed its hourly cap can still sign up, and asks for the link again later', async () => {
        const owner = await seedAccount(opened.db);
        const cookie = await signIn(app.url, owner.email, owner.password);
        const email = address('popular');
        for (let i = 0; i < 5; i++) {
          const invite = await call('POST', '/api/invitations', { email }, { cookie });
          assert.equal(invite.status, 201, invite.text);
          await call('DELETE', `/api/invitations/${(invite.body as { id: string }).id}`, undefined, { cookie });
        }
        const { cookie: own } = await signUp(email, 'signing up anyway');
        const resend = await call('POST', '/api/email-verification/resend', {}, { cookie: own });
        assert.deepEqual([resend.status, resend.body], [429, CAP_REACHED]);
        const messages = await delivered(email);
        assert.deepEqual([messages.length, messages.every((m) => /^You are invited/.test(m.subject ?? ''))], [5, true]);
      });
    });

    describe('one normal form for every email address', () => {
      let limited: TestApp;
      let victim: string;
      const password = 'the real password';
      before(async () => {
        limited = await open({ LOGIN_ATTEMPTS_PER_EMAIL_PER_15_MINUTES: '5', LOGIN_ATTEMPTS_PER_15_MINUTES: '1000' });
        victim = `victim${++unique}@example.com`;
        await saveUser(opened.db, { email: victim, passwordHash: await hashPassword(password), emailVerified: true });
      });

      it("variants with the dotted capital I get no fresh guesses past the limit and never sign in; fullwidth letters count as the same address", async () => {
        for (let i = 0; i < 5; i++) {
          const wrong = await call('POST', '/api/session', { email: victim, password: `guess ${i}` }, { on: limited, ip: `198.51.100.${i + 1}` });
          assert.equal(wrong.status, 401);
        }
        const blocked = await call('POST', '/api/session', { email: victim, password }, { on: limited, ip: '198.51.100.99' });
        assert.deepEqual([blocked.status, blocked.body], [429, TOO_MANY_SIGN_INS]);
        const [local, domain] = victim.split('@') as [string, string];
        const dotted = [local.replace('i', 'İ'), local.toUpperCase().replace(/I/g, 'İ'), local.replace(/i/g, 'İ')].map((l) => `${l}@${domain}`);
        for (const variant of dotted) {
          for (const guess of ['another guess', password]) {
            const answer = await call('POST', '/api/session', { email: variant, password: guess }, { on: limited, ip: '198.51.100.150' });
            assert.deepEqual([answer.status, answer.body], [422, BAD_EMAIL], variant);
          }
        }
        const fullwidth = [...local].map((c) => String.fromCodePoint((c.codePointAt(0) as number) + 0xfee0)).join('') + '@' + domain;
        for (const variant of [fullwidth, victim.toUpperCase(), ` ${victim} `]) {
          const answer = await call('POST', '/api/session', { email: variant, password }, { on: limited, ip: '198.51.100.151' });
          assert.deepEqual([answer.status, answer.body], [429, TOO_MANY_SIGN_INS], variant);
        }
      });

      it('sign-up, reset and invitations accept only a well-formed address (422), and a fullwidth copy of a taken address is taken', async () => {
        const owner = await seedAccount(opened.db);
        const cookie = await signIn(app.url, owner.email, owner.password);
        for (const bad of ['vİctim@example.com', 'VİCTİM@EXAMPLE.COM', 'no-at-sign', 'two@@example.com']) {
          const signUpAnswer = await call('POST', '/api/signup', { email: bad, password: 'long enough pass', accountName: 'X' });
          assert.deepEqual([signUpAnswer.status, signUpAnswer.body], [422, BAD_EMAIL], bad);
          const reset = await call('POST', '/api/password-reset', { email: bad });
          assert.deepEqual([reset.status, reset.body], [422, BAD_EMAIL], bad);
          const invite = await call('POST', '/api/invitations', { email: bad }, { cookie });
          assert.deepEqual([invite.status, invite.body], [422, BAD_EMAIL], bad);
        }
        const fullwidth = [...owner.email].map((c) => (c === '@' || c === '.' || c === '-' ? c : String.fromCodePoint((c.codePointAt(0) as number) + 0xfee0))).join('');
        const taken = await call('POST', '/api/signup', { email: fullwidth, password: 'long enough pass', accountName: 'X' });
        assert.equal(taken.status, 409, taken.text);
        const signedIn = await call('POST', '/api/session', { email: fullwidth, password: owner.password });
        assert.deepEqual([signedIn.status, (signedIn.body as SessionPayload).user?.email], [200, owner.email]);
      });
    });

    describe("guessing at someone's password cannot lock them out", () => {
      it("after 60 wrong guesses from 60 addresses the owner's own browser still signs in; a stranger, a forged or someone else's device cookie get 429", async () => {
        const guarded = await open({ LOGIN_ATTEMPTS_PER_15_MINUTES: '1000' });
        const owner = await seedAccount(opened.db);
        const other = await seedAccount(opened.db);
        const earlier = await call('POST', '/api/session', { email: owner.email, password: owner.password }, { on: guarded, ip: '192.0.2.200' });
        assert.equal(earlier.status, 200);
        const device = cookiesOf(earlier)['formline_device'];
        assert.ok(device, 'a device cookie is set on sign-in');
        assert.match(earlier.headers.getSetCookie().find((c) => c.startsWith('formline_device=')) ?? '', /HttpOnly/i);
        const otherDevice = cookiesOf(await call('POST', '/api/session', { email: other.email, password: other.password }, { on: guarded }))['formline_device'];

        const statuses = new Set<number>();
        for (let i = 0; i < 60; i++) {
          const wrong = await call('POST', '/api/session', { email: owner.email, password: `wrong ${i}` }, { on: guarded, ip: `10.${i}.0.1` });
          statuses.add(wrong.status);
        }
        assert.deepEqual([...statuses].sort(), [401, 429]);

        const anonymous = await call('POST', '/api/session', { email: owner.email, password: owner.password }, { on: guarded, ip: '192.0.2.200' });
        assert.deepEqual([anonymous.status, anonymous.body], [429, TOO_MANY_SIGN_INS]);
        const [userId, deviceId] = (device as string).split('.');
        const forgedCookies = [
          `${userId}.${deviceId}.${'A'.repeat(43)}`,
          `${owner.userId}.${'B'.repeat(22)}.${(device as string).split('.')[2]}`,
          otherDevice as string,
          'not-a-device-cookie',
        ];
        for (const forged of forgedCookies) {
          const answer = await call('POST', '/api/session', { email: owner.email, password: owner.password }, { on: guarded, ip: '192.0.2.200', headers: { cookie: `formline_device=${forged}` } });
          assert.deepEqual([answer.status, answer.body], [429, TOO_MANY_SIGN_INS], forged);
        }
        const own = await call('POST', '/api/session', { email: owner.email, password: owner.password }, { on: guarded, ip: '192.0.2.200', headers: { cookie: `formline_device=${device}` } });
        assert.equal(own.status, 200, own.text);
        assert.equal(cookiesOf(own)['formline_device'], device, 'the same device keeps its cookie');
      });

      it('guesses carrying a stolen device cookie are still bounded (the device has its own limit)', async () => {
        const guarded = await open({ LOGIN_ATTEMPTS_PER_15_MINUTES: '1000', LOGIN_ATTEMPTS_PER_EMAIL_PER_15_MINUTES: '5' });
        const owner = await seedAccount(opened.db);
        const earlier = await call('POST', '/api/session', { email: owner.email, password: owner.password }, { on: guarded });
        const device = cookiesOf(earlier)['formline_device'];
        const statuses: number[] = [];
        for (let i = 0; i < 8; i++) {
          const answer = await call('POST', '/api/session', { email: owner.email, password: `wrong ${i}` }, { on: guarded, ip: `10.9.${i}.1`, headers: { cookie: `formline_device=${device}` } });
          statuses.push(answer.status);
        }
        assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429, 429]);
      });
    });

    describe('sessions', () => {
      it('a session unused for longer than SESSION_IDLE_MINUTES ends; one in use stays', async () => {
        const idle = await open({ SESSION_IDLE_MINUTES: '60' });
        const owner = await seedAccount(opened.db);
        const stale = await signIn(idle.url, owner.email, owner.password);
        const fresh = await signIn(idle.url, owner.email, owner.password);
        const staleId = sha256(decodeURIComponent(stale.split('=')[1] as string));
        await opened.db.query("update sessions set last_seen_at = now() - interval '61 minutes' where id = $1", [staleId]);
        const ended = await call('GET', '/api/session', undefined, { cookie: stale, on: idle });
        assert.deepEqual([ended.status, ended.body], [401, SIGN_IN_FIRST]);
        assert.equal((await call('GET', '/api/session', undefined, { cookie: fresh, on: idle })).status, 200);
      });
    });

    describe('who may sign up (SIGNUPS)', () => {
      it('closed: every sign-up is refused with 403 signups_closed', async () => {
        const closed = await open({ SIGNUPS: 'closed' });
        const answer = await call('POST', '/api/signup', { email: address('closed'), password: 'long enough pass', accountName: 'X' }, { on: closed });
        assert.deepEqual([answer.status, answer.body], [
          403,
          { error: { code: 'signups_closed', message: 'Sign-up is closed on this Formline; ask an owner of an account here to invite you.' } },
        ]);
        assert.equal(answer.headers.get('set-cookie'), null);
      });

      it('invite: sign-up needs a live invitation for that very address', async () => {
        const invited = await open({ SIGNUPS: 'invite' });
        const owner = await seedAccount(opened.db);
        const email = address('invited');
        await saveInvitation(opened.db, { accountId: owner.accountId, email, role: 'member', tokenHash: sha256(`token-for-${email}`), invitedBy: owner.userId, expiresAt: new Date(Date.now() + 86_400_000) });
        const required = { error: { code: 'invitation_required', message: 'Sign-up on this Formline is by invitation only: open the link in your invitation email.' } };
        const none = await call('POST', '/api/signup', { email, password: 'long enough pass', accountName: 'X' }, { on: invited });
        assert.deepEqual([none.status, none.body], [403, required]);
        const otherAddress = await call('POST', '/api/signup', { email: address('uninvited'), password: 'long enough pass', accountName: 'X', invitationToken: `token-for-${email}` }, { on: invited });
        assert.deepEqual([otherAddress.status, otherAddress.body], [403, required]);
        const made = await call('POST', '/api/signup', { email, password: 'long enough pass', accountName: 'X', invitationToken: `token-for-${email}` }, { on: invited });
        assert.equal(made.status, 201, made.text);
      });
    });

    describe('removing a member', () => {
      it("takes the member's own address off the account's alert recipients (audited): the next submission does not reach them, and added again it must confirm first", async () => {
        const owner = await seedAccount(opened.db);
        const memberEmail = address('member');
        const member = await saveUser(opened.db, { email: memberEmail, passwordHash: await hashPassword('member password'), emailVerified: true });
        await saveMembership(opened.db, { accountId: owner.accountId, userId: member.id, role: 'member' });
        const memberCookie = await signIn(app.url, memberEmail, 'member password');
        const added = await call('PATCH', `/api/forms/${owner.formId}`, { settings: { notifyEmails: ['owner@shop.example', memberEmail] } }, { cookie: memberCookie });
        assert.equal(added.status, 200, added.text);

        const ownerCookie = await signIn(app.url, owner.email, owner.password);
        assert.equal((await call('DELETE', `/api/members/${member.id}`, undefined, { cookie: ownerCookie })).status, 204);
        const form = await call('GET', `/api/forms/${owner.formId}`, undefined, { cookie: ownerCookie });
        assert.deepEqual((form.body as { settings: { notifyEmails: string[] } }).settings.notifyEmails, ['owner@shop.example']);
        const audit = (await call('GET', '/api/audit', undefined, { cookie: ownerCookie })).body as { items: { action: string; target: string; details: unknown }[] };
        const removal = audit.items.find((entry) => entry.action === 'member.remove');
        assert.deepEqual(removal && { target: removal.target, details: removal.details }, { target: memberEmail, details: { removedFromRecipientsOf: [owner.formId] } });

        const submitted = await postJson(app.url, owner.formId, VALID_CONTACT, { origin: SITE_ORIGIN });
        assert.equal(submitted.status, 201, submitted.text);
        const id = (submitted.body as { id: string }).id;
        const jobs = await opened.db.query<{ kind: string; target: string }>("select kind, target from jobs where submission_id = $1 and kind = 'email' order by target", [id]);
        assert.deepEqual(jobs.map((job) => job.target), ['owner@shop.example']);
        await delivered('owner@shop.example');
        assert.equal(mail.messages.filter((m) => to(m) === memberEmail).length, 0);

        // Added again later, the address is a stranger's: it must confirm before any alert reaches it.
        const readded = await call('PATCH', `/api/forms/${owner.formId}`, { settings: { notifyEmails: ['owner@shop.example', memberEmail] } }, { cookie: ownerCookie });
        assert.equal(readded.status, 200, readded.text);
        const recipients = (await call('GET', '/api/recipients', undefined, { cookie: ownerCookie })).body as { items: { address: string; confirmed: boolean }[] };
        assert.equal(recipients.items.find((r) => r.address === memberEmail)?.confirmed, false);
        const later = await postJson(app.url, owner.formId, VALID_CONTACT, { origin: SITE_ORIGIN });
        assert.equal(later.status, 201, later.text);
        await mailTo(memberEmail, /^Confirm alerts from/);
        await delivered('owner@shop.example');
        const deliveries = await call('GET', `/api/submissions/${(later.body as { id: string }).id}/deliveries`, undefined, { cookie: ownerCookie });
        // (This app has no SMTP_URL of its own, so the list's reason names that; the status is what counts.)
        const items = (deliveries.body as { items: { target: string; status: string }[] }).items;
        assert.deepEqual(items.map((d) => [d.target, d.status]).sort(), [[memberEmail, 'queued'], ['owner@shop.example', 'done']].sort());
        assert.deepEqual(mail.messages.filter((m) => to(m) === memberEmail).map((m) => /^Confirm alerts from/.test(m.subject ?? '')), [true]);
      });
    });
  });
}
