// Fills the search index (sql/0025) a moment after submissions are stored, off the submission
// path: every worker runs it on a timer (several at once only repeat each other's harmless work).
// A submission is indexed once it is SETTLE_MS old, by which time its write has committed; a
// slower write is found by the hourly look back over the last day.
//
// One row the database cannot index fails its whole batch, and would fail it again on every run:
// indexing would stop there for every form. A batch refused for its data is taken again a row at a
// time; the row that fails is recorded with its error (sql/0028), reported once, and passed.

import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import {
  indexMissedSubmissions,
  indexNextSubmissions,
  indexSubmission,
  listMissedSubmissionIds,
  listNextSubmissionIds,
  moveSearchMark,
  recordSearchFailure,
  uuidV7Floor,
} from '../store/search.ts';
import { every, type Scheduled } from './schedule.ts';

const SETTLE_MS = 2_000;
const LOOK_BACK_MS = 24 * 3600_000;
const LOOK_BACK_EVERY_MS = 3600_000;
/** Rows per statement: PGlite has one connection, so its batches stay short. */
const BATCH = { postgres: 2_000, pglite: 250 } as const;
/** Statements per run, so a large backlog does not hold a run for long. */
const MAX_BATCHES_PER_RUN = 25;
/** Of an error recorded with a submission left out. */
const MAX_ERROR_LENGTH = 500;
/** SQLSTATE of a submission deleted while it was being indexed (its row in the index has nothing to point at). */
const FOREIGN_KEY_VIOLATION = '23503';

/** A submission left out of the index, reported the one time it is recorded. */
export interface SkippedSubmission {
  submissionId: string;
  formId: string;
  error: string;
}

export type OnSkipped = (skipped: SkippedSubmission) => void;

function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Whether the database refused the data rather than failed: SQLSTATE class 22 (data exception)
 * or 54 (program limit exceeded: a word or a tsvector too long). Anything else (a lost
 * connection, a timeout) fails the run, to be tried again by the next one.
 */
function isDataError(error: unknown): boolean {
  const state = sqlState(error);
  return state !== undefined && (state.startsWith('22') || state.startsWith('54'));
}

/** Indexes these submissions one at a time, recording the ones refused for their data. Returns how many went in. */
async function indexEach(db: Database, ids: string[], onSkipped: OnSkipped): Promise<number> {
  let indexed = 0;
  for (const id of ids) {
    try {
      await indexSubmission(db, id);
      indexed++;
    } catch (error) {
      if (sqlState(error) === FOREIGN_KEY_VIOLATION) continue;
      if (!isDataError(error)) throw error;
      const message = (error as Error).message.slice(0, MAX_ERROR_LENGTH);
      const recorded = await recordSearchFailure(db, id, message);
      if (recorded) onSkipped({ submissionId: id, formId: recorded.formId, error: message });
    }
  }
  return indexed;
}

/** Indexes what is due now; returns how many submissions went in. */
export async function indexSubmissions(db: Database, now = new Date(), onSkipped: OnSkipped = () => {}): Promise<number> {
  const batch = BATCH[db.kind];
  const before = uuidV7Floor(new Date(now.getTime() - SETTLE_MS));
  let total = 0;
  for (let i = 0; i < MAX_BATCHES_PER_RUN; i++) {
    let taken: number;
    try {
      taken = await indexNextSubmissions(db, before, batch);
      total += taken;
    } catch (error) {
      if (!isDataError(error)) throw error;
      const ids = await listNextSubmissionIds(db, before, batch);
      total += await indexEach(db, ids, onSkipped);
      const last = ids[ids.length - 1];
      if (last) await moveSearchMark(db, last);
      taken = ids.length;
    }
    if (taken < batch) break;
  }
  return total;
}

/** The look back: indexes submissions behind the mark missing from the index; returns how many went in. */
export async function indexMissed(db: Database, since: Date, limit: number, onSkipped: OnSkipped = () => {}): Promise<number> {
  const from = uuidV7Floor(since);
  try {
    return await indexMissedSubmissions(db, from, limit);
  } catch (error) {
    if (!isDataError(error)) throw error;
    return indexEach(db, await listMissedSubmissionIds(db, from, limit), onSkipped);
  }
}

export function startSearchIndexer(db: Database, logger: Logger, intervalMs: number): Scheduled {
  const log = logger.child({ component: 'search' });
  let lookedBack = 0;
  const skipped: OnSkipped = (skip) => log.warn(skip, 'a submission the search index cannot take was left out of it');
  return every(
    intervalMs,
    async () => {
      const indexed = await indexSubmissions(db, new Date(), skipped);
      if (indexed > 0) log.debug({ indexed }, 'submissions indexed for search');
      if (Date.now() - lookedBack >= LOOK_BACK_EVERY_MS) {
        lookedBack = Date.now();
        const missed = await indexMissed(db, new Date(Date.now() - LOOK_BACK_MS), 10_000, skipped);
        if (missed > 0) log.info({ missed }, 'late submissions indexed for search');
      }
    },
    log,
    'search indexing',
  );
}
