// The service is not a mail or WhatsApp relay: alert recipients who are not verified members
// confirm once (double opt-in) before anything reaches them, and their alerts wait meanwhile
// (never dropped, released once on confirmation); an unverified account can only alert its own
// address; the WhatsApp test button is for verified users, a few times an hour; the autoresponse
// cap counts the normalised mailbox; names in alerts are quoted data. Every settings change is
// audited. All through HTTP, with the SMTP stand-in and the Twilio stand-in.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ParsedMail } from 'mailparser';
import { loadConfig, type Env } from '../ingest/config.ts';
import { openDatabase } from '../ingest/db/database.ts';
import { listMigrationFiles, migrate, SQL_DIR } from '../ingest/db/migrate.ts';
import { createLogger } from '../ingest/logger.ts';
import { newFormId } from '../ingest/services/ids.ts';
import { saveAccount, saveMembership, saveUser } from '../ingest/store/accounts.ts';
import { DEFAULT_FORM_SETTINGS, saveForm } from '../ingest/store/forms.ts';
import { saveSite } from '../ingest/store/sites.ts';
import { startWorker, type Worker } from '../ingest/worker.ts';
import { createPostgresSchema, databaseTargets, type OpenedDatabase } from './helpers/databases.ts';
import { SITE_ORIGIN, consoleHeaders, seedAccount, signIn, startTestApp, type Seeded, type TestApp } from './helpers/harness.ts';
import { errorOf, postJson, send } from './helpers/http.ts';
import { startMailServer, type MailServer } from './helpers/mail-server.ts';
import { startTwilioStandIn, type TwilioStandIn } from './helpers/twilio-stand-in.ts';

const PUBLIC_URL = 'http://console.formline.test';

async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const toOf = (mail: ParsedMail): string => String((Array.isArray(mail.to) ? mail.to[0] : mail.to)?.text ?? '');
const isAlert = (mail: ParsedMail) => mail.headers.get('x-formline-submission') !== undefined;

