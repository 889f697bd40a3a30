// The notification worker: claims due jobs from the outbox (any number of workers at once, see
// claimJobs), delivers each through its channel, records the attempt, and retries failures with
// exponential backoff and jitter until the last attempt, after which the job is dead (the console
// can send it again). A channel that is not configured leaves its jobs waiting, with the reason
// in the job and the logs: nothing is dropped. Runs inside `npm start`, or alone (`npm run worker`).

import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import type { Logger } from './logger.ts';
import type { Channel } from './notify/channel.ts';
import { emailChannel } from './notify/email.ts';
import { webhookChannel } from './notify/webhook.ts';
import { waitingChannel } from './notify/channel.ts';
import { claimJobs, getJobSubject, postponeJob, settleJob, type ClaimedJob } from './store/jobs.ts';

const BATCH = 10;
const LEASE_SECONDS = 120;
const WAITING_RECHECK_MS = 60_000;
const MAX_BACKOFF_MS = 6 * 3600_000;

export interface Worker {
  /** Resolves once the jobs in hand are settled. */
  stop(): Promise<void>;
}

/** The delay before attempt `attempt + 1`: base × 2^(attempt-1), capped, with ±50% jitter. */
export function backoffMs(attempt: number, baseMs: number): number {
  return Math.min(MAX_BACKOFF_MS, baseMs * 2 ** (attempt - 1)) * (0.5 + Math.random());
}

export function defaultChannels(config: Readonly<Config>): Record<ClaimedJob['kind'], Channel> {
  return {
    email: emailChannel({ smtpUrl: config.smtpUrl, from: config.mailFrom, consoleUrl: `${config.publicUrl}/console/` }),
    webhook: webhookChannel({ allowPrivate: config.worker.allowPrivateWebhooks }),
    whatsapp: waitingChannel('waiting: WhatsApp alerts are not available in this version'),
  };
}

export function startWorker(deps: {
  db: Database;
  config: Readonly<Config>;
  logger: Logger;
  channels?: Record<ClaimedJob['kind'], Channel>;
}): Worker {
  const { db, config, logger } = deps;
  const channels = deps.channels ?? defaultChannels(config);
  const log = logger.child({ component: 'worker' });
  let stopping = false;
  let wake: (() => void) | undefined;
  const reported = new Set<string>();

  const handle = async (job: ClaimedJob): Promise<void> => {
    const subject = await getJobSubject(db, job.submissionId);
    if (!subject) {
      await settleJob(db, job, 'dead', 'the submission no longer exists', null);
      return;
    }
    const result = await channels[job.kind].deliver(job, subject);
    if (result.outcome === 'waiting') {
      if (!reported.has(`${job.kind}:${result.reason}`)) log.warn({ channel: job.kind }, result.reason);
      reported.add(`${job.kind}:${result.reason}`);
      await postponeJob(db, job, result.reason, new Date(Date.now() + WAITING_RECHECK_MS));
    } else if (result.outcome === 'sent') {
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
      let jobs: ClaimedJob[] = [];
      try {
        jobs = await claimJobs(db, BATCH, LEASE_SECONDS);
        await Promise.all(
          jobs.map((job) =>
            handle(job).catch((error: unknown) => {
              // The lease runs out and another attempt is made.
              log.error({ err: error, job: job.id }, 'job handling failed');
            }),
          ),
        );
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
    },
  };
}
