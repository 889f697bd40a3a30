// The outbox's claims and leases, on a database of its own: a worker whose lease ran out cannot
// settle a job another worker has claimed since; a worker keeps its lease while it is still
// delivering; an expired lease is only taken over by a worker that can deliver that kind of job;
// and retries wait exponentially longer, spread by jitter.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../ingest/config.ts';
import { createLogger } from '../ingest/logger.ts';
import { MAX_BACKOFF_MS, backoffMs } from '../ingest/notify/backoff.ts';
import type { Channel } from '../ingest/notify/channel.ts';
import { claimJobs, settleJob, type OutboxJob } from '../ingest/store/jobs.ts';
import { saveConfirmedRecipientFixture } from '../ingest/store/recipients.ts';
import { defaultChannels, startWorker } from '../ingest/worker.ts';
import { databaseTargets, type OpenedDatabase } from './helpers/databases.ts';
import { seedAccount } from './helpers/harness.ts';

describe('retry backoff', () => {
  const BASE = 1000;

  it('doubles with each attempt, from the base, spread over ±50% by jitter', () => {
    for (const attempt of [1, 2, 3, 4, 5]) {
      const middle = BASE * 2 ** (attempt - 1);
      assert.equal(backoffMs(attempt, BASE, () => 0), middle * 0.5, `attempt ${attempt}, least`);
      assert.equal(backoffMs(attempt, BASE, () => 0.5), middle, `attempt ${attempt}, middle`);
      assert.equal(backoffMs(attempt, BASE, () => 0.75), middle * 1.25, `attempt ${attempt}, above the middle`);
    }
  });

  it('never waits more than the cap (plus its jitter), however many attempts went before', () => {
    assert.equal(backoffMs(40, BASE, () => 0.5), MAX_BACKOFF_MS);
    assert.ok(backoffMs(40, BASE) < MAX_BACKOFF_MS * 1.5);
  });

  it('spreads jobs that failed together: the delays differ and stay within their bounds', () => {
    const delays = Array.from({ length: 200 }, () => backoffMs(3, BASE));
    assert.ok(delays.every((delay) => delay >= 2000 && delay < 6000), 'a delay out of bounds');
    assert.ok(new Set(delays).size > 150, 'the delays are not spread');
    assert.ok(delays.some((delay) => delay < 3000) && delays.some((delay) => delay > 5000), 'the delays do not cover the range');
  });
});

