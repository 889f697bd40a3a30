// The time trap: the public form definition carries a signed "issued at" token; the widget sends
// it back with the submission. A person needs a few seconds to fill a form; a bot posting within
// MIN_FILL_SECONDS of fetching it, or forging the token, is filed as spam.
// A missing token is not suspicious: a plain HTML form posted without JavaScript has none.

import { createHmac, timingSafeEqual } from 'node:crypto';

export const MIN_FILL_SECONDS = 2;

export type TimeTrapVerdict = { spam: false } | { spam: true; reason: 'time_trap_forged' | 'time_trap_too_fast' };

function sign(key: Buffer, formId: string, issuedAt: number): string {
  return createHmac('sha256', key).update(`${formId}.${issuedAt}`).digest('base64url').slice(0, 22);
}

export function issueTimeToken(key: Buffer, formId: string, now = Date.now()): string {
  const issuedAt = Math.floor(now / 1000);
  return `${issuedAt}.${sign(key, formId, issuedAt)}`;
}

export function checkTimeToken(key: Buffer, formId: string, token: string | undefined, now = Date.now()): TimeTrapVerdict {
  if (token === undefined || token === '') return { spam: false };
  const match = /^(\d{1,12})\.([A-Za-z0-9_-]{22})$/.exec(token);
  if (!match) return { spam: true, reason: 'time_trap_forged' };
  const issuedAt = Number(match[1]);
  const expected = Buffer.from(sign(key, formId, issuedAt));
  const given = Buffer.from(match[2] as string);
  if (!timingSafeEqual(expected, given)) return { spam: true, reason: 'time_trap_forged' };
  if (now / 1000 - issuedAt < MIN_FILL_SECONDS) return { spam: true, reason: 'time_trap_too_fast' };
  return { spam: false };
}
