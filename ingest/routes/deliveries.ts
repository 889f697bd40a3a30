// The notification history of a submission, and sending a dead (or waiting) notification again.

import type { RequestHandler } from 'express';
import type { Database } from '../db/database.ts';
import { NotFoundError } from '../errors.ts';
import { accountOf } from '../http/console-session.ts';
import { RECIPIENT_UNCONFIRMED } from '../notify/waiting.ts';
import { isUuid } from '../services/ids.ts';
import { listDeliveries, retryJob } from '../store/jobs.ts';

/**
 * `waiting`: why this service's jobs of a kind wait (its settings are missing), shown on each
 * queued one; else an alert to a recipient who has not confirmed says it waits for them.
 */
export function deliveryRoutes(db: Database, waiting: Partial<Record<string, string>>) {
  /** GET /api/submissions/:id/deliveries */
  const list: RequestHandler = async (req, res) => {
    const { accountId } = accountOf(res);
    const id = String(req.params['id']);
    const deliveries = isUuid(id) ? await listDeliveries(db, accountId, id) : null;
    if (!deliveries) throw new NotFoundError('submission_not_found', `There is no submission ${id} in this account.`);
    res.json({
      items: deliveries.map((d) => ({
        id: String(d.id),
        channel: d.channel,
        target: d.target,
        status: d.status,
        attempts: d.attempts,
        lastError: (d.status === 'queued' && (waiting[d.channel] || (!d.recipientConfirmed && RECIPIENT_UNCONFIRMED))) || d.lastError,
        nextAttemptAt: d.nextAttemptAt?.toISOString() ?? null,
        history: d.history.map((h) => ({ attempt: h.attempt, outcome: h.outcome, error: h.error, providerId: h.providerId, at: h.at.toISOString() })),
      })),
    });
  };

  /** POST /api/deliveries/:id/retry: a dead or waiting notification is queued again at once (202). */
  const retry: RequestHandler = async (req, res) => {
    const { accountId } = accountOf(res);
    const raw = String(req.params['id']);
    const id = /^[1-9]\d{0,15}$/.test(raw) ? Number(raw) : null;
    const result = id === null ? null : await retryJob(db, accountId, id);
    if (!result) throw new NotFoundError('delivery_not_found', `There is no notification ${raw} in this account.`);
    if (result.status !== 'queued') {
      res.status(409).json({ error: { code: 'delivery_not_retryable', message: `This notification is ${result.status}; only a dead or waiting one can be sent again.` } });
      return;
    }
    res.status(202).json({ id: raw, status: 'queued' });
  };

  return { list, retry };
}
