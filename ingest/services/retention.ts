// Retention: a form may keep submissions for a limited number of days (settings.retentionDays).
// A sweep, run by every worker on a timer, deletes what is older, a batch at a time (several
// workers skip each other's rows), and writes one audit entry per form it purged. Expired console
// sessions go in the same sweep.

import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import { saveAuditEntry } from '../store/audit.ts';
import { listFormsWithRetention } from '../store/forms.ts';
import { deleteExpiredSessions } from '../store/sessions.ts';
import { purgeSubmissionsBefore } from '../store/submissions.ts';
import { every, type Scheduled } from './schedule.ts';

const DAY = 86_400_000;
const BATCH = 1000;

/** Deletes every submission past its form's retention; returns how many went, by form. */
export async function purgeExpiredSubmissions(db: Database, now = new Date()): Promise<Map<string, number>> {
  const purged = new Map<string, number>();
  for (const form of await listFormsWithRetention(db)) {
    const before = new Date(now.getTime() - form.retentionDays * DAY);
    let total = 0;
    for (;;) {
      const deleted = await purgeSubmissionsBefore(db, form.id, before, BATCH);
      total += deleted;
      if (deleted < BATCH) break;
    }
    if (total > 0) {
      purged.set(form.id, total);
      await saveAuditEntry(db, {
        accountId: form.accountId,
        actor: null,
        action: 'retention.purge',
        target: form.id,
        details: { deleted: total, retentionDays: form.retentionDays, before: before.toISOString() },
      });
    }
  }
  return purged;
}

/** Runs the sweep now and then every `intervalMs` until stopped. */
export function startRetentionSweep(db: Database, logger: Logger, intervalMs: number): Scheduled {
  const log = logger.child({ component: 'retention' });
  return every(
    intervalMs,
    async () => {
      const purged = await purgeExpiredSubmissions(db);
      for (const [formId, deleted] of purged) log.info({ formId, deleted }, 'submissions past their retention deleted');
      await deleteExpiredSessions(db);
    },
    log,
    'retention sweep',
  );
}
