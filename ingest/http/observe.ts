// One middleware, one `finish` listener per request: a request id (the caller's X-Request-Id when
// it is sane), one JSON log line, the latency histogram, and the submission outcome counter.
// It replaces pino-http on purpose: the submission benchmark showed pino-http's per-request child
// logger and serializers costing more than the rest of the logging put together.

import { randomUUID } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import type { Logger } from '../logger.ts';
import type { Metrics, SubmissionOutcome } from '../metrics.ts';
import './locals.ts';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;
const QUIET_PATHS = new Set(['/healthz', '/metrics']);

function outcomeOf(status: number, res: Response): SubmissionOutcome {
  if (status === 201 || status === 303) return res.locals.outcome ?? 'accepted';
  if (status === 422) return 'invalid';
  return status >= 500 ? 'error' : 'rejected';
}

export function observeRequests(logger: Logger, metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    // Express recomputes req.ip (X-Forwarded-For against the trust-proxy rules) on every read.
    res.locals.clientIp = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    res.locals.requestId = id;
    res.setHeader('X-Request-Id', id);
    res.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const status = res.statusCode;
      const route = req.route ? req.baseUrl + String(req.route.path) : 'unmatched';
      metrics.httpDuration.observe({ method: req.method, route, status }, seconds);
      if (res.locals.isSubmission) metrics.countSubmission(outcomeOf(status, res));
      if (QUIET_PATHS.has(req.url)) return;
      const line = { reqId: id, method: req.method, url: req.originalUrl, status, ms: Math.round(seconds * 1e4) / 10 };
      if (status >= 500) logger.error(line, 'request failed');
      else logger.info(line, 'request');
    });
    next();
  };
}
