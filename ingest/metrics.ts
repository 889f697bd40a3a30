// Prometheus metrics (prom-client), each app with its own registry.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type SubmissionOutcome = 'accepted' | 'spam' | 'duplicate' | 'invalid' | 'rejected' | 'error';

export class Metrics {
  readonly registry = new Registry();
  readonly submissions = new Counter({
    name: 'formline_submissions_total',
    help: 'Submissions received, by outcome.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'formline_http_request_duration_seconds',
    help: 'HTTP request latency, by route and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly submissionBatchSize = new Histogram({
    name: 'formline_submission_batch_size',
    help: 'Submissions written per group commit (one statement, one transaction).',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
    registers: [this.registry],
  });

  private queuedJobsSource: (() => Promise<number>) | undefined;
  readonly queuedJobs = new Gauge({
    name: 'formline_queued_jobs',
    help: 'Notifications waiting to be delivered (queued or running).',
    registers: [this.registry],
    collect: async () => {
      if (this.queuedJobsSource) this.queuedJobs.set(await this.queuedJobsSource());
    },
  });

  constructor(options: { defaultMetrics: boolean } = { defaultMetrics: true }) {
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'formline_' });
  }

  /** Where the queue depth is read at each scrape. */
  watchQueuedJobs(source: () => Promise<number>): void {
    this.queuedJobsSource = source;
  }

  countSubmission(outcome: SubmissionOutcome): void {
    this.submissions.inc({ outcome });
  }
}