for (const target of databaseTargets) {
  describe(`the outbox's leases on ${target.name}`, () => {
    let opened: OpenedDatabase;
    before(async () => {
      opened = await target.open();
    });
    after(() => opened.close());

    /** A submission to a new form, with one queued job of `kind`; returns the job id. */
    const queueJob = async (kind: string, jobTarget = 'owner@shop.example'): Promise<{ jobId: number; submissionId: string }> => {
      const seeded = await seedAccount(opened.db, { settings: { notifyEmails: [] } });
      const [submission] = await opened.db.query<{ id: string }>(
        `insert into submissions (id, form_id, site_id, account_id, data) values (gen_random_uuid(), $1, $2, $3, '{"name":"Ada"}') returning id`,
        [seeded.formId, seeded.siteId, seeded.accountId],
      );
      const [job] = await opened.db.query<{ id: number }>('insert into jobs (submission_id, kind, target) values ($1, $2, $3) returning id', [submission?.id, kind, jobTarget]);
      // An alert's recipient must have confirmed before a worker claims it (double opt-in): this one has.
      if (kind === 'email' || kind === 'whatsapp') await saveConfirmedRecipientFixture(opened.db, seeded.accountId, kind, jobTarget);
      return { jobId: Number(job?.id), submissionId: submission?.id as string };
    };
    const jobRow = async (jobId: number) =>
      (await opened.db.query<{ status: string; attempts: number; last_error: string | null }>('select status, attempts, last_error from jobs where id = $1', [jobId]))[0];
    const attemptsOf = (jobId: number) =>
      opened.db.query<{ attempt: number; outcome: string; error: string | null }>('select attempt, outcome, error from delivery_attempts where job_id = $1 order by id', [jobId]);
    const claimOnly = async (jobId: number, leaseSeconds: number): Promise<OutboxJob> => {
      const claimed = await claimJobs(opened.db, 100, leaseSeconds, ['webhook']);
      const job = claimed.find((c) => c.id === jobId);
      assert.ok(job, `job ${jobId} was not claimed`);
      return job;
    };

    it("a worker whose lease ran out cannot settle the job: the second worker's claim and outcome stand", async () => {
      const { jobId } = await queueJob('webhook', 'https://hooks.shop.example/in');
      const first = await claimOnly(jobId, 0.05);
      assert.equal(first.attempt, 1);
      await new Promise((resolve) => setTimeout(resolve, 150));
      // The lease ran out: another worker claims the job again, as attempt 2.
      const second = await claimOnly(jobId, 120);
      assert.equal(second.attempt, 2);
      // The first worker comes back late and would record it as sent: refused, nothing changes.
      assert.equal(await settleJob(opened.db, first, 'sent', null, null), false);
      assert.deepEqual(await jobRow(jobId), { status: 'running', attempts: 2, last_error: null });
      assert.deepEqual(await attemptsOf(jobId), []);
      // The holder settles it.
      assert.equal(await settleJob(opened.db, second, 'dead', 'webhook: the receiver answered 410', null), true);
      // A second late settle of the same claim changes nothing either.
      assert.equal(await settleJob(opened.db, second, 'sent', null, null), false);
      assert.equal(await settleJob(opened.db, first, 'failed', 'late', new Date()), false);
      assert.deepEqual(await attemptsOf(jobId), [{ attempt: 2, outcome: 'dead', error: 'webhook: the receiver answered 410' }]);
      assert.deepEqual(await jobRow(jobId), { status: 'dead', attempts: 2, last_error: 'webhook: the receiver answered 410' });
    });

    it('a worker keeps its lease while it is still delivering: a second worker does not take the job over', async () => {
      const { jobId } = await queueJob('email');
      const deliveries: number[] = [];
      // An email that takes several leases to send (a slow SMTP server).
      const slowEmail: Channel = {
        async deliver(job) {
          deliveries.push(job.id);
          await new Promise((resolve) => setTimeout(resolve, 1500));
          return { outcome: 'sent' };
        },
      };
      const config = loadConfig({ LOG_LEVEL: 'silent', WORKER_POLL_MS: '25', PUBLIC_URL: 'http://console.formline.test' });
      const channels = { ...defaultChannels(config, opened.db), email: slowEmail };
      const workers = [0, 1].map(() => startWorker({ db: opened.db, config, logger: createLogger('silent'), channels, leaseSeconds: 0.4 }));
      try {
        const deadline = Date.now() + 20_000;
        while ((await jobRow(jobId))?.status !== 'done') {
          if (Date.now() > deadline) throw new Error('the job was not delivered');
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        // Let the other worker poll on a while: the job is not delivered again.
        await new Promise((resolve) => setTimeout(resolve, 300));
      } finally {
        await Promise.all(workers.map((worker) => worker.stop()));
      }
      assert.deepEqual(deliveries.filter((id) => id === jobId), [jobId]);
      assert.deepEqual(await attemptsOf(jobId), [{ attempt: 1, outcome: 'sent', error: null }]);
      assert.equal((await jobRow(jobId))?.attempts, 1);
    });

    it('an expired lease is taken over only by a worker that delivers that kind of job (no attempt spent elsewhere)', async () => {
      const { jobId } = await queueJob('email');
      // A worker with SMTP claimed it and died: its lease ran out.
      await opened.db.query(`update jobs set status = 'running', attempts = 1, locked_until = now() - interval '1 minute' where id = $1`, [jobId]);
      // A worker without SMTP leaves it alone.
      const config = loadConfig({ LOG_LEVEL: 'silent', WORKER_POLL_MS: '25', PUBLIC_URL: 'http://console.formline.test' });
      const worker = startWorker({ db: opened.db, config, logger: createLogger('silent') });
      await new Promise((resolve) => setTimeout(resolve, 300));
      await worker.stop();
      assert.deepEqual(await jobRow(jobId), { status: 'running', attempts: 1, last_error: null });
      assert.deepEqual(await attemptsOf(jobId), []);
      // One that sends email takes it over.
      assert.equal((await claimJobs(opened.db, 100, 120, ['email'])).find((job) => job.id === jobId)?.attempt, 2);
    });
  });
}