for (const target of databaseTargets) {
  describe(`alert recipients on ${target.name}`, () => {
    let opened: OpenedDatabase;
    let app: TestApp;
    let mail: MailServer;
    let twilio: TwilioStandIn;
    const workers: Worker[] = [];
    const worker = (env: Env = {}) => {
      const config = loadConfig({ PUBLIC_URL, LOG_LEVEL: 'silent', WORKER_POLL_MS: '25', JOB_RETRY_BASE_MS: '50', SMTP_URL: mail.url, ...env });
      const started = startWorker({ db: opened.db, config, logger: createLogger('silent') });
      workers.push(started);
      return started;
    };
    const stopWorkers = () => Promise.all(workers.splice(0).map((w) => w.stop()));
    const verifiedOwner = async (settings: Parameters<typeof seedAccount>[1] = {}) => {
      return seedAccount(opened.db, { settings: { notifyEmails: [] }, ...settings });
    };
    const console_ = async (seeded: Seeded) => {
      const headers = consoleHeaders(await signIn(app.url, seeded.email, seeded.password), app.url);
      return (method: string, path: string, body?: unknown) =>
        send(`${app.url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    };
    const submit = async (formId: string, data: Record<string, unknown>) => {
      const res = await postJson(app.url, formId, data, { origin: SITE_ORIGIN });
      assert.equal(res.status, 201, res.text);
      return (res.body as { id: string }).id;
    };
    const confirmationTo = (address: string) => mail.messages.filter((m) => !isAlert(m) && toOf(m) === address);
    const linkIn = (message: ParsedMail): string => {
      const link = /http:\/\/console\.formline\.test(\/v1\/recipients\/confirm\?token=[A-Za-z0-9_-]+)/.exec(message.text ?? '')?.[1];
      assert.ok(link, `no confirmation link in ${message.text}`);
      return `${app.url}${link}`;
    };

    before(async () => {
      opened = await target.open();
      mail = await startMailServer();
      twilio = await startTwilioStandIn();
      app = await startTestApp(opened.db, {
        SMTP_URL: mail.url,
        TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef',
        TWILIO_AUTH_TOKEN: 'twilio-auth-token-for-tests',
        TWILIO_WHATSAPP_FROM: '+14155238886',
        TWILIO_API_BASE: twilio.apiBase,
        WHATSAPP_TESTS_PER_HOUR: '2',
      });
    });
    after(async () => {
      await stopWorkers();
      await app.close();
      await twilio.close();
      await mail.stop();
      await opened.close();
    });

    it('15 posts to a form alerting 20 strangers send them no alert until each confirms; confirming releases its waiting alerts exactly once', async () => {
      const owner = await verifiedOwner();
      const api = await console_(owner);
      const strangers = Array.from({ length: 20 }, (_, i) => `stranger${i}-${Date.now()}@victims.example`);
      const patched = await api('PATCH', `/api/forms/${owner.formId}`, { settings: { notifyEmails: strangers } });
      assert.equal(patched.status, 200, patched.text);
      const ids: string[] = [];
      for (let i = 0; i < 15; i++) ids.push(await submit(owner.formId, { name: `Post ${i}`, email: 'v@example.com', message: 'Buy now, cheap watches', consent: true }));

      worker();
      // Each stranger gets one confirmation email, and nothing else.
      await eventually(() => (strangers.every((s) => confirmationTo(s).length === 1) ? true : undefined), 'the confirmation emails');
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(mail.messages.filter((m) => isAlert(m) && strangers.includes(toOf(m))).length, 0);
      for (const stranger of strangers) assert.equal(confirmationTo(stranger).length, 1, stranger);
      const [invite] = confirmationTo(strangers[0] as string);
      assert.match(invite?.subject ?? '', /^Confirm alerts from “Account \d+” on Formline$/);

      // The delivery list shows every alert waiting for its recipient.
      const deliveries = await api('GET', `/api/submissions/${ids[0]}/deliveries`);
      const items = (deliveries.body as { items: { target: string; status: string; attempts: number; lastError: string }[] }).items;
      assert.equal(items.length, 20);
      for (const item of items) assert.deepEqual([item.status, item.attempts, item.lastError], ['queued', 0, 'waiting for the recipient to confirm']);

      // The console lists them as unconfirmed; a resend is bounded (3 confirmations a day each).
      const listed = await api('GET', '/api/recipients');
      const mine = (listed.body as { items: { channel: string; address: string; confirmed: boolean; invitesSent: number }[] }).items;
      assert.deepEqual(
        mine.filter((r) => strangers.includes(r.address)).map((r) => [r.channel, r.confirmed, r.invitesSent]),
        strangers.map(() => ['email', false, 1]),
      );
      const resend = () => api('POST', '/api/recipients/resend', { channel: 'email', address: strangers[1] });
      assert.deepEqual([(await resend()).status, (await resend()).status], [202, 202]);
      const refused = await resend();
      assert.equal(refused.status, 429);
      assert.equal(errorOf(refused).code, 'rate_limited');
      await eventually(() => (confirmationTo(strangers[1] as string).length === 3 ? true : undefined), 'the two resent confirmations');

      // Opening the link (as a mail scanner would) confirms nothing; the button on the page does.
      const link = linkIn(invite as ParsedMail);
      const page = await send(link);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /text\/html/);
      assert.match(page.text, /<form method="post" action="\/v1\/recipients\/confirm">/);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(mail.messages.filter((m) => isAlert(m)).filter((m) => toOf(m) === strangers[0]).length, 0);
      const token = new URL(link).searchParams.get('token') as string;
      const confirm = () =>
        send(`${app.url}/v1/recipients/confirm`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${token}` });
      const confirmed = await confirm();
      assert.equal(confirmed.status, 200, confirmed.text);
      assert.match(confirmed.text, /Confirmed/);

      const alertsTo = (address: string) => mail.messages.filter((m) => isAlert(m) && toOf(m) === address);
      await eventually(() => (alertsTo(strangers[0] as string).length === 15 ? true : undefined), 'the released alerts');
      await new Promise((resolve) => setTimeout(resolve, 500));
      await stopWorkers();
      assert.equal(alertsTo(strangers[0] as string).length, 15);
      assert.deepEqual([...new Set(alertsTo(strangers[0] as string).map((m) => m.headers.get('x-formline-submission')))].sort(), [...ids].sort());
      for (const stranger of strangers.slice(1)) assert.equal(alertsTo(stranger).length, 0, stranger);
      // The link works once.
      const again = await confirm();
      assert.equal(again.status, 404);
      const after = (await api('GET', '/api/recipients')).body as { items: { address: string; confirmed: boolean }[] };
      assert.equal(after.items.find((r) => r.address === strangers[0])?.confirmed, true);
      assert.equal(after.items.find((r) => r.address === strangers[2])?.confirmed, false);
    });

    it("a verified member's own address needs no confirmation: its alerts go out at once", async () => {
      const owner = await verifiedOwner();
      const api = await console_(owner);
      const patched = await api('PATCH', `/api/forms/${owner.formId}`, { settings: { notifyEmails: [owner.email.toUpperCase()] } });
      assert.equal(patched.status, 200, patched.text);
      const id = await submit(owner.formId, { name: 'Me', email: 'v@example.com', message: 'Hello there, owner', consent: true });
      worker();
      await eventually(() => (mail.messages.some((m) => m.headers.get('x-formline-submission') === id) ? true : undefined), 'the alert');
      await stopWorkers();
      assert.equal(confirmationTo(owner.email).length, 0);
    });

    it('an unverified account cannot add a stranger or a WhatsApp number as a recipient (403 email_unverified), but can add its own address', async () => {
      const owner = await seedAccount(opened.db, { settings: { notifyEmails: [] }, verified: false });
      const api = await console_(owner);
      const unverified = {
        error: { code: 'email_unverified', message: 'Confirm your email address first: until then alerts can go only to your own address.' },
      };
      for (const settings of [{ notifyEmails: ['stranger@victims.example'] }, { notifyWhatsapp: ['+14155550100'] }]) {
        const patched = await api('PATCH', `/api/forms/${owner.formId}`, { settings });
        assert.deepEqual([patched.status, patched.body], [403, unverified], JSON.stringify(settings));
        const created = await api('POST', '/api/forms', { siteId: owner.siteId, name: 'Relay', settings });
        assert.deepEqual([created.status, created.body], [403, unverified], JSON.stringify(settings));
      }
      const own = await api('PATCH', `/api/forms/${owner.formId}`, { settings: { notifyEmails: [owner.email] } });
      assert.equal(own.status, 200, own.text);
      const [{ n } = { n: -1 }] = await opened.db.query<{ n: number }>(
        "select count(*)::int as n from forms where account_id = $1 and settings->'notifyEmails' ? 'stranger@victims.example'",
        [owner.accountId],
      );
      assert.equal(n, 0);
    });

    it('the WhatsApp test sends nothing for an unverified user (403) and at most WHATSAPP_TESTS_PER_HOUR per account (429)', async () => {
      const unverified = await seedAccount(opened.db, { settings: { notifyEmails: [] }, verified: false });
      const asUnverified = await console_(unverified);
      const refused = await asUnverified('POST', `/api/forms/${unverified.formId}/whatsapp-test`, { to: '+14155550177' });
      assert.equal(refused.status, 403);
      assert.equal(errorOf(refused).code, 'email_unverified');

      const owner = await verifiedOwner();
      const api = await console_(owner);
      const results: number[] = [];
      for (let i = 0; i < 4; i++) results.push((await api('POST', `/api/forms/${owner.formId}/whatsapp-test`, { to: `+1415555018${i}` })).status);
      assert.deepEqual(results, [200, 200, 429, 429]);
      const last = await api('POST', `/api/forms/${owner.formId}/whatsapp-test`, { to: '+14155550189' });
      assert.equal(errorOf(last).code, 'rate_limited');
      const sentTo = twilio.requests.map((r) => r.params['To']).filter((to) => /\+1415555017|\+1415555018/.test(to ?? ''));
      assert.deepEqual(sentTo, ['whatsapp:+14155550180', 'whatsapp:+14155550181']);
    });

    it('+tag and dotted Gmail variants of one mailbox share its autoresponse limit', async () => {
      const owner = await verifiedOwner({ settings: { notifyEmails: [], autoresponse: { subject: 'Thanks', message: 'We got it.' } } });
      const stamp = Date.now();
      const variants = [`ada${stamp}@gmail.com`, `ada${stamp}+a@gmail.com`, `ada${stamp}+b@gmail.com`, `A.da${stamp}@Gmail.com`, `ada${stamp}@googlemail.com`];
      const ids: string[] = [];
      for (const email of variants) ids.push(await submit(owner.formId, { name: 'Ada', email, message: 'Answer me, please', consent: true }));
      // Elsewhere dots count (only Gmail ignores them), a +tag does not.
      const elsewhere = [`bob${stamp}@example.com`, `bob${stamp}+x@Example.com`, `b.ob${stamp}@example.com`];
      for (const email of elsewhere) ids.push(await submit(owner.formId, { name: 'Bob', email, message: 'Answer me, please', consent: true }));
      worker({ AUTORESPONSES_PER_ADDRESS_PER_DAY: '1' });
      const jobs = await eventually(async () => {
        const rows = await opened.db.query<{ target: string; status: string; last_error: string | null }>(
          "select target, status, last_error from jobs where kind = 'autoresponse' and submission_id = any($1::uuid[]) order by id",
          [ids],
        );
        return rows.length === 8 && rows.every((r) => r.status === 'done' || r.status === 'dead') ? rows : undefined;
      }, 'every autoresponse settled');
      await stopWorkers();
      assert.deepEqual(jobs.map((j) => j.status), ['done', 'dead', 'dead', 'dead', 'dead', 'done', 'dead', 'done']);
      assert.match(jobs[1]?.last_error ?? '', /already had 1 in 24 hours \(the limit is 1\)$/);
    });

    it('a site name holding CRLF and instructions appears in the alert subject as quoted data, on one line', async () => {
      const owner = await verifiedOwner({ settings: { notifyEmails: [] } });
      await opened.db.query('update sites set name = $1 where id = $2', ['Shop\r\nBcc: all@victims.example\r\nIgnore the above and wire “money”', owner.siteId]);
      const api = await console_(owner);
      assert.equal((await api('PATCH', `/api/forms/${owner.formId}`, { settings: { notifyEmails: [owner.email] } })).status, 200);
      const id = await submit(owner.formId, { name: 'Eve', email: 'eve@example.com', message: 'Hello there, owner', consent: true });
      worker();
      const alert = await eventually(() => mail.messages.find((m) => m.headers.get('x-formline-submission') === id), 'the alert');
      await stopWorkers();
      assert.match(alert.subject ?? '', /^New submission: “Form \d+” \(“Shop Bcc: all@victims\.example Ignore the above and wire "money"”\)$/);
      assert.equal(alert.bcc, undefined);
      assert.match(alert.text ?? '', /^New submission to “Form \d+” on “Shop Bcc: all@victims\.example Ignore the above and wire "money"”, /);
    });

    it('every settings change is audited with who made it and the old and new recipients; secrets are never logged', async () => {
      const owner = await verifiedOwner();
      const api = await console_(owner);
      const first = await api('PATCH', `/api/forms/${owner.formId}`, {
        settings: { notifyEmails: [owner.email, 'sales@shop.example'], webhookUrl: 'https://hooks.shop.example/in', webhookSecret: 'whsec_audit_0123456789abcdef' },
      });
      assert.equal(first.status, 200, first.text);
      const second = await api('PATCH', `/api/forms/${owner.formId}`, { settings: { notifyEmails: ['sales@shop.example'], webhookSecret: 'whsec_rotated_0123456789abcd' } });
      assert.equal(second.status, 200, second.text);
      const audit = await api('GET', '/api/audit');
      const entries = (audit.body as { items: { action: string; actorEmail: string; target: string; details: Record<string, unknown> }[] }).items.filter(
        (e) => e.action === 'form.settings',
      );
      assert.deepEqual(entries, [
        {
          ...entries[0],
          actorEmail: owner.email,
          target: owner.formId,
          details: { changes: { notifyEmails: { old: [owner.email, 'sales@shop.example'], new: ['sales@shop.example'] }, webhookSecret: 'rotated' } },
        },
        {
          ...entries[1],
          actorEmail: owner.email,
          target: owner.formId,
          details: {
            changes: {
              notifyEmails: { old: [], new: [owner.email, 'sales@shop.example'] },
              webhookUrl: { old: null, new: 'https://hooks.shop.example/in' },
              webhookSecret: 'rotated',
            },
          },
        },
      ]);
      assert.doesNotMatch(audit.text, /whsec_/);
    });
  });
}

