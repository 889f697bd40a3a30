// The notification worker: claims due jobs from the outbox (any number of workers at once, see
// claimJobs), delivers each through its channel, records the attempt, and retries failures with
// exponential backoff and jitter until the last attempt, after which the job is dead (the console
// can send it again). A claim is a lease, renewed while the worker still works on the job; a
// worker that lost its lease (another claimed the job) cannot settle it. A channel that is not
// configured leaves its jobs waiting, unclaimed (the log says why once, the console on each job):
// nothing is dropped. A submission marked spam (or held) after its jobs were queued notifies
// nobody. Runs inside `npm start`, or alone (`npm run worker`).

import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import type { Logger } from './logger.ts';
import { Billing } from './billing/billing.ts';
import { stripeGateway } from './billing/stripe-gateway.ts';
import { AccountMail } from './services/account-mail.ts';
import { startRetentionSweep } from './services/retention.ts';
import { startSearchIndexer } from './services/search-indexer.ts';
import { every } from './services/schedule.ts';
import { backoffMs } from './notify/backoff.ts';
import type { Channel, ChannelResult } from './notify/channel.ts';
import { accountMailer, autoresponseChannel, emailChannel, type AccountMailer } from './notify/email.ts';
import { webhookChannel } from './notify/webhook.ts';
import { whatsappChannel } from './notify/whatsapp.ts';
import { mailboxKey } from './services/email-address.ts';
import {
  claimJobs,
  claimSiblingJobs,
  countSentTo,
  getJobSubject,
  lastSentAt,
  postponeJob,
  renewLeases,
  settleJob,
  type ClaimedAccountEmail,
  type ClaimedJob,
  type JobSubject,
  type OutboxJob,
} from './store/jobs.ts';

const BATCH = 10;
/** How long a claim holds a job; renewed every third of it while the job is being delivered. */
const LEASE_SECONDS = 120;

export interface Worker {
  /** Resolves once the jobs in hand are settled. */
  stop(): Promise<void>;
}

/** Why a job is settled without sending: its submission is no longer one to notify about. */
export function notSentReason(status: string): string | null {
  if (status === 'spam') return 'not sent: the submission was marked as spam';
  if (status === 'held') return "not sent: the submission is held (over the plan's quota)";
  return null;
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
    webhook: webhookChannel({ allowPrivate: config.worker.allowPrivateWebhooks, timeoutMs: config.worker.webhookTimeoutMs }),
    whatsapp: whatsappChannel(config.twilio, `${config.publicUrl}/console/`, `${config.publicUrl}/v1/twilio/status`),
  };
}

