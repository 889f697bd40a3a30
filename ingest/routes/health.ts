// /healthz (the process answers), /readyz (the database answers; queue depth), /metrics.

import type { RequestHandler } from 'express';
import type { Database } from '../db/database.ts';
import type { Metrics } from '../metrics.ts';
import { countQueuedJobs } from '../store/jobs.ts';

export function healthRoutes(db: Database, metrics: Metrics) {
  const live: RequestHandler = (_req, res) => {
    res.json({ status: 'ok' });
  };

  const ready: RequestHandler = async (_req, res) => {
    try {
      const queuedJobs = await countQueuedJobs(db);
      res.json({ status: 'ready', database: db.kind, queuedJobs });
    } catch {
      res.status(503).json({ error: { code: 'not_ready', message: 'The database is not reachable.' } });
    }
  };

  const scrape: RequestHandler = async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  };

  return { live, ready, scrape };
}
