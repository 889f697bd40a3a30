// Notifications delivered by the worker from the outbox: email to a real SMTP server on loopback
// (content, headers, escaping), through an SMTP outage with two workers at once (each message
// exactly once), jobs that wait while SMTP is not configured, dead letters and the console's retry,
// signed webhooks (every signature verified by the receiver) with SSRF targets refused, and
// WhatsApp alerts through the real `twilio` client against a stand-in of Twilio's Messages API.

import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { loadConfig, type Env } from '../ingest/config.ts';
import { createLogger } from '../ingest/logger.ts';
import { isInternalAddress, webhookTargetProblem } from '../ingest/notify/webhook.ts';
import { startWorker, type Worker } from '../ingest/worker.ts';
import { databaseTargets, type OpenedDatabase } from './helpers/databases.ts';
import { SITE_ORIGIN, consoleHeaders, seedAccount, signIn, startTestApp, type Seeded, type TestApp } from './helpers/harness.ts';
import { errorOf, postJson, send } from './helpers/http.ts';
import { startMailServer, type MailServer } from './helpers/mail-server.ts';
import { freePort } from './helpers/ports.ts';
import { NUMBERS, startTwilioStandIn, type TwilioStandIn } from './helpers/twilio-stand-in.ts';

const OWNER = 'owner@shop.example';
const HOSTILE = {
  name: 'Mallory <script>alert(1)</script>',
  email: 'mallory@example.com',
  message: 'Look: <img src=x onerror=alert(1)> & "quotes" \'too\'\nsecond line',
  consent: true,
};

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

    const worker = (env: Env) => {
      const config = loadConfig({
        PUBLIC_URL: 'http://console.formline.test',
        LOG_LEVEL: 'silent',
        WORKER_POLL_MS: '25',
        JOB_RETRY_BASE_MS: '50',
        JOB_MAX_ATTEMPTS: '40',
        ...env,
      });
      const started = startWorker({ db: opened.db, config, logger: createLogger('silent') });
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
    /** Runs a worker with no channel configured until the submission's job says why it waits. */
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

    before(async () => {
      opened = await target.open();
      app = await startTestApp(opened.db);
    });
    after(async () => {
      await stopWorkers();
      await app.close();
      await opened.close();
    });

    it("emails the owner: form and site in the subject, every value escaped in the HTML, Reply-To the submitter, a console link", async () => {
      const mail = await startMailServer();
      const seeded = await seedAccount(opened.db);
      const id = await submit(seeded.formId, HOSTILE);
      worker({ SMTP_URL: mail.url, MAIL_FROM: 'Formline <alerts@formline.test>' });
      const [message] = await eventually(async () => (mailsFor(mail, id).length ? mailsFor(mail, id) : undefined), 'the email');
      await stopWorkers();
      assert.ok(message);
      assert.match(message.subject ?? '', /^New submission: Form \d+ \(Site \d+\)$/);
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
      const mail = await startMailServer(port);
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
      const mail = await startMailServer();
      worker({ SMTP_URL: mail.url });
      await eventually(async () => (mailsFor(mail, id).length ? true : undefined), 'the waiting email');
      await stopWorkers();
      await mail.stop();
    });

    it('a refused address is dead at once (no retry storm); the console sends it again; only dead ones can be', async () => {
      const mail = await startMailServer();
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
      const mail = await startMailServer();
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
      assert.equal(answers[0]?.subject, 'Thanks, Ada');
      assert.equal(answers[0]?.text?.trim(), 'Hi Ada,\nwe read every message about Sales.');
      assert.equal(answers[0]?.headers.get('auto-submitted'), 'auto-replied');
      await mail.stop();
    });

    describe('webhooks', () => {
      let receiver: http.Server;
      let receiverUrl: string;
      const received: { body: string; signature: string; verified: boolean }[] = [];
      let answer = 200;
      let seeded: Seeded;
      const SECRET = 'whsec_test_0123456789abcdef';

      /** What a receiver does (README): recompute the HMAC over "t.body" and compare in constant time. */
      const verify = (header: string, body: string): boolean => {
        const parts = Object.fromEntries(header.split(',').map((part) => part.split('=') as [string, string]));
        const t = Number(parts['t']);
        if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > 300 || !parts['v1']) return false;
        const expected = createHmac('sha256', SECRET).update(`${t}.${body}`).digest();
        const given = Buffer.from(parts['v1'], 'hex');
        return given.length === expected.length && timingSafeEqual(given, expected);
      };

      before(async () => {
        receiver = http.createServer((req, res) => {
          let body = '';
          req.on('data', (chunk: Buffer) => (body += chunk.toString()));
          req.on('end', () => {
            const signature = String(req.headers['formline-signature'] ?? '');
            received.push({ body, signature, verified: verify(signature, body) });
            res.writeHead(answer).end();
          });
        });
        await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
        receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/formline`;
        seeded = await seedAccount(opened.db, { settings: { notifyEmails: [], webhookUrl: receiverUrl, webhookSecret: SECRET } });
      });
      after(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

      it('POSTs the submission JSON signed with the form secret; a 5xx is retried; every signature verifies', async () => {
        answer = 503;
        const id = await submit(seeded.formId, { name: 'Hook', email: 'hook@example.com', message: 'To the webhook.', consent: true });
        worker({ WEBHOOK_ALLOW_PRIVATE: 'true' });
        await eventually(async () => (received.length >= 2 ? true : undefined), 'a retried webhook');
        answer = 200;
        await eventually(async () => ((await jobsOf(id))[0]?.status === 'done' ? true : undefined), 'the delivered webhook');
        await stopWorkers();
        assert.ok(received.length >= 3);
        assert.ok(received.every((r) => r.verified), 'a signature did not verify');
        const payload = JSON.parse(received.at(-1)?.body ?? '{}') as Record<string, unknown>;
        assert.deepEqual(payload, {
          id,
          formId: seeded.formId,
          formName: payload['formName'],
          siteId: seeded.siteId,
          siteName: payload['siteName'],
          createdAt: payload['createdAt'],
          data: { name: 'Hook', email: 'hook@example.com', topic: '', message: 'To the webhook.', consent: true },
        });
        // A forged body does not verify against the same header.
        assert.equal(verify(received.at(-1)?.signature ?? '', received.at(-1)?.body.replace('Hook', 'Hack') ?? ''), false);
      });

      it('refuses private, loopback and link-local targets (dead at once, nothing sent) unless the development setting allows them', async () => {
        const before = received.length;
        const id = await submit(seeded.formId, { name: 'Ssrf', email: 'ssrf@example.com', message: 'Aimed inside.', consent: true });
        worker({});
        const [job] = await eventually(async () => {
          const jobs = await jobsOf(id);
          return jobs[0]?.status === 'dead' ? jobs : undefined;
        }, 'the refused webhook');
        await stopWorkers();
        assert.equal(job?.attempts, 1);
        assert.match(job?.last_error ?? '', /^webhook refused: /);
        assert.equal(received.length, before);

        for (const url of [
          'https://10.0.0.7/hook',
          'https://192.168.1.1/hook',
          'https://169.254.169.254/latest/meta-data',
          'https://[::1]/hook',
          'https://[fe80::1]/hook',
          'https://[::ffff:127.0.0.1]/hook',
          'https://localhost/hook',
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
    });

    describe('WhatsApp through Twilio', () => {
      let twilio: TwilioStandIn;
      const SID = 'AC0123456789abcdef0123456789abcdef';
      const TOKEN = 'twilio-auth-token-for-tests';
      const TEMPLATE = 'HX0123456789abcdef0123456789abcdef';
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

      before(async () => {
        twilio = await startTwilioStandIn();
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
          assert.equal(request.params['ContentSid'], TEMPLATE);
          assert.equal(request.params['Body'], undefined);
          assert.deepEqual(JSON.parse(request.params['ContentVariables'] ?? '{}'), {
            1: (await opened.db.query<{ name: string }>('select name from forms where id = $1', [seeded.formId]))[0]?.name,
            2: 'Your name: Ada Lovelace · Email: ada@example.com · Message: Please call me back about the quote.',
            3: `http://console.formline.test/console/#/submissions/${id}`,
          });
        }
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
        assert.match(request?.params['Body'] ?? '', /^New submission to Form \d+: Your name: Ada Lovelace · Email: ada@example\.com · Message: Please call me back about the quote\.\nhttp:\/\/console\.formline\.test\/console\/#\/submissions\//);
      });

      it('retries 429 and 5xx; dead-letters an invalid number at once (one request); records 63016 as needing a template', async () => {
        const seeded = await alertForm([NUMBERS.busy, NUMBERS.flaky, NUMBERS.invalid, NUMBERS.outsideWindow]);
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
        assert.deepEqual([byTarget[NUMBERS.outsideWindow]?.status, byTarget[NUMBERS.outsideWindow]?.attempts], ['dead', 1]);
        assert.equal(requestsTo(NUMBERS.outsideWindow).length, 1);
        assert.match(byTarget[NUMBERS.outsideWindow]?.last_error ?? '', /^whatsapp 63016: .*configure an approved template/);
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
