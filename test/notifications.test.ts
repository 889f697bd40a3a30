// Notifications delivered by the worker from the outbox: email to a real SMTP server on loopback
// (content, headers, escaping), through an SMTP outage with two workers at once (each message
// exactly once), jobs that wait while SMTP is not configured, dead letters (refused at once, or
// after the last attempt) and the console's retry, a wrong SMTP login retried rather than dead,
// submissions marked spam after they were queued, signed webhooks (every signature verified by
// the README's own verifier) with SSRF targets refused by address, redirects and slow receivers,
// and WhatsApp alerts through the real `twilio` client against a stand-in of Twilio's Messages
// API, including the status callbacks by which Twilio reports a failure later (63016).

import assert from 'node:assert/strict';
import dns from 'node:dns';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig, type Env } from '../ingest/config.ts';
import { createLogger } from '../ingest/logger.ts';
import type { Channel } from '../ingest/notify/channel.ts';
import { autoresponseChannel, isRecipientOrMessageRefusal } from '../ingest/notify/email.ts';
import { isInternalAddress, webhookChannel, webhookTargetProblem, type ResolveName } from '../ingest/notify/webhook.ts';
import { OUTSIDE_WINDOW_REASON } from '../ingest/notify/whatsapp.ts';
import { claimJobs, countSentTo, getJobSubject, settleJob, type ClaimedJob, type JobSubject } from '../ingest/store/jobs.ts';
import { defaultChannels, startWorker, type Worker } from '../ingest/worker.ts';
import { databaseTargets, type OpenedDatabase } from './helpers/databases.ts';
import { SITE_ORIGIN, consoleHeaders, seedAccount, signIn, startTestApp, type Seeded, type TestApp } from './helpers/harness.ts';
import { errorOf, postJson, send } from './helpers/http.ts';
import { startMailServer, type MailServer } from './helpers/mail-server.ts';
import { freePort } from './helpers/ports.ts';
import { NUMBERS, startTwilioStandIn, twilioSignature, type TwilioStandIn } from './helpers/twilio-stand-in.ts';

const OWNER = 'owner@shop.example';
const HOSTILE = {
  name: 'Mallory <script>alert(1)</script>',
  email: 'mallory@example.com',
  message: 'Look: <img src=x onerror=alert(1)> & "quotes" \'too\'\nsecond line',
  consent: true,
};

const PUBLIC_URL = 'http://console.formline.test';
const TWILIO_SID = 'AC0123456789abcdef0123456789abcdef';
const TWILIO_TOKEN = 'twilio-auth-token-for-tests';

