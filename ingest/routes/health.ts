// /healthz (the process answers) and /readyz (the database answers): public, and they say only
// that. /metrics (Prometheus) carries platform-wide counters, so it is never public: on the main
// port it needs `Authorization: Bearer <METRICS_TOKEN>`; with METRICS_LISTEN it is served on that
// address instead (server.ts) and the main port answers 404; with neither, it is not served.

import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type RequestHandler } from 'express';
import type { Database } from '../db/database.ts';
import { UnauthorizedError } from '../errors.ts';
import { errorHandler, notFoundHandler } from '../http/errors.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { countQueuedJobs } from '../store/jobs.ts';

/** Whether the Authorization header carries the token, compared in constant time (by digest, so lengths do not leak either). */
function bearerMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer (.+)$/i.exec(header ?? '')?.[1] ?? '';
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(token)) && given.length > 0;
}

/** Writes the scrape; `token`: the bearer token it needs (none on a private listener without one). */
function scrapeWith(metrics: Metrics, token: string | undefined): RequestHandler {
  return async (req, res) => {
    if (token !== undefined && !bearerMatches(req.headers.authorization, token)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
      throw new UnauthorizedError('unauthorized', 'The metrics need Authorization: Bearer <METRICS_TOKEN>.');
    }
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  };
}

/** What METRICS_LISTEN serves: GET /metrics (with the token too when METRICS_TOKEN is set), nothing else. */
export function metricsApp(metrics: Metrics, token: string | undefined, logger: Logger): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', scrapeWith(metrics, token));
  app.use(notFoundHandler);
  app.use(errorHandler(logger));
  return app;
}

export function healthRoutes(db: Database, metrics: Metrics, options: { metricsToken: string | undefined; metricsElsewhere: boolean }) {
  // The queue depth /readyz used to show publicly, for the operator's scrape instead.
  metrics.watchQueuedJobs(() => countQueuedJobs(db));

  const live: RequestHandler = (_req, res) => {
    res.json({ status: 'ok' });
  };

  const ready: RequestHandler = async (_req, res) => {
    try {
      // A real query (its answer is for the metrics, not for this public probe).
      await countQueuedJobs(db);
      res.json({ status: 'ready' });
    } catch {
      res.status(503).json({ error: { code: 'not_ready', message: 'The database is not reachable.' } });
    }
  };

  // Not served here: the same 404 as any address the service does not answer.
  const notServed: RequestHandler = (_req, _res, next) => next();

  /** /metrics on the main port: with the token only, and not at all when it has a listener of its own or no token. */
  const scrape: RequestHandler = !options.metricsElsewhere && options.metricsToken ? scrapeWith(metrics, options.metricsToken) : notServed;

  return { live, ready, scrape };
}
