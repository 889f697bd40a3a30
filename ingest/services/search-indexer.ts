// Fills the search index (sql/0025) a moment after submissions are stored, off the submission
// path: every worker runs it on a timer (several at once only repeat each other's harmless work).
// A submission is indexed once it is SETTLE_MS old, by which time its write has committed; a
// slower write is found by the hourly look back over the last day.

import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import { indexMissedSubmissions, indexNextSubmissions, uuidV7Floor } from '../store/search.ts';
import { every, type Scheduled } from './schedule.ts';

const SETTLE_MS = 2_000;
const LOOK_BACK_MS = 24 * 3600_000;
const LOOK_BACK_EVERY_MS = 3600_000;
/** Rows per statement: PGlite has one connection, so its batches stay short. */
const BATCH = { postgres: 2_000, pglite: 250 } as const;
/** Statements per run, so a large backlog does not hold a run for long. */
const MAX_BATCHES_PER_RUN = 25;

/** Indexes what is due now; returns how many submissions went in. */
export async function indexSubmissions(db: Database, now = new Date()): Promise<number> {
  const batch = BATCH[db.kind];
  const before = uuidV7Floor(new Date(now.getTime() - SETTLE_MS));
  let total = 0;
  for (let i = 0; i < MAX_BATCHES_PER_RUN; i++) {
    const indexed = await indexNextSubmissions(db, before, batch);
    total += indexed;
    if (indexed < batch) break;
  }
  return total;
}

export function startSearchIndexer(db: Database, logger: Logger, intervalMs: number): Scheduled {
  const log = logger.child({ component: 'search' });
  let lookedBack = 0;
  return every(
    intervalMs,
    async () => {
      const indexed = await indexSubmissions(db);
      if (indexed > 0) log.debug({ indexed }, 'submissions indexed for search');
      if (Date.now() - lookedBack >= LOOK_BACK_EVERY_MS) {
        lookedBack = Date.now();
        const missed = await indexMissedSubmissions(db, uuidV7Floor(new Date(Date.now() - LOOK_BACK_MS)), 10_000);
        if (missed > 0) log.info({ missed }, 'late submissions indexed for search');
      }
    },
    log,
    'search indexing',
  );
}
