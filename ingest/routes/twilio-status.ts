// POST /v1/twilio/status: Twilio's message status callback. Twilio answers a message with 201
// `queued` and reports later what became of it; a WhatsApp alert refused outside the 24-hour
// window (63016) is only known this way. The request is form-encoded and signed
// (X-Twilio-Signature, HMAC-SHA1 with TWILIO_AUTH_TOKEN over the URL Twilio was given, which is
// the PUBLIC_URL form of this one, and the parameters); anything unsigned is refused with 403.
//
// `failed` or `undelivered` with ErrorCode 63016 makes the delivery dead with the reason that an
// approved template must be configured; a recipient Twilio cannot reach makes it dead; any other
// error code queues it again with backoff (dead after JOB_MAX_ATTEMPTS). Other statuses (sent,
// delivered, read) change nothing. Twilio may report the same status twice: only a report about
// a job's last attempt, while it still stands as sent, changes anything.

import express, { type RequestHandler } from 'express';
import twilio from 'twilio';
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import { ForbiddenError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { backoffMs } from '../notify/backoff.ts';
import { twilioFailure } from '../notify/whatsapp.ts';
import { isKnownProviderId, reportProviderFailure, type ProviderVerdict } from '../store/jobs.ts';

const BODY_LIMIT = '64kb';
const FAILED = new Set(['failed', 'undelivered']);
/**
 * Twilio can report a failure before the worker has recorded the message's SID (it records it
 * right after Twilio's 201): waits before looking again, about 4 s in all.
 */
const UNKNOWN_SID_WAITS_MS = [100, 250, 500, 1000, 2000];

export function twilioStatusRoutes(db: Database, config: Readonly<Config>, logger: Logger) {
  const log = logger.child({ component: 'twilio-status' });
  const authToken = config.twilio.authToken;

  /** The verdict on a job whose message Twilio reported failed, for its attempt number. */
  const verdictFor = (code: number | undefined, status: string) => (attempt: number): ProviderVerdict => {
    const failure = twilioFailure(code, `whatsapp${code ? ` (${code})` : ''}: Twilio reported the message ${status} after accepting it`);
    if (failure.permanent || attempt >= config.worker.maxAttempts) return { outcome: 'dead', error: failure.error };
    return { outcome: 'failed', error: failure.error, retryAt: new Date(Date.now() + backoffMs(attempt, config.worker.retryBaseMs)) };
  };

  /** POST /v1/twilio/status */
  const callback: RequestHandler = async (req, res) => {
    if (!authToken) throw new ForbiddenError('twilio_not_configured', 'TWILIO_AUTH_TOKEN is not set here, so no status report can be verified.');
    const params = (req.body ?? {}) as Record<string, string>;
    const signature = req.header('x-twilio-signature') ?? '';
    if (!signature || !twilio.validateRequest(authToken, signature, `${config.publicUrl}${req.originalUrl}`, params)) {
      throw new ForbiddenError('invalid_signature', 'The X-Twilio-Signature header does not match this request.');
    }
    const sid = typeof params['MessageSid'] === 'string' ? params['MessageSid'] : '';
    const status = typeof params['MessageStatus'] === 'string' ? params['MessageStatus'] : '';
    if (!sid || !FAILED.has(status)) {
      res.status(204).end();
      return;
    }
    const code = /^\d{1,10}$/.test(params['ErrorCode'] ?? '') ? Number(params['ErrorCode']) : undefined;
    const verdict = verdictFor(code, status);
    let known = await isKnownProviderId(db, sid);
    for (const wait of UNKNOWN_SID_WAITS_MS) {
      if (known) break;
      await new Promise((resolve) => setTimeout(resolve, wait));
      known = await isKnownProviderId(db, sid);
    }
    if (!known) {
      log.warn({ sid, status, code }, 'status report for a message no delivery sent');
    } else {
      const changed = await reportProviderFailure(db, sid, verdict);
      for (const { jobId, outcome } of changed) log.warn({ job: jobId, sid, status, code, outcome }, 'Twilio reported a WhatsApp alert failed');
    }
    res.status(204).end();
  };

  return { receive: express.urlencoded({ extended: false, limit: BODY_LIMIT }), callback };
}