export function startWorker(deps: {
  db: Database;
  config: Readonly<Config>;
  logger: Logger;
  channels?: Record<ClaimedJob['kind'], Channel>;
  accountMail?: AccountMailer;
  billing?: Billing;
  /** How long a claim holds a job (LEASE_SECONDS; shorter in tests). */
  leaseSeconds?: number;
}): Worker {
  const { db, config, logger } = deps;
  const leaseSeconds = deps.leaseSeconds ?? LEASE_SECONDS;
  const channels = deps.channels ?? defaultChannels(config, db);
  const mailer = deps.accountMail ?? accountMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom, consoleUrl: `${config.publicUrl}/console/` });
  const log = logger.child({ component: 'worker' });
  const retention = startRetentionSweep(db, logger, config.worker.retentionSweepMs);
  const searchIndexer = startSearchIndexer(db, logger, config.worker.searchIndexMs);
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

  // The jobs this worker holds (id → the attempt it claimed, the fencing token), and their lease
  // kept alive while a unit is delivered: a digest, or a string of autoresponses to one address,
  // can take longer than one lease.
  const held = new Map<number, number>();
  const hold = (jobs: OutboxJob[]) => {
    for (const job of jobs) held.set(job.id, job.attempt);
  };
  const leases = every(
    (leaseSeconds * 1000) / 3,
    async () => {
      const lost = await renewLeases(db, [...held].map(([id, attempt]) => ({ id, attempt })), leaseSeconds);
      for (const id of lost) {
        // (Settled meanwhile by this worker, it is no longer held: nothing was lost.)
        if (!held.delete(id)) continue;
        log.warn({ job: id }, 'lease lost: another worker has claimed this job');
      }
    },
    log,
    'renewing leases',
  );

  /** The submission of each job; jobs whose submission is gone, or is not one to notify about, are settled here. */
  const subjectsOf = async (jobs: ClaimedJob[]): Promise<{ job: ClaimedJob; subject: JobSubject }[]> => {
    const loaded = await Promise.all(jobs.map(async (job) => ({ job, subject: await getJobSubject(db, job.submissionId) })));
    const deliverable: { job: ClaimedJob; subject: JobSubject }[] = [];
    for (const { job, subject } of loaded) {
      // Marked spam (or held) after the job was queued: nobody is notified. Dead, so that "not
      // spam" and the console's retry can still send it.
      const unsent = subject ? notSentReason(subject.status) : 'the submission no longer exists';
      if (unsent || !subject) await settle(job, { outcome: 'failed', error: unsent ?? '', permanent: true });
      else deliverable.push({ job, subject });
    }
    return deliverable;
  };

  /** Delivers the jobs of one unit: one job, or one channel's jobs for one target (see the loop). */
  const handle = async (jobs: ClaimedJob[]): Promise<void> => {
    const byForm = new Map<string, { job: ClaimedJob; subject: JobSubject }[]>();
    for (const member of await subjectsOf(jobs)) byForm.set(member.subject.formId, [...(byForm.get(member.subject.formId) ?? []), member]);
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
        for (const member of members) {
          held.delete(member.job.id);
          if (!(await postponeJob(db, member.job, reason, new Date(last.getTime() + windowMs)))) lostLease(member.job, 'postponed');
        }
        continue;
      }
      const siblings = await claimSiblingJobs(db, lead.job, formId, leaseSeconds);
      hold(siblings);
      const group = [...members, ...(await subjectsOf(siblings))];
      const result = await channel.deliver(lead.job, lead.subject, group.slice(1).map((m) => m.subject));
      for (const member of group) await settle(member.job, result);
    }
  };

  const sendAccountEmails = async (jobs: ClaimedAccountEmail[]): Promise<void> => {
    for (const job of jobs) await settle(job, await mailer.deliver(job));
  };

  const lostLease = (job: OutboxJob, what: string) => {
    log.warn({ job: job.id, channel: job.kind, attempt: job.attempt }, `lease lost: another worker has claimed this job; it was not ${what} here`);
  };

  /** Records the attempt, if this worker still holds the job (else another worker's outcome stands). */
  const settle = async (job: OutboxJob, result: ChannelResult): Promise<void> => {
    held.delete(job.id);
    if (result.outcome === 'sent') {
      if (!(await settleJob(db, job, 'sent', null, null, result.providerId ?? null))) return lostLease(job, 'recorded as sent');
      log.info({ job: job.id, channel: job.kind, attempt: job.attempt }, 'delivered');
    } else if (result.permanent || job.attempt >= config.worker.maxAttempts) {
      if (!(await settleJob(db, job, 'dead', result.error, null))) return lostLease(job, 'recorded as dead');
      log.warn({ job: job.id, channel: job.kind, attempt: job.attempt, error: result.error }, 'delivery dead');
    } else {
      const retryAt = new Date(Date.now() + backoffMs(job.attempt, config.worker.retryBaseMs));
      if (!(await settleJob(db, job, 'failed', result.error, retryAt))) return lostLease(job, 'recorded as failed');
      log.info({ job: job.id, channel: job.kind, attempt: job.attempt, error: result.error, retryAt }, 'delivery failed; will retry');
    }
  };

  const loop = async (): Promise<void> => {
    while (!stopping) {
      let jobs: OutboxJob[] = [];
      try {
        jobs = kinds.length ? await claimJobs(db, BATCH, leaseSeconds, kinds) : [];
        hold(jobs);
        // Jobs of a digest channel, or of one with a per-recipient limit, for one target go
        // together; every other job alone.
        const units = new Map<string, ClaimedJob[]>();
        const accountEmails = jobs.filter((job): job is ClaimedAccountEmail => job.kind === 'account_email');
        for (const job of jobs) {
          if (job.kind === 'account_email') continue;
          const channel = channels[job.kind];
          // (One mailbox is one target: `ada+x@` waits for `ada@`, as their limit is one.)
          const key = channel.digestSeconds || channel.onePerTargetAtATime ? `${job.kind}\u0000${mailboxKey(job.target)}` : `job\u0000${job.id}`;
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
      // What is still held was not settled (its handling failed): its lease runs out and another
      // attempt is made.
      held.clear();
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
      await leases.stop();
      await retention.stop();
      await searchIndexer.stop();
      await billingSweep.stop();
    },
  };
}