/** The README's webhook verifier (Notifications, the js block), run exactly as it is written there. */
async function readmeVerifier(): Promise<(header: string, body: string, secret: string, toleranceSeconds?: number) => boolean> {
  const readme = fs.readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const code = /```js\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf('## Notifications')))?.[1];
  assert.ok(code?.includes('function verifyFormline('), 'the README shows no verifier');
  const module = (await import(`data:text/javascript,${encodeURIComponent(`${code}\nexport { verifyFormline };`)}`)) as {
    verifyFormline: (header: string, body: string, secret: string, toleranceSeconds?: number) => boolean;
  };
  return module.verifyFormline;
}

describe('settings checked at boot', () => {
  it('a WhatsApp sender that is not an E.164 number stops boot, naming TWILIO_WHATSAPP_FROM', () => {
    for (const from of ['4155238886', '+1 415 523 8886', 'whatsapp:4155238886', 'sms:+14155238886']) {
      assert.throws(() => loadConfig({ TWILIO_WHATSAPP_FROM: from }), (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /TWILIO_WHATSAPP_FROM: must be the WhatsApp sender as an E\.164 number/);
        return true;
      }, from);
    }
    assert.equal(loadConfig({ TWILIO_WHATSAPP_FROM: '+14155238886' }).twilio.whatsappFrom, '+14155238886');
    assert.equal(loadConfig({ TWILIO_WHATSAPP_FROM: 'whatsapp:+14155238886' }).twilio.whatsappFrom, 'whatsapp:+14155238886');
  });

  it('a template that is not a Content SID stops boot, naming TWILIO_WHATSAPP_CONTENT_SID', () => {
    for (const sid of ['HX123', 'MG0123456789abcdef0123456789abcdef', 'HX0123456789abcdef0123456789abcdeg', 'my-template']) {
      assert.throws(() => loadConfig({ TWILIO_WHATSAPP_CONTENT_SID: sid }), /TWILIO_WHATSAPP_CONTENT_SID: must be a Twilio Content SID/, sid);
    }
    assert.equal(loadConfig({ TWILIO_WHATSAPP_CONTENT_SID: 'HX0123456789abcdef0123456789abcdef' }).twilio.whatsappContentSid, 'HX0123456789abcdef0123456789abcdef');
  });

  it('the webhook timeout is a positive number of milliseconds (10 s unless WEBHOOK_TIMEOUT_MS says otherwise)', () => {
    assert.equal(loadConfig({}).worker.webhookTimeoutMs, 10_000);
    assert.equal(loadConfig({ WEBHOOK_TIMEOUT_MS: '2500' }).worker.webhookTimeoutMs, 2500);
    assert.throws(() => loadConfig({ WEBHOOK_TIMEOUT_MS: '0' }), /WEBHOOK_TIMEOUT_MS/);
  });
});

describe('which SMTP failures give up on a notification', () => {
  const smtpError = (responseCode: number, command: string) => Object.assign(new Error(`${responseCode} refused`), { responseCode, command });

  it('a refusal of the recipient or of the message (550-554 to RCPT TO or DATA) is permanent', () => {
    for (const code of [550, 551, 552, 553, 554]) {
      assert.equal(isRecipientOrMessageRefusal(smtpError(code, 'RCPT TO')), true, `${code} RCPT TO`);
      assert.equal(isRecipientOrMessageRefusal(smtpError(code, 'DATA')), true, `${code} DATA`);
    }
  });

  it("the service's own setup and the server's state are retried: authentication, the sender, the greeting, 4xx, no connection", () => {
    for (const [code, command] of [
      [535, 'AUTH PLAIN'],
      [530, 'MAIL FROM'],
      [550, 'MAIL FROM'],
      [554, 'CONN'],
      [421, 'RCPT TO'],
      [451, 'DATA'],
      [500, 'RCPT TO'],
      [555, 'RCPT TO'],
    ] as const) {
      assert.equal(isRecipientOrMessageRefusal(smtpError(code, command)), false, `${code} ${command}`);
    }
    assert.equal(isRecipientOrMessageRefusal(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ESOCKET', command: 'CONN' })), false);
    assert.equal(isRecipientOrMessageRefusal(new Error('anything')), false);
  });
});

async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

for (const target of databaseTargets) {
  describe(`notifications on ${target.name}`, () => {
    let opened: OpenedDatabase;
    let app: TestApp;
    const workers: Worker[] = [];
    /** Servers a test started, closed after the suite even when the test failed midway. */
    const cleanups: (() => Promise<unknown>)[] = [];
    const mailServer = async (...args: Parameters<typeof startMailServer>) => {
      const mail = await startMailServer(...args);
      cleanups.push(() => mail.stop());
      return mail;
    };

    /** A worker with these settings; `channels` replaces some of the channels it builds from them. */
    const worker = (env: Env, channels?: (config: ReturnType<typeof loadConfig>) => Partial<Record<ClaimedJob['kind'], Channel>>) => {
      const config = loadConfig({
        PUBLIC_URL,
        LOG_LEVEL: 'silent',
        WORKER_POLL_MS: '25',
        JOB_RETRY_BASE_MS: '50',
        JOB_MAX_ATTEMPTS: '40',
        ...env,
      });
      const started = startWorker({
        db: opened.db,
        config,
        logger: createLogger('silent'),
        ...(channels ? { channels: { ...defaultChannels(config, opened.db), ...channels(config) } } : {}),
      });
      workers.push(started);
      return started;
    };
    const stopWorkers = async () => {
      await Promise.all(workers.splice(0).map((w) => w.stop()));
    };
    const submit = async (formId: string, data: Record<string, unknown>) => {
      const res = await postJson(app.url, formId, data, { origin: SITE_ORIGIN });
      assert.equal(res.status, 201, res.text);
      return (res.body as { id: string }).id;
    };
    const jobsOf = (submissionId: string) =>
      opened.db.query<{ id: number; kind: string; status: string; attempts: number; last_error: string | null }>(
        'select id, kind, status, attempts, last_error from jobs where submission_id = $1 order by id',
        [submissionId],
      );
    /**
     * Runs a worker with no channel configured for a while: the submission's job is left alone
     * (queued, no attempt spent), and the console's delivery list says why it waits.
     */
    const waitingReason = async (seeded: Seeded, submissionId: string): Promise<string> => {
      worker({});
      await new Promise((resolve) => setTimeout(resolve, 300));
      await stopWorkers();
      const [job] = await jobsOf(submissionId);
      assert.equal(job?.status, 'queued');
      assert.equal(job?.attempts, 0);
      const cookie = await signIn(app.url, seeded.email, seeded.password);
      const deliveries = await send(`${app.url}/api/submissions/${submissionId}/deliveries`, { headers: consoleHeaders(cookie, app.url) });
      const [delivery] = (deliveries.body as { items: { status: string; lastError: string; nextAttemptAt: string | null }[] }).items;
      assert.equal(delivery?.status, 'queued');
      assert.ok(delivery?.nextAttemptAt);
      return delivery.lastError;
    };
    const mailsFor = (mail: MailServer, submissionId: string) =>
      mail.messages.filter((m) => m.headers.get('x-formline-submission') === submissionId);

    const historyOf = (jobId: number) =>
      opened.db.query<{ attempt: number; outcome: string; error: string | null; provider_id: string | null; created_at: Date }>(
        'select attempt, outcome, error, provider_id, created_at from delivery_attempts where job_id = $1 order by id',
        [jobId],
      );
    const settledJob = (id: string, status: string) =>
      eventually(async () => {
        const [job] = await jobsOf(id);
        return job?.status === status ? job : undefined;
      }, `a job ${status}`);

    before(async () => {
      opened = await target.open();
      // The service receives Twilio's status callbacks (signed with the auth token); a failure
      // reported there is retried after JOB_RETRY_BASE_MS.
      app = await startTestApp(opened.db, { TWILIO_AUTH_TOKEN: TWILIO_TOKEN, JOB_RETRY_BASE_MS: '50' });
    });
    after(async () => {
      await stopWorkers();
      for (const cleanup of cleanups.splice(0)) await cleanup();
      await app.close();
      await opened.close();
    });

    it("emails the owner: form and site in the subject, every value escaped in the HTML, Reply-To the submitter, a console link", async () => {
      const mail = await mailServer();
      const seeded = await seedAccount(opened.db);
      const id = await submit(seeded.formId, HOSTILE);
      worker({ SMTP_URL: mail.url, MAIL_FROM: 'Formline <alerts@formline.test>' });
      const [message] = await eventually(async () => (mailsFor(mail, id).length ? mailsFor(mail, id) : undefined), 'the email');
      await stopWorkers();
      assert.ok(message);
      assert.match(message.subject ?? '', /^New submission: “Form \d+” \(“Site \d+”\)$/);
      assert.deepEqual(message.from?.value.map((a) => [a.name, a.address]), [['Formline', 'alerts@formline.test']]);
      assert.equal((Array.isArray(message.to) ? message.to[0] : message.to)?.text, OWNER);
      assert.equal(message.replyTo?.text, 'mallory@example.com');
      const html = String(message.html);
      assert.doesNotMatch(html, /<script>|<img src=x/i);
      assert.match(html, /Mallory &lt;script&gt;alert\(1\)&lt;\/script&gt;/);
      assert.match(html, /Look: &lt;img src=x onerror=alert\(1\)&gt; &amp; &quot;quotes&quot; &#39;too&#39;<br>second line/);
      assert.match(html, new RegExp(`href="http://console\\.formline\\.test/console/#/submissions/${id}"`));
      // The labels of the schema, in its order; the plain-text part has the values as they are.
      assert.match(message.text ?? '', /Your name: Mallory <script>alert\(1\)<\/script>\nEmail: mallory@example\.com\n/);
      assert.match(message.text ?? '', /I agree to be contacted: Yes/);
      assert.match(message.messageId ?? '', new RegExp(`^<job-\\d+\\.${id}@console\\.formline\\.test>$`));

      // The console shows the attempt.
      const cookie = await signIn(app.url, seeded.email, seeded.password);
      const deliveries = await send(`${app.url}/api/submissions/${id}/deliveries`, { headers: consoleHeaders(cookie, app.url) });
      assert.equal(deliveries.status, 200);
      const [delivery] = (deliveries.body as { items: { channel: string; target: string; status: string; attempts: number; history: { outcome: string }[] }[] }).items;
      assert.equal(delivery?.channel, 'email');
      assert.equal(delivery?.target, OWNER);
      assert.equal(delivery?.status, 'done');
      assert.deepEqual(delivery?.history.map((h) => h.outcome), ['sent']);
      await mail.stop();
    });

    it('through an SMTP outage, with two workers at once, every notification arrives exactly once', async () => {
      const port = await freePort();
      const smtpUrl = `smtp://127.0.0.1:${port}`;
      const seeded = await seedAccount(opened.db);
      const ids: string[] = [];
      for (let i = 0; i < 12; i++) ids.push(await submit(seeded.formId, { name: `Visitor ${i}`, email: `v${i}@example.com`, message: 'During the outage.', consent: true }));
      worker({ SMTP_URL: smtpUrl });
      worker({ SMTP_URL: smtpUrl });
      // Every job is tried and fails while the server is down; none is lost or given up.
      await eventually(async () => {
        const jobs = (await Promise.all(ids.map(jobsOf))).flat();
        return jobs.every((job) => job.attempts >= 1 && job.status === 'queued' && job.last_error) ? jobs : undefined;
      }, 'failed attempts');
      const mail = await mailServer(port);
      await eventually(async () => (ids.every((id) => mailsFor(mail, id).length >= 1) ? true : undefined), 'all emails');
      // Let both workers run on a while: nothing more arrives.
      await new Promise((resolve) => setTimeout(resolve, 600));
      await stopWorkers();
      for (const id of ids) assert.equal(mailsFor(mail, id).length, 1, `submission ${id}`);
      for (const id of ids) assert.deepEqual((await jobsOf(id)).map((job) => job.status), ['done']);
      const attempts = await opened.db.query<{ outcome: string; n: number }>(
        `select outcome, count(*)::int as n from delivery_attempts where submission_id = any($1::uuid[]) group by outcome order by outcome`,
        [ids],
      );
      assert.equal(attempts.find((a) => a.outcome === 'sent')?.n, ids.length);
      assert.ok((attempts.find((a) => a.outcome === 'failed')?.n ?? 0) >= ids.length);
      await mail.stop();
    });

    it('without SMTP_URL the email waits, with the reason, without spending attempts; nothing is dropped', async () => {
      const seeded = await seedAccount(opened.db);
      const id = await submit(seeded.formId, { name: 'Patient', email: 'patient@example.com', message: 'No mail server yet.', consent: true });
      assert.equal(await waitingReason(seeded, id), 'waiting: SMTP_URL is not set, so email cannot be sent');
      // It is still there to be sent once a mail server is configured.
      const mail = await mailServer();
      worker({ SMTP_URL: mail.url });
      await eventually(async () => (mailsFor(mail, id).length ? true : undefined), 'the waiting email');
      await stopWorkers();
      await mail.stop();
    });

    it('a refused address is dead at once (no retry storm); the console sends it again; only dead ones can be', async () => {
      const mail = await mailServer();
      const seeded = await seedAccount(opened.db, { settings: { notifyEmails: ['gone@shop.example'] } });
      mail.refuse.add('gone@shop.example');
      const id = await submit(seeded.formId, { name: 'Bounce', email: 'bounce@example.com', message: 'To a closed mailbox.', consent: true });
      worker({ SMTP_URL: mail.url });
      const [job] = await eventually(async () => {
        const jobs = await jobsOf(id);
        return jobs[0]?.status === 'dead' ? jobs : undefined;
      }, 'the dead letter');
      assert.equal(job?.attempts, 1);
      assert.match(job?.last_error ?? '', /^email: .*550/);

      const cookie = await signIn(app.url, seeded.email, seeded.password);
      const headers = consoleHeaders(cookie, app.url);
      const other = await seedAccount(opened.db);
      const otherCookie = await signIn(app.url, other.email, other.password);
      const foreign = await send(`${app.url}/api/deliveries/${job?.id}/retry`, { method: 'POST', headers: consoleHeaders(otherCookie, app.url) });
      assert.equal(foreign.status, 404);
      assert.equal(errorOf(foreign).code, 'delivery_not_found');
      const foreignList = await send(`${app.url}/api/submissions/${id}/deliveries`, { headers: consoleHeaders(otherCookie, app.url) });
      assert.equal(foreignList.status, 404);

      mail.refuse.clear();
      const retried = await send(`${app.url}/api/deliveries/${job?.id}/retry`, { method: 'POST', headers });
      assert.equal(retried.status, 202, retried.text);
      await eventually(async () => (mailsFor(mail, id).length ? true : undefined), 'the retried email');
      await stopWorkers();
      const done = await send(`${app.url}/api/deliveries/${job?.id}/retry`, { method: 'POST', headers });
      assert.equal(done.status, 409);
      assert.equal(errorOf(done).code, 'delivery_not_retryable');
      const history = await send(`${app.url}/api/submissions/${id}/deliveries`, { headers });
      const [delivery] = (history.body as { items: { status: string; history: { outcome: string }[] }[] }).items;
      assert.equal(delivery?.status, 'done');
      assert.deepEqual(delivery?.history.map((h) => h.outcome), ['dead', 'sent']);
      const noSuch = await send(`${app.url}/api/deliveries/not-a-number/retry`, { method: 'POST', headers });
      assert.equal(noSuch.status, 404);
      await mail.stop();
    });

    it('answers the submitter when the form opts in, at most AUTORESPONSES_PER_ADDRESS_PER_DAY times per address', async () => {
      const mail = await mailServer();
      const seeded = await seedAccount(opened.db, {
        settings: { notifyEmails: [], autoresponse: { subject: 'Thanks, {name}', message: 'Hi {name},\nwe read every message about {topic}.' } },
      });
      const ids: string[] = [];
      for (const email of ['repeat@example.com', 'Repeat@Example.com', 'repeat@example.com', 'repeat@example.com']) {
        ids.push(await submit(seeded.formId, { name: 'Ada', email, topic: 'Sales', message: 'Send me your prices.', consent: true }));
      }
      // Without a valid address there is nobody to answer.
      const schemaless = await seedAccount(opened.db, { schema: null, settings: { notifyEmails: [], autoresponse: { subject: 'Hi', message: 'Hello' } } });
      const anonymous = await submit(schemaless.formId, { note: 'no address here' });
      assert.deepEqual(await jobsOf(anonymous), []);

      worker({ SMTP_URL: mail.url, AUTORESPONSES_PER_ADDRESS_PER_DAY: '3' });
      const settledJobs = await eventually(async () => {
        const jobs = (await Promise.all(ids.map(jobsOf))).flat();
        return jobs.length === 4 && jobs.every((job) => job.status === 'done' || job.status === 'dead') ? jobs : undefined;
      }, 'every autoresponse settled');
      await stopWorkers();
      assert.deepEqual(settledJobs.map((job) => job.kind), ['autoresponse', 'autoresponse', 'autoresponse', 'autoresponse']);
      assert.equal(settledJobs.filter((job) => job.status === 'done').length, 3);
      const refused = settledJobs.find((job) => job.status === 'dead');
      assert.match(refused?.last_error ?? '', /^autoresponse not sent: .* already had 3 in 24 hours \(the limit is 3\)$/i);
      const answers = mail.messages.filter((m) => ids.includes(String(m.headers.get('x-formline-submission'))));
      assert.equal(answers.length, 3);
      // (What the visitor typed is quoted data in the subject.)
      assert.equal(answers[0]?.subject, 'Thanks, “Ada”');
      assert.equal(answers[0]?.text?.trim(), 'Hi Ada,\nwe read every message about Sales.');
      assert.equal(answers[0]?.headers.get('auto-submitted'), 'auto-replied');
      await mail.stop();
    });

    it('limitation: two workers at once can each send an autoresponse to one address past AUTORESPONSES_PER_ADDRESS_PER_DAY', async () => {
      // One worker sends a target's autoresponses one after another, each counting those before;
      // two workers that claimed one each both count before either has recorded its send.
      const mail = await mailServer();
      const seeded = await seedAccount(opened.db, { settings: { notifyEmails: [], autoresponse: { subject: 'Thanks', message: 'We got it.' } } });
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push(await submit(seeded.formId, { name: 'Twice', email: 'twice@example.com', message: 'Answer me, please.', consent: true }));
      const channel = () =>
        autoresponseChannel({ smtpUrl: mail.url, from: 'alerts@formline.test', perAddressPerDay: 1, sentSince: (to, since) => countSentTo(opened.db, 'autoresponse', to, since) });
      const [first, second] = [channel(), channel()];
      const claimed = (await claimJobs(opened.db, 100, 120, ['autoresponse'])) as ClaimedJob[];
      const jobFor = (id: string) => claimed.find((job) => job.submissionId === id) as ClaimedJob;
      const subjectFor = async (id: string) => (await getJobSubject(opened.db, id)) as JobSubject;
      const results = await Promise.all([
        first!.deliver(jobFor(ids[0]!), await subjectFor(ids[0]!)),
        second!.deliver(jobFor(ids[1]!), await subjectFor(ids[1]!)),
      ]);
      assert.deepEqual(results, [{ outcome: 'sent' }, { outcome: 'sent' }]);
      for (const id of ids.slice(0, 2)) assert.equal(await settleJob(opened.db, jobFor(id), 'sent', null, null), true);
      assert.equal(mail.messages.filter((m) => ids.includes(String(m.headers.get('x-formline-submission')))).length, 2, 'two answers, over a limit of one');
      // After them, the limit holds again.
      const third = await first!.deliver(jobFor(ids[2]!), await subjectFor(ids[2]!));
      assert.equal(third.outcome, 'failed');
      assert.match(third.outcome === 'failed' ? third.error : '', /already had 2 in 24 hours \(the limit is 1\)$/);
      assert.equal(await settleJob(opened.db, jobFor(ids[2]!), 'dead', third.outcome === 'failed' ? third.error : '', null), true);
      first!.close?.();
      second!.close?.();
      await mail.stop();
    });

    it('a submission marked spam (or held) after its notifications were queued notifies nobody; "not spam" and the retry send it', async () => {
      const mail = await mailServer();
      const seeded = await seedAccount(opened.db);
      const cookie = await signIn(app.url, seeded.email, seeded.password);
      const headers = consoleHeaders(cookie, app.url);
      const spam = await submit(seeded.formId, { name: 'Spammer', email: 'spam@example.com', message: 'Cheap watches, buy now.', consent: true });
      const held = await submit(seeded.formId, { name: 'Over quota', email: 'held@example.com', message: 'Past the free plan.', consent: true });
      const marked = await send(`${app.url}/api/submissions/${spam}`, { method: 'PATCH', headers, body: JSON.stringify({ status: 'spam' }) });
      assert.equal(marked.status, 200, marked.text);
      await opened.db.query(`update submissions set status = 'held' where id = $1`, [held]);

      worker({ SMTP_URL: mail.url });
      const spamJob = await settledJob(spam, 'dead');
      const heldJob = await settledJob(held, 'dead');
      await stopWorkers();
      assert.equal(spamJob.last_error, 'not sent: the submission was marked as spam');
      assert.equal(heldJob.last_error, "not sent: the submission is held (over the plan's quota)");
      assert.equal(mailsFor(mail, spam).length + mailsFor(mail, held).length, 0);

      // The owner says it is not spam after all, and sends the notification from the console.
      const unmarked = await send(`${app.url}/api/submissions/${spam}`, { method: 'PATCH', headers, body: JSON.stringify({ status: 'new' }) });
      assert.equal(unmarked.status, 200, unmarked.text);
      const retried = await send(`${app.url}/api/deliveries/${spamJob.id}/retry`, { method: 'POST', headers });
      assert.equal(retried.status, 202, retried.text);
      worker({ SMTP_URL: mail.url });
      await settledJob(spam, 'done');
      await stopWorkers();
      assert.equal(mailsFor(mail, spam).length, 1);
      assert.deepEqual((await historyOf(spamJob.id)).map((h) => [h.outcome, h.error]), [
        ['dead', 'not sent: the submission was marked as spam'],
        ['sent', null],
      ]);
      await mail.stop();
    });

    it('after JOB_MAX_ATTEMPTS failed attempts (the SMTP server never comes back) the notification is dead, each retry after its backoff', async () => {
      const port = await freePort();
      const seeded = await seedAccount(opened.db);
      const id = await submit(seeded.formId, { name: 'Unlucky', email: 'unlucky@example.com', message: 'Nobody is listening.', consent: true });
      worker({ SMTP_URL: `smtp://127.0.0.1:${port}`, JOB_MAX_ATTEMPTS: '3', JOB_RETRY_BASE_MS: '100' });
      const job = await settledJob(id, 'dead');
      await stopWorkers();
      assert.equal(job.attempts, 3);
      assert.match(job.last_error ?? '', /^email: .*ECONNREFUSED/);
      const history = await historyOf(job.id);
      assert.deepEqual(history.map((h) => [h.attempt, h.outcome]), [[1, 'failed'], [2, 'failed'], [3, 'dead']]);
      // Each retry waited at least the least its backoff allows: 100 ms × 2^(attempt-1) × 0.5.
      const gaps = history.slice(1).map((h, i) => h.created_at.getTime() - (history[i] as { created_at: Date }).created_at.getTime());
      assert.ok((gaps[0] ?? 0) >= 50, `first wait ${gaps[0]} ms`);
      assert.ok((gaps[1] ?? 0) >= 100, `second wait ${gaps[1]} ms`);
      // Dead is final: no more attempts come.
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal((await historyOf(job.id)).length, 3);
    });

    it('a wrong SMTP password (535) or a missing login (530) is retried, not dead; once the setting is fixed the email goes out once', async () => {
      const login = { user: 'formline', pass: 'right-password' };
      const mail = await mailServer(0, { login });
      const seeded = await seedAccount(opened.db);
      const id = await submit(seeded.formId, { name: 'Patient', email: 'patient@example.com', message: 'Behind a locked server.', consent: true });
      const retriedWith = async (pattern: RegExp, after: number) =>
        eventually(async () => {
          const [job] = await jobsOf(id);
          return job && job.attempts >= after && pattern.test(job.last_error ?? '') ? job : undefined;
        }, `a retried ${pattern}`);

      worker({ SMTP_URL: `smtp://formline:wrong-password@127.0.0.1:${mail.port}` });
      await retriedWith(/535/, 2);
      await stopWorkers();
      worker({ SMTP_URL: mail.url });
      const [attempts] = await jobsOf(id);
      await retriedWith(/530/, (attempts?.attempts ?? 0) + 2);
      await stopWorkers();
      const [waiting] = await jobsOf(id);
      assert.equal(waiting?.status, 'queued');
      assert.ok(!(await historyOf(waiting.id)).some((h) => h.outcome === 'dead'), 'a login problem killed the notification');

      worker({ SMTP_URL: `smtp://formline:right-password@127.0.0.1:${mail.port}` });
      await settledJob(id, 'done');
      await stopWorkers();
      assert.equal(mailsFor(mail, id).length, 1);
      await mail.stop();
    });

    describe('webhooks', () => {
      let receiver: http.Server;
      let receiverUrl: string;
      const received: { body: string; signature: string; verified: boolean }[] = [];
      let answer = 200;
      let seeded: Seeded;
      let verify: Awaited<ReturnType<typeof readmeVerifier>>;
      const SECRET = 'whsec_test_0123456789abcdef';
      /** A server on loopback that records what reaches it and answers with `respond` (or never). */
      const listener = async (respond: ((res: http.ServerResponse) => void) | null) => {
        const hits: string[] = [];
        const server = http.createServer((req, res) => {
          hits.push(`${req.method} ${req.url}`);
          req.resume();
          if (respond) req.on('end', () => respond(res));
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        const close = () => {
          server.closeAllConnections();
          return new Promise<void>((resolve) => server.close(() => resolve()));
        };
        cleanups.push(close);
        return { hits, port: (server.address() as AddressInfo).port, close };
      };
      const hookForm = (webhookUrl: string) => seedAccount(opened.db, { settings: { notifyEmails: [], webhookUrl, webhookSecret: SECRET } });

      before(async () => {
        // Every delivery is checked with the verifier the README shows receivers.
        verify = await readmeVerifier();
        receiver = http.createServer((req, res) => {
          let body = '';
          req.on('data', (chunk: Buffer) => (body += chunk.toString()));
          req.on('end', () => {
            const signature = String(req.headers['formline-signature'] ?? '');
            received.push({ body, signature, verified: verify(signature, body, SECRET) });
            res.writeHead(answer).end();
          });
        });
        await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
        receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/formline`;
        seeded = await hookForm(receiverUrl);
      });
      after(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

      it("POSTs the submission JSON signed with the form secret; a 5xx is retried; every signature verifies with the README's verifier", async () => {
        answer = 503;
        const id = await submit(seeded.formId, { name: 'Hook', email: 'hook@example.com', message: 'To the webhook.', consent: true });
        worker({ WEBHOOK_ALLOW_PRIVATE: 'true' });
        await eventually(async () => (received.length >= 2 ? true : undefined), 'a retried webhook');
        answer = 200;
        await eventually(async () => ((await jobsOf(id))[0]?.status === 'done' ? true : undefined), 'the delivered webhook');
        await stopWorkers();
        assert.ok(received.length >= 3);
        assert.ok(received.every((r) => r.verified), 'a signature did not verify');
        const [stored] = await opened.db.query<{ form_name: string; site_name: string; created_at: Date }>(
          `select f.name as form_name, si.name as site_name, s.created_at
             from submissions s join forms f on f.id = s.form_id join sites si on si.id = s.site_id where s.id = $1`,
          [id],
        );
        assert.ok(stored);
        assert.deepEqual(JSON.parse(received.at(-1)?.body ?? '{}'), {
          id,
          formId: seeded.formId,
          formName: stored.form_name,
          siteId: seeded.siteId,
          siteName: stored.site_name,
          createdAt: stored.created_at.toISOString(),
          data: { name: 'Hook', email: 'hook@example.com', topic: '', message: 'To the webhook.', consent: true },
        });
        // A forged body, another secret, or a stale time does not verify against the same header.
        const last = received.at(-1) as { body: string; signature: string };
        assert.equal(verify(last.signature, last.body.replace('Hook', 'Hack'), SECRET), false);
        assert.equal(verify(last.signature, last.body, 'whsec_another_secret_000000'), false);
        assert.equal(verify(last.signature, last.body, SECRET, -1), false);
        assert.equal(verify('t=1,v1=00', last.body, SECRET), false);
      });

      it('refuses loopback and private targets by the address their name resolves to (dead at once, nothing connected), and refuses them by form', async () => {
        const trap = await listener((res) => res.writeHead(200).end());
        // "localhost" over https: not refused for its scheme; the DNS guard refuses where it leads.
        const local = await hookForm(`https://localhost:${trap.port}/hook`);
        const localId = await submit(local.formId, { name: 'Ssrf', email: 'ssrf@example.com', message: 'Aimed inside.', consent: true });
        // A public-looking name whose DNS answer is a private address (a hostile record, or rebinding).
        const rebound = await hookForm(`https://hooks.rebound.example:${trap.port}/hook`);
        const reboundId = await submit(rebound.formId, { name: 'Ssrf', email: 'ssrf@example.com', message: 'Aimed inside.', consent: true });
        // (The system's DNS for every other name, localhost included.)
        const resolve: ResolveName = (hostname, callback) =>
          hostname === 'hooks.rebound.example'
            ? callback(null, [{ address: '10.0.0.7', family: 4 }])
            : dns.lookup(hostname, { all: true }, (error, addresses) => callback(error, error ? [] : addresses));
        worker({}, (config) => ({ webhook: webhookChannel({ allowPrivate: false, timeoutMs: config.worker.webhookTimeoutMs, resolve }) }));
        const localJob = await settledJob(localId, 'dead');
        const reboundJob = await settledJob(reboundId, 'dead');
        await stopWorkers();
        for (const job of [localJob, reboundJob]) assert.equal(job.attempts, 1);
        assert.match(localJob.last_error ?? '', /^webhook refused: localhost resolves to the internal address (127\.0\.0\.1|::1)$/);
        assert.equal(reboundJob.last_error, 'webhook refused: hooks.rebound.example resolves to the internal address 10.0.0.7');
        assert.deepEqual(trap.hits, []);
        await trap.close();

        // What is internal by its form is refused without a lookup.
        for (const url of [
          'https://10.0.0.7/hook',
          'https://192.168.1.1/hook',
          'https://169.254.169.254/latest/meta-data',
          'https://[::1]/hook',
          'https://[fe80::1]/hook',
          'https://[::ffff:127.0.0.1]/hook',
          'https://localhost/hook',
          'https://localhost./hook',
          'https://db.internal/hook',
          'http://hooks.example.com/hook',
          'https://user:pw@hooks.example.com/hook',
        ]) {
          assert.ok(webhookTargetProblem(url, false), url);
        }
        assert.equal(webhookTargetProblem('https://hooks.example.com/formline', false), null);
        assert.equal(webhookTargetProblem('http://127.0.0.1:9999/hook', true), null);
        assert.equal(isInternalAddress('93.184.216.34'), false);
        assert.equal(isInternalAddress('2606:2800:220:1:248:1893:25c8:1946'), false);
        assert.equal(isInternalAddress('100.64.0.1'), true);
      });

      it('does not follow redirects (a 3xx is a failed attempt) and gives up on a receiver that never answers after WEBHOOK_TIMEOUT_MS', async () => {
        const inside = await listener((res) => res.writeHead(200).end());
        const redirector = await listener((res) => res.writeHead(302, { location: `http://127.0.0.1:${inside.port}/internal` }).end());
        const silent = await listener(null);
        const redirected = await hookForm(`http://127.0.0.1:${redirector.port}/hook`);
        const stalled = await hookForm(`http://127.0.0.1:${silent.port}/hook`);
        const redirectedId = await submit(redirected.formId, { name: 'Moved', email: 'moved@example.com', message: 'Follow me inside.', consent: true });
        const stalledId = await submit(stalled.formId, { name: 'Silent', email: 'silent@example.com', message: 'Nobody answers.', consent: true });
        worker({ WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_TIMEOUT_MS: '300', JOB_MAX_ATTEMPTS: '1' });
        const redirectedJob = await settledJob(redirectedId, 'dead');
        const stalledJob = await settledJob(stalledId, 'dead');
        await stopWorkers();
        assert.equal(redirectedJob.last_error, 'webhook: the receiver answered 302 (redirects are not followed)');
        assert.deepEqual(redirector.hits, ['POST /hook']);
        assert.deepEqual(inside.hits, []);
        assert.equal(stalledJob.last_error, 'webhook: no answer within 300 ms');
        assert.deepEqual(silent.hits, ['POST /hook']);
        await Promise.all([inside.close(), redirector.close(), silent.close()]);
      });

      it('refuses, when a form is saved, a webhook URL the worker would never deliver to (422 naming settings.webhookUrl), unless WEBHOOK_ALLOW_PRIVATE', async () => {
        const owner = await seedAccount(opened.db);
        const headers = consoleHeaders(await signIn(app.url, owner.email, owner.password), app.url);
        const patch = (base: string, h: Record<string, string>, webhookUrl: string) =>
          send(`${base}/api/forms/${owner.formId}`, { method: 'PATCH', headers: h, body: JSON.stringify({ settings: { webhookUrl } }) });
        for (const [url, why] of [
          ['http://hooks.example.com/in', 'webhooks are sent over https only'],
          ['https://10.0.0.7/in', '10.0.0.7 is an internal address'],
          ['https://169.254.169.254/latest', '169.254.169.254 is an internal address'],
          ['https://[::1]/in', '::1 is an internal address'],
          ['https://localhost/in', 'localhost is an internal name'],
          ['https://user:pw@hooks.example.com/in', 'credentials in the URL'],
        ] as const) {
          const refused = await patch(app.url, headers, url);
          assert.equal(refused.status, 422, url);
          assert.deepEqual(errorOf(refused), {
            code: 'validation_failed',
            message: 'Some values need attention.',
            fields: { 'settings.webhookUrl': `must be an https URL on a public host (${why})` },
          });
        }
        const created = await send(`${app.url}/api/forms`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ siteId: owner.siteId, name: 'Hooked', settings: { webhookUrl: 'https://192.168.1.10/in' } }),
        });
        assert.equal(created.status, 422);
        assert.deepEqual(Object.keys(errorOf(created).fields ?? {}), ['settings.webhookUrl']);
        const accepted = await patch(app.url, headers, 'https://hooks.example.com/formline');
        assert.equal(accepted.status, 200, accepted.text);
        assert.equal((accepted.body as { settings: { webhookUrl: string } }).settings.webhookUrl, 'https://hooks.example.com/formline');

        // A development service that allows private targets takes a local receiver.
        const development = await startTestApp(opened.db, { WEBHOOK_ALLOW_PRIVATE: 'true' });
        try {
          const devHeaders = consoleHeaders(await signIn(development.url, owner.email, owner.password), development.url);
          const local = await patch(development.url, devHeaders, 'http://127.0.0.1:9999/hook');
          assert.equal(local.status, 200, local.text);
        } finally {
          await development.close();
        }
      });
    });

    describe('WhatsApp through Twilio', () => {
      let twilio: TwilioStandIn;
      const SID = TWILIO_SID;
      const TOKEN = TWILIO_TOKEN;
      const TEMPLATE = 'HX0123456789abcdef0123456789abcdef';
      const STATUS_CALLBACK = `${PUBLIC_URL}/v1/twilio/status`;
      const twilioEnv = (extra: Env = {}): Env => ({
        TWILIO_ACCOUNT_SID: SID,
        TWILIO_AUTH_TOKEN: TOKEN,
        TWILIO_WHATSAPP_FROM: '+14155238886',
        TWILIO_API_BASE: twilio.apiBase,
        WHATSAPP_DIGEST_SECONDS: '2',
        ...extra,
      });
      const requestsTo = (number: string) => twilio.requests.filter((r) => r.params['To'] === `whatsapp:${number}`);
      const alertForm = (numbers: string[], settings: Record<string, unknown> = {}) =>
        seedAccount(opened.db, { settings: { notifyEmails: [], notifyWhatsapp: numbers, ...settings } });
      const alert = { name: 'Ada Lovelace', email: 'ada@example.com', message: 'Please call me back about the quote.', consent: true };
      const settled = (id: string, status: string) =>
        eventually(async () => {
          const jobs = await jobsOf(id);
          return jobs.length && jobs.every((job) => job.status === status) ? jobs : undefined;
        }, `jobs ${status}`);
      const jobTo = async (id: string, number: string) =>
        (await opened.db.query<{ id: number; status: string; attempts: number; last_error: string | null }>(
          'select id, status, attempts, last_error from jobs where submission_id = $1 and target = $2',
          [id, number],
        ))[0];

      before(async () => {
        // Twilio (the stand-in) checks the credentials and reports each message's fate to the
        // StatusCallback it was given, which holds PUBLIC_URL: those reports reach the test app.
        twilio = await startTwilioStandIn({ accountSid: SID, authToken: TOKEN });
        twilio.route(PUBLIC_URL, app.url);
      });
      after(() => twilio.close());

      it('sends the approved template (ContentSid + ContentVariables) from the WhatsApp sender to each admin, with basic auth', async () => {
        const numbers = ['+14155550100', '+447700900123'];
        const seeded = await alertForm(numbers);
        const id = await submit(seeded.formId, alert);
        worker(twilioEnv({ TWILIO_WHATSAPP_CONTENT_SID: TEMPLATE }));
        await settled(id, 'done');
        await stopWorkers();
        for (const number of numbers) {
          const [request] = requestsTo(number);
          assert.ok(request, number);
          assert.equal(request.accountSid, SID);
          assert.equal(request.authorization, 'Basic ' + Buffer.from(`${SID}:${TOKEN}`).toString('base64'));
          assert.equal(request.params['From'], 'whatsapp:+14155238886');
          assert.equal(request.params['StatusCallback'], STATUS_CALLBACK);
          assert.equal(request.params['ContentSid'], TEMPLATE);
          assert.equal(request.params['Body'], undefined);
          assert.deepEqual(JSON.parse(request.params['ContentVariables'] ?? '{}'), {
            1: (await opened.db.query<{ name: string }>('select name from forms where id = $1', [seeded.formId]))[0]?.name,
            2: 'Your name: Ada Lovelace · Email: ada@example.com · Message: Please call me back about the quote.',
            3: `http://console.formline.test/console/#/submissions/${id}`,
          });
          // The message's SID is kept with the attempt (Twilio's later reports name it), and shown.
          const job = await jobTo(id, number);
          assert.deepEqual((await historyOf(job?.id ?? 0)).map((h) => [h.outcome, h.provider_id]), [['sent', request.sid]]);
        }
        const cookie = await signIn(app.url, seeded.email, seeded.password);
        const listed = await send(`${app.url}/api/submissions/${id}/deliveries`, { headers: consoleHeaders(cookie, app.url) });
        const items = (listed.body as { items: { target: string; history: { outcome: string; providerId: string | null }[] }[] }).items;
        assert.deepEqual(
          items.map((item) => [item.target, item.history.map((h) => [h.outcome, h.providerId])]),
          numbers.map((number) => [number, [['sent', requestsTo(number)[0]?.sid]]]),
        );
      });

      it("uses the form's own template over the service's, and a free-form Body only where no template is configured", async () => {
        const own = 'HXfedcba9876543210fedcba9876543210';
        const withOwn = await alertForm(['+14155550111'], { whatsappContentSid: own });
        const plain = await alertForm(['+14155550112']);
        const ownId = await submit(withOwn.formId, alert);
        worker(twilioEnv({ TWILIO_WHATSAPP_CONTENT_SID: TEMPLATE }));
        await settled(ownId, 'done');
        await stopWorkers();
        assert.equal(requestsTo('+14155550111')[0]?.params['ContentSid'], own);
        const plainId = await submit(plain.formId, alert);
        worker(twilioEnv());
        await settled(plainId, 'done');
        await stopWorkers();
        const [request] = requestsTo('+14155550112');
        assert.equal(request?.params['ContentSid'], undefined);
        assert.match(request?.params['Body'] ?? '', /^New submission to “Form \d+”: Your name: Ada Lovelace · Email: ada@example\.com · Message: Please call me back about the quote\.\nhttp:\/\/console\.formline\.test\/console\/#\/submissions\//);
      });

      it('retries 429 and 5xx; dead-letters an invalid number at once (one request); records a 63016 answered at once as needing a template', async () => {
        const seeded = await alertForm([NUMBERS.busy, NUMBERS.flaky, NUMBERS.invalid, NUMBERS.outsideWindowAtOnce]);
        const id = await submit(seeded.formId, alert);
        worker(twilioEnv());
        const jobs = await eventually(async () => {
          const all = await jobsOf(id);
          return all.every((job) => job.status === 'done' || job.status === 'dead') ? all : undefined;
        }, 'every WhatsApp job settled');
        // Give a retry storm the chance to show itself.
        await new Promise((resolve) => setTimeout(resolve, 400));
        await stopWorkers();
        const byTarget = Object.fromEntries(
          (await opened.db.query<{ target: string; status: string; attempts: number; last_error: string | null }>(
            'select target, status, attempts, last_error from jobs where submission_id = $1',
            [id],
          )).map((job) => [job.target, job]),
        );
        assert.equal(jobs.length, 4);
        assert.deepEqual([byTarget[NUMBERS.busy]?.status, byTarget[NUMBERS.busy]?.attempts], ['done', 2]);
        assert.deepEqual(requestsTo(NUMBERS.busy).map((r) => r.status), [429, 201]);
        assert.deepEqual([byTarget[NUMBERS.flaky]?.status, byTarget[NUMBERS.flaky]?.attempts], ['done', 2]);
        assert.deepEqual(requestsTo(NUMBERS.flaky).map((r) => r.status), [503, 201]);
        assert.deepEqual([byTarget[NUMBERS.invalid]?.status, byTarget[NUMBERS.invalid]?.attempts], ['dead', 1]);
        assert.equal(requestsTo(NUMBERS.invalid).length, 1);
        assert.match(byTarget[NUMBERS.invalid]?.last_error ?? '', /400 \(21211\)/);
        assert.deepEqual([byTarget[NUMBERS.outsideWindowAtOnce]?.status, byTarget[NUMBERS.outsideWindowAtOnce]?.attempts], ['dead', 1]);
        assert.equal(requestsTo(NUMBERS.outsideWindowAtOnce).length, 1);
        assert.equal(byTarget[NUMBERS.outsideWindowAtOnce]?.last_error, OUTSIDE_WINDOW_REASON);
      });

      it("records 63016 when Twilio reports it later (status callback): dead, with the template reason, not retried blindly", async () => {
        const lostOnce = '+14155550161';
        twilio.failNext(lostOnce, 30008);
        const seeded = await alertForm([NUMBERS.outsideWindow, NUMBERS.unreachable, lostOnce]);
        const id = await submit(seeded.formId, alert);
        worker(twilioEnv());
        const outside = await eventually(async () => ((await jobTo(id, NUMBERS.outsideWindow))?.status === 'dead' ? jobTo(id, NUMBERS.outsideWindow) : undefined), 'the 63016 report');
        const unreachable = await eventually(async () => ((await jobTo(id, NUMBERS.unreachable))?.status === 'dead' ? jobTo(id, NUMBERS.unreachable) : undefined), 'the 63003 report');
        const lost = await eventually(async () => {
          const job = await jobTo(id, lostOnce);
          return job?.status === 'done' && job.attempts === 2 ? job : undefined;
        }, 'the retried message');
        // Give a blind retry the chance to show itself.
        await new Promise((resolve) => setTimeout(resolve, 300));
        await stopWorkers();

        // Accepted (201 queued), then reported failed with 63016: dead, saying what to do.
        const [outsideRequest] = requestsTo(NUMBERS.outsideWindow);
        assert.equal(requestsTo(NUMBERS.outsideWindow).length, 1);
        assert.equal(outsideRequest?.status, 201);
        assert.ok(outsideRequest?.params['Body']);
        assert.equal(outside?.attempts, 1);
        assert.equal(outside?.last_error, OUTSIDE_WINDOW_REASON);
        assert.deepEqual((await historyOf(outside?.id ?? 0)).map((h) => [h.attempt, h.outcome, h.error, h.provider_id]), [
          [1, 'sent', null, outsideRequest?.sid],
          [1, 'dead', OUTSIDE_WINDOW_REASON, outsideRequest?.sid],
        ]);
        // A number that is not on WhatsApp: dead, once.
        assert.equal(requestsTo(NUMBERS.unreachable).length, 1);
        assert.deepEqual((await historyOf(unreachable?.id ?? 0)).map((h) => h.outcome), ['sent', 'dead']);
        assert.match(unreachable?.last_error ?? '', /^whatsapp \(63003\): Twilio reported the message undelivered/);
        // Any other failure is retried with backoff, and the retry goes out.
        assert.deepEqual(requestsTo(lostOnce).map((r) => r.status), [201, 201]);
        assert.deepEqual((await historyOf(lost.id)).map((h) => [h.attempt, h.outcome]), [[1, 'sent'], [1, 'failed'], [2, 'sent']]);
        assert.match((await historyOf(lost.id))[1]?.error ?? '', /^whatsapp \(30008\): Twilio reported the message failed/);
        // Every report was taken (204); the sent and delivered ones changed nothing.
        const reports = twilio.callbacks.filter((c) => [outsideRequest?.sid, ...requestsTo(lostOnce).map((r) => r.sid)].includes(c.params['MessageSid']));
        assert.deepEqual(reports.map((c) => [c.params['MessageStatus'], c.answer]), [['failed', 204], ['failed', 204], ['sent', 204], ['delivered', 204]]);
      });

      it('refuses a forged status report (403); a report Twilio sends again changes nothing', async () => {
        const admin = '+14155550151';
        const lostOnce = '+14155550152';
        twilio.failNext(lostOnce, 30008);
        const seeded = await alertForm([admin, NUMBERS.outsideWindow, lostOnce]);
        const id = await submit(seeded.formId, alert);
        worker(twilioEnv());
        await eventually(async () => ((await jobTo(id, NUMBERS.outsideWindow))?.status === 'dead' ? true : undefined), 'the 63016 report');
        const delivered = await eventually(async () => ((await jobTo(id, admin))?.status === 'done' ? jobTo(id, admin) : undefined), 'the delivered alert');
        const lostJob = await eventually(async () => {
          const job = await jobTo(id, lostOnce);
          return job?.status === 'done' && job.attempts === 2 ? job : undefined;
        }, 'the retried alert');
        await stopWorkers();
        const sid = requestsTo(admin)[0]?.sid as string;
        const before = await historyOf(delivered?.id ?? 0);
        const report = (params: Record<string, string>, signature: string, path = '/v1/twilio/status') =>
          send(`${app.url}${path}`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded', ...(signature ? { 'x-twilio-signature': signature } : {}) },
            body: new URLSearchParams(params).toString(),
          });
        const failed = { AccountSid: SID, MessageSid: sid, MessageStatus: 'failed', ErrorCode: '30008', To: `whatsapp:${admin}` };
        const forgeries: [string, Record<string, string>, string][] = [
          ['no signature', failed, ''],
          ['signed with another token', failed, twilioSignature('not-the-auth-token', STATUS_CALLBACK, failed)],
          ["signed over the service's private address, not PUBLIC_URL", failed, twilioSignature(TOKEN, `${app.url}/v1/twilio/status`, failed)],
          ['a signed report with its status changed', { ...failed, MessageStatus: 'undelivered' }, twilioSignature(TOKEN, STATUS_CALLBACK, failed)],
        ];
        for (const [what, params, signature] of forgeries) {
          const refused = await report(params, signature);
          assert.equal(refused.status, 403, what);
          assert.equal(errorOf(refused).code, 'invalid_signature', what);
        }
        assert.deepEqual(await historyOf(delivered?.id ?? 0), before);
        assert.equal((await jobTo(id, admin))?.status, 'done');

        // Twilio sends the reports it already sent again: nothing changes.
        const outsideSid = requestsTo(NUMBERS.outsideWindow).at(-1)?.sid;
        const sent = await eventually(async () => {
          const reports = twilio.callbacks.filter((c) => c.params['MessageSid'] === sid || c.params['MessageSid'] === outsideSid);
          return reports.length === 3 ? reports : undefined;
        }, "the reports Twilio sent");
        assert.deepEqual(sent.map((c) => c.params['MessageStatus']).sort(), ['delivered', 'failed', 'sent']);
        const outsideBefore = await historyOf((await jobTo(id, NUMBERS.outsideWindow))?.id ?? 0);
        for (const callback of sent) assert.equal(await twilio.replay(callback), 204);
        // The oldest: the failure of a message whose job was retried and delivered since.
        const stale = twilio.callbacks.find((c) => c.params['MessageSid'] === requestsTo(lostOnce)[0]?.sid && c.params['MessageStatus'] === 'failed');
        assert.ok(stale, 'the 30008 report');
        const lostBefore = await historyOf(lostJob.id);
        assert.deepEqual(lostBefore.map((h) => h.outcome), ['sent', 'failed', 'sent']);
        assert.equal(await twilio.replay(stale), 204);
        assert.deepEqual(await historyOf(lostJob.id), lostBefore);
        assert.deepEqual(await jobTo(id, lostOnce), lostJob);
        assert.deepEqual(await historyOf(delivered?.id ?? 0), before);
        assert.deepEqual(await historyOf((await jobTo(id, NUMBERS.outsideWindow))?.id ?? 0), outsideBefore);
        assert.deepEqual((await jobsOf(id)).map((job) => job.status).sort(), ['dead', 'done', 'done']);
      });

      it('retries bad Twilio credentials (401) instead of giving up; with the right token the alert goes out', async () => {
        const seeded = await alertForm(['+14155550141']);
        const id = await submit(seeded.formId, alert);
        worker(twilioEnv({ TWILIO_AUTH_TOKEN: 'a-wrong-auth-token' }));
        const failing = await eventually(async () => {
          const job = await jobTo(id, '+14155550141');
          return job && job.attempts >= 2 ? job : undefined;
        }, 'retried attempts');
        await stopWorkers();
        assert.match(failing.last_error ?? '', /^whatsapp 401 \(20003\): /);
        assert.ok(!(await historyOf(failing.id)).some((h) => h.outcome === 'dead'), 'bad credentials killed the alert');
        worker(twilioEnv());
        await settled(id, 'done');
        await stopWorkers();
        assert.equal(requestsTo('+14155550141').at(-1)?.status, 201);
      });

      it('turns a burst into one alert now and one digest, per admin, not a flood', async () => {
        const numbers = ['+14155550121', '+14155550122'];
        const seeded = await alertForm(numbers);
        const ids: string[] = [];
        for (let i = 0; i < 7; i++) ids.push(await submit(seeded.formId, { ...alert, name: `Burst ${i}` }));
        worker(twilioEnv());
        for (const id of ids) await settled(id, 'done');
        // Nothing more comes once the window is over.
        await new Promise((resolve) => setTimeout(resolve, 2500));
        await stopWorkers();
        for (const number of numbers) {
          const sent = requestsTo(number);
          assert.ok(sent.length >= 1 && sent.length <= 2, `${sent.length} messages to ${number}`);
          const total = sent.reduce((sum, r) => sum + (/^(\d+) new submissions/.exec(r.params['Body'] ?? '')?.[1] ? Number(/^(\d+)/.exec(r.params['Body'] ?? '')?.[1]) : 1), 0);
          assert.equal(total, 7, `every submission is in an alert to ${number}`);
        }
        const more = await submit(seeded.formId, { ...alert, name: 'After the burst' });
        worker(twilioEnv());
        await settled(more, 'done');
        await stopWorkers();
      });

      it('without Twilio settings the alerts wait, with the reason', async () => {
        const seeded = await alertForm(['+14155550131']);
        const id = await submit(seeded.formId, alert);
        assert.match(await waitingReason(seeded, id), /^waiting: TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_WHATSAPP_FROM must be set/);
        assert.equal(requestsTo('+14155550131').length, 0);
      });
    });
  });
}