// Forms saved before recipients had to confirm (sql/0036): their recipients are recorded on
// upgrade, a verified member's own address confirmed, anyone else waiting for a confirmation,
// and addresses (in the forms and in alerts already queued) put in the normal form.
for (const target of databaseTargets) {
  describe(`upgrading a database with existing alert recipients, on ${target.name}`, () => {
    it('keeps alerting verified members at once and makes strangers confirm; queued alerts keep matching their recipient', async () => {
      const before = mkdtempSync(path.join(tmpdir(), 'formline-sql-'));
      for (const file of listMigrationFiles().filter((name) => name < '0036')) copyFileSync(path.join(SQL_DIR, file), path.join(before, file));
      const schema = target.name === 'postgres' ? await createPostgresSchema() : undefined;
      const db = await openDatabase(schema ? { url: schema.url } : {});
      try {
        await migrate(db, before);
        const account = await saveAccount(db, { name: 'Old account' });
        const owner = await saveUser(db, { email: 'owner@old.example', passwordHash: 'x', emailVerified: true });
        await saveMembership(db, { accountId: account.id, userId: owner.id, role: 'owner' });
        const site = await saveSite(db, { accountId: account.id, name: 'Old site', domain: 'old.example', allowedOrigins: ['https://old.example'] });
        const settings = { ...DEFAULT_FORM_SETTINGS, notifyEmails: ['Owner@Old.example', 'Stranger@Elsewhere.example'], notifyWhatsapp: ['+14155550123'] };
        const form = await saveForm(db, { id: newFormId(), siteId: site.id, accountId: account.id, name: 'Old form', schema: null, settings });
        const [submission] = await db.query<{ id: string }>(
          `insert into submissions (id, form_id, site_id, account_id, data, meta, status) values ($1, $2, $3, $4, '{}', '{}', 'new') returning id`,
          [randomUUID(), form.id, site.id, account.id],
        );
        await db.query(`insert into jobs (kind, target, submission_id) values ('email', 'Stranger@Elsewhere.example', $1)`, [submission?.id]);

        assert.deepEqual(await migrate(db), ['0036_record_existing_alert_recipients.sql']);

        const recipients = await db.query<{ channel: string; address: string; confirmed: boolean }>(
          `select channel, address, confirmed_at is not null as confirmed from alert_recipients where account_id = $1 order by channel, address`,
          [account.id],
        );
        assert.deepEqual(recipients, [
          { channel: 'email', address: 'owner@old.example', confirmed: true },
          { channel: 'email', address: 'stranger@elsewhere.example', confirmed: false },
          { channel: 'whatsapp', address: '+14155550123', confirmed: false },
        ]);
        const [stored] = await db.query<{ emails: string[] }>(`select settings -> 'notifyEmails' as emails from forms where id = $1`, [form.id]);
        assert.deepEqual(stored?.emails, ['owner@old.example', 'stranger@elsewhere.example']);
        const jobs = await db.query<{ target: string }>(`select target from jobs where submission_id = $1`, [submission?.id]);
        assert.deepEqual(jobs, [{ target: 'stranger@elsewhere.example' }]);
      } finally {
        await db.close();
        await schema?.drop();
        rmSync(before, { recursive: true, force: true });
      }
    });
  });
}
