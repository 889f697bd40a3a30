// The notification worker: claims due jobs from the outbox (any number of workers at once, see
// claimJobs), delivers each through its channel, records the attempt, and retries failures with
// exponential backoff and jitter until the last attempt, after which the job is dead (the console
// can send it again). A channel that is not configured leaves its jobs waiting, unclaimed (the
// log says why once, the console on each job): nothing is dropped. Runs inside `npm start`, or alone (`npm run worker`).

import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import type { Logger } from './logger.ts';
import { Billing } from './billing/billing.ts';
import { stripeGateway } from './billing/stripe-gateway.ts';
import { AccountMail } from './services/account-mail.ts';
import { startRetentionSweep } from './services/retention.ts';
import { every } from './services/schedule.ts';
import type { Channel, ChannelResult } from './notify/channel.ts';
import { accountMailer, autoresponseChannel, emailChannel, type AccountMailer } from './notify/email.ts';
import { webhookChannel } from './notify/webhook.ts';
import { whatsappChannel } from './notify/whatsapp.ts';
import {
  claimJobs,
  claimSiblingJobs,
  countSentTo,
  getJobSubject,
  lastSentAt,
  postponeJob,
  settleJob,
  type ClaimedAccountEmail,
  type ClaimedJob,
  type JobSubject,
  type OutboxJob,
} from './store/jobs.ts';

const BATCH = 10;
const LEASE_SECONDS = 120;
const MAX_BACKOFF_MS = 6 * 3600_000;

export interface Worker {
  /** Resolves once the jobs in hand are settled. */
  stop(): Promise<void>;
}

/** The delay before attempt `attempt + 1`: base × 2^(attempt-1), capped, with ±50% jitter. */
export function backoffMs(attempt: number, baseMs: number): number {
  return Math.min(MAX_BACKOFF_MS, baseMs * 2 ** (attempt - 1)) * (0.5 + Math.random());
}

export function defaultChannels(config: Readonly<Config>, db: Database): Record<ClaimedJob['kind'], Channel> {
  return {
    email: emailChannel({ smtpUrl: config.smtpUrl, from: config.mailFrom, consoleUrl: `${config.publicUrl}/console/` }),
    autoresponse: autoresponseChannel({
      smtpUrl: config.smtpUrl,
      from: config.mailFrom,
      perAddressPerDay: config.worker.autoresponsesPerAddressPerDay,
      sentSince: (target, since) => countSentTo(db, 'autoresponse', target, since),
    }),
    webhook: webhookChannel({ allowPrivate: config.worker.allowPrivateWebhooks }),
    whatsapp: whatsappChannel(config.twilio, `${config.publicUrl}/console/`),
  };
}

