// Structured JSON logs (pino). Secrets never reach a log line: credentials, cookies and keys are
// redacted wherever they appear in a logged request, response, error or object, and the
// `user:password@` part of any URL in an error message is cut out.

import { pino, type Logger } from 'pino';

export type { Logger };

export const REDACTED = '[redacted]';

/**
 * Names whose value is a secret, matched at any depth (case-insensitively). Connection strings
 * are here whole: a `postgres://`, `redis://` or `smtp://` URL carries its password.
 */
const SECRET_KEYS = [
  'password',
  'adminPassword',
  'passwordHash',
  'token',
  'secret',
  'secretKey',
  'webhookSecret',
  'authToken',
  'apiKey',
  'authorization',
  'cookie',
  'set-cookie',
  'databaseUrl',
  'smtpUrl',
  'redisUrl',
  'mongodbUrl',
];

/**
 * The places secrets sit in what we log, as pino redact paths: explicit paths only. A wildcard
 * path ("*.password") makes pino walk every logged object; measured, it made the per-request log
 * line five to ten times dearer. Deeper or other places are covered by `redactNested` below,
 * which costs nothing on the flat lines that make up nearly all logging.
 */
const REDACT_PATHS = [
  ...SECRET_KEYS.map((key) => (/^[A-Za-z]+$/.test(key) ? key : `["${key}"]`)),
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'res.headers["set-cookie"]',
  'config.stripe.secretKey',
  'config.stripe.webhookSecret',
  'config.twilio.authToken',
];

const SECRET_NAMES = new Set(SECRET_KEYS.map((key) => key.toLowerCase()));
// scheme://user:password@host (or scheme://token@host): the credentials go, the host stays.
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi;
// One-use links' tokens in a request's query string (?token=..., e.g. invitation lookups).
const SECRET_QUERY = /([?&](?:token|password|secret|key|api_key|apikey)=)[^&#\s]*/gi;
const MAX_DEPTH = 8;
const ERROR_KEYS = new Set(['err', 'error']);

export function redactText(text: string): string {
  return text.includes('@') ? text.replace(URL_CREDENTIALS, `$1${REDACTED}@`) : text;
}

function redactValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value;
  if (value instanceof Error) return serializeError(value, depth);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1));
  if (Buffer.isBuffer(value) || value instanceof Date) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    copy[key] = SECRET_NAMES.has(key.toLowerCase()) ? REDACTED : redactValue(item, depth + 1);
  }
  return copy;
}

function serializeError(error: unknown, depth = 0): unknown {
  return redactValue(pino.stdSerializers.err(error as Error), depth + 1);
}

/**
 * Every logged object passes here before pino's serializers and redact paths. A flat line (the
 * request log) is returned as it is after one look at its values; an object that nests others is
 * copied with every secret-named key redacted, at any depth.
 */
function redactNested(object: Record<string, unknown>): Record<string, unknown> {
  let flat = true;
  for (const key in object) {
    const value = object[key];
    if ((value !== null && typeof value === 'object' && !(value instanceof Error)) || (typeof value === 'string' && value.includes('@'))) {
      flat = false;
      break;
    }
  }
  if (flat) return object;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    if (SECRET_NAMES.has(key.toLowerCase())) copy[key] = REDACTED;
    // The err and error serializers below take these.
    else if (value instanceof Error && ERROR_KEYS.has(key)) copy[key] = value;
    else copy[key] = redactValue(value, 1);
  }
  return copy;
}

const serializers = {
  err: serializeError,
  // Some callers log a failure's text as `error`.
  error: (value: unknown) => (value instanceof Error ? serializeError(value) : redactValue(value, 0)),
  url: (value: unknown) => (typeof value === 'string' && value.includes('?') ? value.replace(SECRET_QUERY, `$1${REDACTED}`) : value),
  msg: (value: unknown) => (typeof value === 'string' ? redactText(value) : value),
};

/**
 * Logs go to stdout through an asynchronous buffer: under load one write carries many lines
 * instead of one system call per line. pino flushes it when the process exits.
 */
export function createLogger(level: string, destination: pino.DestinationStream = pino.destination({ dest: 1, sync: false })): Logger {
  return pino(
    {
      level,
      base: { service: 'formline' },
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      serializers,
      formatters: { log: redactNested },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
