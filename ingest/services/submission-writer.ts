// Group commit for submissions. Posts that arrive while a batch is being written wait for the
// next one; each batch is one statement (rows + usage counters + outbox jobs), so a busy service
// makes a few large transactions instead of one small transaction per post, and no counter row
// becomes a queue. A caller's promise resolves only after its batch has committed: an
// acknowledged submission is durable.
//
// Idempotency: posts with the same (form, key) share one pending write inside this process; across
// processes the unique index decides, and the loser reads the winner's id.

import type { Database } from '../db/database.ts';
import { PG_DEADLOCK, PG_FOREIGN_KEY_VIOLATION, PG_SERIALIZATION_FAILURE, pgErrorCode } from '../db/database.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import {
  findSubmissionIdsByKeys,
  idempotencyMapKey,
  saveSubmissions,
  type HoldingCap,
  type NewSubmission,
} from '../store/submissions.ts';

export interface WriteOutcome {
  id: string;
  /** True when an earlier post with the same idempotency key was stored instead. */
  duplicate: boolean;
}

interface Pending {
  submission: NewSubmission;
  resolve: (outcome: WriteOutcome) => void;
  reject: (error: unknown) => void;
}

export interface SubmissionWriterOptions {
  maxBatch: number;
  /** Batches written at once; more than one only helps with a pool of connections. */
  maxInFlight: number;
  /**
   * While a batch is being written, start another only once this many posts wait. Each batch has
   * a fixed cost (a statement, a commit): at ordinary load one batch at a time makes them larger
   * and cheaper per submission; a backlog (a slow or distant database) still gets parallel writes.
   */
  parallelThreshold?: number;
  /** Told the size of every batch written (metrics). */
  onBatch?: (size: number) => void;
  /** Plans that hold submissions past their quota (see saveSubmissions). */
  holdingCaps?: readonly HoldingCap[];
}

const RETRYABLE = new Set([PG_DEADLOCK, PG_SERIALIZATION_FAILURE]);
const MAX_ATTEMPTS = 3;

export class SubmissionWriter {
  private queue: Pending[] = [];
  private inFlight = 0;
  private scheduled = false;
  private readonly sameKey = new Map<string, Promise<WriteOutcome>>();
  private idle: (() => void)[] = [];

  constructor(
    private readonly db: Database,
    private readonly options: SubmissionWriterOptions,
  ) {}

  write(submission: NewSubmission): Promise<WriteOutcome> {
    const key = submission.idempotencyKey;
    if (key === null) return this.enqueue(submission);
    const mapKey = idempotencyMapKey(submission.formId, key);
    const pending = this.sameKey.get(mapKey);
    if (pending) return pending.then((outcome) => ({ id: outcome.id, duplicate: true }));
    const promise = this.enqueue(submission);
    this.sameKey.set(mapKey, promise);
    const forget = () => this.sameKey.delete(mapKey);
    promise.then(forget, forget);
    return promise;
  }

  /** Resolves once every accepted post has been written (graceful shutdown). */
  drain(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private enqueue(submission: NewSubmission): Promise<WriteOutcome> {
    return new Promise<WriteOutcome>((resolve, reject) => {
      this.queue.push({ submission, resolve, reject });
      this.schedule();
    });
  }

  private canStartBatch(): boolean {
    if (this.queue.length === 0 || this.inFlight >= this.options.maxInFlight) return false;
    return this.inFlight === 0 || this.queue.length >= (this.options.parallelThreshold ?? 1);
  }

  private schedule(): void {
    if (this.scheduled || !this.canStartBatch()) return;
    this.scheduled = true;
    // Let every post that arrived in this turn of the event loop join the batch.
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.canStartBatch()) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.inFlight++;
      void this.writeBatch(batch).finally(() => {
        this.inFlight--;
        if (this.queue.length > 0) this.schedule();
        else if (this.inFlight === 0) for (const done of this.idle.splice(0)) done();
      });
    }
  }

  private async writeBatch(batch: Pending[]): Promise<void> {
    this.options.onBatch?.(batch.length);
    try {
      const outcomes = await this.store(batch.map((p) => p.submission));
      batch.forEach((p, i) => p.resolve(outcomes[i] as WriteOutcome));
    } catch (error) {
      if (batch.length > 1 && isRowProblem(error)) {
        // One bad row must not fail its neighbours: write each alone so only it fails.
        for (const p of batch) await this.writeBatch([p]);
        return;
      }
      const domainError = toDomainError(error);
      for (const p of batch) p.reject(domainError);
    }
  }

  private async store(submissions: NewSubmission[]): Promise<WriteOutcome[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        const inserted = await saveSubmissions(this.db, submissions, this.options.holdingCaps);
        const conflicted = submissions.filter((s) => !inserted.has(s.id) && s.idempotencyKey !== null);
        const existing =
          conflicted.length > 0
            ? await findSubmissionIdsByKeys(
                this.db,
                conflicted.map((s) => ({ formId: s.formId, idempotencyKey: s.idempotencyKey as string })),
              )
            : new Map<string, string>();
        return submissions.map((s) => {
          if (inserted.has(s.id)) return { id: s.id, duplicate: false };
          const id = existing.get(idempotencyMapKey(s.formId, s.idempotencyKey ?? ''));
          // Stored under that key a moment ago and deleted since: nothing to point at, so retry.
          if (id === undefined) throw Object.assign(new Error('idempotent row vanished'), { code: PG_SERIALIZATION_FAILURE });
          return { id, duplicate: true };
        });
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS || !RETRYABLE.has(pgErrorCode(error) ?? '')) throw error;
      }
    }
  }
}

/** Errors caused by one row's content rather than by the database being unavailable. */
function isRowProblem(error: unknown): boolean {
  const code = pgErrorCode(error) ?? '';
  return code.startsWith('22') || code.startsWith('23');
}

function toDomainError(error: unknown): unknown {
  const code = pgErrorCode(error);
  if (code === PG_FOREIGN_KEY_VIOLATION) return new NotFoundError('form_not_found', 'This form does not exist.');
  if (code?.startsWith('22')) return new ValidationError({}, 'The submission holds values that cannot be stored.');
  return error;
}