export function startWorker(deps: {
  db: Database;
  config: Readonly<Config>;
  logger: Logger;
  channels?: Record<ClaimedJob['kind'], Channel>;
  accountMail?: AccountMailer;
  billing?: Billing;
}): Worker {
  const { db, config, logger } = deps;
  const channels = deps.channels ?? defaultChannels(config, db);
  const mailer = deps.accountMail ?? accountMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom, consoleUrl: `${config.publicUrl}/console/` });
  const log = logger.child({ component: 'worker' });
  const retention = startRetentionSweep(db, logger, config.worker.retentionSweepMs);
  const billing =
    deps.billing ??
    new Billing(db, config.plans, stripeGateway(config.stripe), new AccountMail(config.publicUrl), {
      publicUrl: config.publicUrl,
      graceDays: config.billing.graceDays,
      meterEventName: config.stripe.meterEventName,
    });
  // Quota emails, overage to Stripe's meter, statements and grace-period restrictions.
  const billingLog = logger.child({ component: 'billing' });
  const billingSweep = every(config.billing.sweepMs, () => billing.sweep(billingLog), billingLog, 'billing sweep');
  let stopping = false;
  let wake: (() => void) | undefined;
  // Jobs of a channel that cannot deliver are not claimed at all: they wait at no cost.
  const kinds: OutboxJob['kind'][] = (Object.keys(channels) as ClaimedJob['kind'][]).filter((kind) => !channels[kind].waiting);
  if (!mailer.waiting) kinds.push('account_email');
  for (const kind of Object.keys(channels) as ClaimedJob['kind'][]) {
    const reason = channels[kind].waiting;
    if (reason) log.warn({ channel: kind }, reason);
  }
  if (mailer.waiting) log.warn({ channel: 'account_email' }, mailer.waiting);

  /** Delivers the jobs of one unit: one job, or one channel's jobs for one target (see the loop). */
  const handle = async (jobs: ClaimedJob[]): Promise<void> => {
    const loaded = await Promise.all(jobs.map(async (job) => ({ job, subject: await getJobSubject(db, job.submissionId) })));
    const byForm = new Map<string, { job: ClaimedJob; subject: JobSubject }[]>();
    for (const { job, subject } of loaded) {
      if (!subject) await settleJob(db, job, 'dead', 'the submission no longer exists', null);
      else byForm.set(subject.formId, [...(byForm.get(subject.formId) ?? []), { job, subject }]);
    }
    const channel = channels[(jobs[0] as ClaimedJob).kind];
    if (!channel.digestSeconds) {
      // One by one: a per-recipient limit (autoresponses) counts what went before.
      for (const { job, subject } of [...byForm.values()].flat()) await settle(job, await channel.deliver(job, subject));
      return;
    }
    // A channel with digests: one message per target and form per window. Within the window the
    // jobs wait (spending no attempt) until it ends; then the first takes every queued job of the
    // same target and form with it, as one message.
    const windowMs = channel.digestSeconds * 1000;
    for (const [formId, members] of byForm) {
      const lead = members[0] as { job: ClaimedJob; subject: JobSubject };
      const last = await lastSentAt(db, lead.job.kind, lead.job.target, formId);
      if (last && Date.now() - last.getTime() < windowMs) {
        const reason = `waiting: gathered into a digest (one message per ${channel.digestSeconds} s)`;
        for (const member of members) await postponeJob(db, member.job, reason, new Date(last.getTime() + windowMs));
        continue;
      }
      const siblings = await claimSiblingJobs(db, lead.job, formId, LEASE_SECONDS);
      const more = await Promise.all(siblings.map(async (job) => ({ job, subject: await getJobSubject(db, job.submissionId) })));
      const group = [...members, ...more.filter((m): m is { job: ClaimedJob; subject: JobSubject } => m.subject !== null)];
      const result = await channel.deliver(lead.job, lead.subject, group.slice(1).map((m) => m.subject));
      for (const member of group) await settle(member.job, result);
    }
  };

  const sendAccountEmails = async (jobs: ClaimedAccountEmail[]): Promise<void> => {
    for (const job of jobs) await settle(job, await mailer.deliver(job));
  };

  const settle = async (job: OutboxJob, result: ChannelResult): Promise<void> => {
    if (result.outcome === 'sent') {
      await settleJob(db, job, 'sent', null, null);
      log.info({ job: job.id, channel: job.kind, attempt: job.attempt }, 'delivered');
    } else if (result.permanent || job.attempt >= config.worker.maxAttempts) {
      await settleJob(db, job, 'dead', result.error, null);
      log.warn({ job: job.id, channel: job.kind, attempt: job.attempt, error: result.error }, 'delivery dead');
    } else {
      const retryAt = new Date(Date.now() + backoffMs(job.attempt, config.worker.retryBaseMs));
      await settleJob(db, job, 'failed', result.error, retryAt);
      log.info({ job: job.id, channel: job.kind, attempt: job.attempt, error: result.error, retryAt }, 'delivery failed; will retry');
    }
  };

  const loop = async (): Promise<void> => {
    while (!stopping) {
      let jobs: OutboxJob[] = [];
      try {
        jobs = kinds.length ? await claimJobs(db, BATCH, LEASE_SECONDS, kinds) : [];
        // Jobs of a digest channel, or of one with a per-recipient limit, for one target go
        // together; every other job alone.
        const units = new Map<string, ClaimedJob[]>();
        const accountEmails = jobs.filter((job): job is ClaimedAccountEmail => job.kind === 'account_email');
        for (const job of jobs) {
          if (job.kind === 'account_email') continue;
          const channel = channels[job.kind];
          const key = channel.digestSeconds || channel.onePerTargetAtATime ? `${job.kind}\u0000${job.target.toLowerCase()}` : `job\u0000${job.id}`;
          units.set(key, [...(units.get(key) ?? []), job]);
        }
        await Promise.all([
          sendAccountEmails(accountEmails).catch((error: unknown) => {
            log.error({ err: error, jobs: accountEmails.map((job) => job.id) }, 'account email handling failed');
          }),
          ...[...units.values()].map((unit) =>
            handle(unit).catch((error: unknown) => {
              // The lease runs out and another attempt is made.
              log.error({ err: error, jobs: unit.map((job) => job.id) }, 'job handling failed');
            }),
          ),
        ]);
      } catch (error) {
        log.error({ err: error }, 'claiming jobs failed');
      }
      if (jobs.length === BATCH || stopping) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, config.worker.pollMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  };

  const running = loop();
  return {
    async stop() {
      stopping = true;
      wake?.();
      await running;
      for (const channel of Object.values(channels)) channel.close?.();
      mailer.close?.();
      await retention.stop();
      await billingSweep.stop();
    },
  };
}
