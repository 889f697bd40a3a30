// The only module that reads process.env. Everything is validated once at boot into a typed,
// frozen object; a bad value stops boot with a message naming the variable.

import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_PLANS_FILE, loadPlans, PlansError, type Plans } from './billing/plans.ts';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const emptyToUndefined = (value: unknown) => (value === '' ? undefined : value);
const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
const optionalUrl = (protocols: string[]) =>
  z.preprocess(
    emptyToUndefined,
    z
      .string()
      .refine((value) => {
        try {
          return protocols.includes(new URL(value).protocol);
        } catch {
          return false;
        }
      }, `must be a URL starting with ${protocols.map((p) => p + '//').join(' or ')}`)
      .optional(),
  );
const positiveInt = (fallback: number) => z.preprocess(emptyToUndefined, z.coerce.number().int().positive().default(fallback));
const flag = (fallback: boolean) =>
  z.preprocess(
    emptyToUndefined,
    z
      .enum(['true', 'false', '1', '0'])
      .transform((value) => value === 'true' || value === '1')
      .default(fallback),
  );

const envSchema = z.object({
  PORT: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(65535).default(8080)),
  HOST: z.preprocess(emptyToUndefined, z.string().default('0.0.0.0')),
  PUBLIC_URL: optionalUrl(['http:', 'https:']),
  DATA_DIR: z.preprocess(emptyToUndefined, z.string().default('./data')),
  DATABASE_URL: optionalUrl(['postgres:', 'postgresql:']),
  DATABASE_POOL_SIZE: positiveInt(10),
  SUBMISSION_STORE: z.preprocess(emptyToUndefined, z.enum(['postgres', 'mongodb']).default('postgres')),
  MONGODB_URL: optionalUrl(['mongodb:', 'mongodb+srv:']),
  REDIS_URL: optionalUrl(['redis:', 'rediss:']),
  SMTP_URL: optionalUrl(['smtp:', 'smtps:']),
  MAIL_FROM: optionalString,
  TWILIO_ACCOUNT_SID: optionalString,
  TWILIO_AUTH_TOKEN: optionalString,
  TWILIO_WHATSAPP_FROM: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^(whatsapp:)?\+[1-9]\d{6,14}$/, 'must be the WhatsApp sender as an E.164 number, such as +14155238886 or whatsapp:+14155238886')
      .optional(),
  ),
  TWILIO_WHATSAPP_CONTENT_SID: z.preprocess(
    emptyToUndefined,
    z.string().regex(/^HX[0-9a-f]{32}$/, 'must be a Twilio Content SID: HX followed by 32 hex digits').optional(),
  ),
  TWILIO_API_BASE: optionalUrl(['http:', 'https:']),
  STRIPE_SECRET_KEY: optionalString,
  STRIPE_WEBHOOK_SECRET: optionalString,
  STRIPE_API_BASE: optionalUrl(['http:', 'https:']),
  STRIPE_METER_EVENT_NAME: z.preprocess(emptyToUndefined, z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, 'must be a meter event name').default('formline_submissions')),
  PLANS_FILE: optionalString,
  BILLING_GRACE_DAYS: positiveInt(7),
  BILLING_SWEEP_SECONDS: positiveInt(60),
  CAPTCHA_VERIFY_URL: optionalUrl(['http:', 'https:']),
  CAPTCHA_SCRIPT_URL: optionalUrl(['http:', 'https:']),
  ADMIN_EMAIL: z.preprocess(emptyToUndefined, z.email().default('admin@example.com')),
  ADMIN_PASSWORD: z.preprocess(emptyToUndefined, z.string().min(8, 'must be at least 8 characters').optional()),
  LOG_LEVEL: z.preprocess(emptyToUndefined, z.enum(LOG_LEVELS).default('info')),
  SECRET_KEY: z.preprocess(emptyToUndefined, z.string().min(32, 'must be at least 32 characters').optional()),
  TRUST_PROXY: z.preprocess(emptyToUndefined, z.string().default('loopback')),
  RATE_LIMIT_IP_PER_MINUTE: positiveInt(60),
  RATE_LIMIT_FORM_PER_MINUTE: positiveInt(600),
  LOGIN_ATTEMPTS_PER_15_MINUTES: positiveInt(10),
  LOGIN_ATTEMPTS_PER_IP_PER_15_MINUTES: positiveInt(100),
  LOGIN_ATTEMPTS_PER_EMAIL_PER_15_MINUTES: positiveInt(50),
  SIGNUPS_PER_HOUR: positiveInt(10),
  ACCOUNT_EMAILS_PER_ADDRESS_PER_HOUR: positiveInt(5),
  SESSION_IDLE_MINUTES: positiveInt(7 * 24 * 60),
  SIGNUPS: z.preprocess(emptyToUndefined, z.enum(['open', 'invite', 'closed']).default('open')),
  WHATSAPP_TESTS_PER_HOUR: positiveInt(5),
  RECIPIENT_CONFIRMATIONS_PER_DAY: positiveInt(3),
  MAX_BODY_BYTES: positiveInt(100 * 1024),
  SUBMISSION_BATCH_SIZE: positiveInt(256),
  DEMO: flag(true),
  WORKER: flag(true),
  WORKER_POLL_MS: positiveInt(1000),
  JOB_MAX_ATTEMPTS: positiveInt(8),
  JOB_RETRY_BASE_MS: positiveInt(30_000),
  WEBHOOK_ALLOW_PRIVATE: flag(false),
  WEBHOOK_TIMEOUT_MS: positiveInt(10_000),
  WHATSAPP_DIGEST_SECONDS: positiveInt(60),
  AUTORESPONSES_PER_ADDRESS_PER_DAY: positiveInt(3),
  RETENTION_SWEEP_MINUTES: positiveInt(60),
  SEARCH_INDEX_INTERVAL_MS: positiveInt(1000),
  METRICS_TOKEN: z.preprocess(emptyToUndefined, z.string().regex(/^[\x21-\x7e]{16,200}$/, 'must be 16 to 200 visible ASCII characters').optional()),
  METRICS_LISTEN: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'must be host:port, such as 127.0.0.1:9464')
      .refine((value) => Number(value.slice(value.lastIndexOf(':') + 1)) <= 65535, 'the port must be at most 65535')
      .optional(),
  ),
});

export type Env = Record<string, string | undefined>;

export interface Config {
  port: number;
  host: string;
  publicUrl: string;
  dataDir: string;
  databaseUrl: string | undefined;
  databasePoolSize: number;
  submissionStore: 'postgres' | 'mongodb';
  mongodbUrl: string | undefined;
  redisUrl: string | undefined;
  smtpUrl: string | undefined;
  mailFrom: string;
  twilio: {
    accountSid: string | undefined;
    authToken: string | undefined;
    whatsappFrom: string | undefined;
    whatsappContentSid: string | undefined;
    apiBase: string | undefined;
    /** After an alert to an admin, later submissions to the form within this window go out as one digest. */
    digestSeconds: number;
  };
  stripe: {
    secretKey: string | undefined;
    webhookSecret: string | undefined;
    apiBase: string | undefined;
    /** The event name of the Billing Meter overage is reported to. */
    meterEventName: string;
  };
  /** The plans (PLANS_FILE, else ingest/billing/plans.json). */
  plans: Readonly<Plans>;
  billing: {
    /** Days after a first failed payment before the account is held to the free plan's limits. */
    graceDays: number;
    /** How often a worker sends quota emails, reports overage and closes periods. */
    sweepMs: number;
  };
  /** Stand-ins for the captcha providers' siteverify endpoint and script (tests, proxies). */
  captcha: { verifyUrl: string | undefined; scriptUrl: string | undefined };
  adminEmail: string;
  adminPassword: string | undefined;
  logLevel: (typeof LOG_LEVELS)[number];
  /** Keys the time-trap tokens and visitor IP hashes; generated and kept in the database when unset. */
  secretKey: string | undefined;
  /** Express's `trust proxy` setting: how many or which proxies may set X-Forwarded-For. */
  trustProxy: string | number | boolean;
  limits: {
    ipPerMinute: number;
    formPerMinute: number;
    loginAttemptsPer15Minutes: number;
    loginAttemptsPerIpPer15Minutes: number;
    loginAttemptsPerEmailPer15Minutes: number;
    signUpsPerHour: number;
    /** Verification, reset and invitation emails one address may get in an hour. */
    accountEmailsPerAddressPerHour: number;
    /** WhatsApp test messages one account may send in an hour (each is a paid message). */
    whatsappTestsPerHour: number;
    /** Confirmation messages one alert recipient can receive in a day (the first and the resends). */
    recipientConfirmationsPerDay: number;
    maxBodyBytes: number;
  };
  /** A console session unused for this long ends (besides its absolute 30 days). */
  sessionIdleMinutes: number;
  /** Who may sign up: anyone, only someone with a valid invitation, or nobody. */
  signups: 'open' | 'invite' | 'closed';
  submissionBatchSize: number;
  /** Create the demo site and form on an empty database. */
  demo: boolean;
  /** The notification worker: whether `start` runs one, and how it retries. */
  worker: {
    enabled: boolean;
    pollMs: number;
    maxAttempts: number;
    retryBaseMs: number;
    /** Development only: let webhooks reach private, loopback and link-local addresses, over http. */
    allowPrivateWebhooks: boolean;
    /** The whole of one webhook request (connect, send, answer) must take no longer than this. */
    webhookTimeoutMs: number;
    /** Autoresponses one address may get in 24 hours. */
    autoresponsesPerAddressPerDay: number;
    /** How often a worker deletes submissions past their form's retention. */
    retentionSweepMs: number;
    /** How often a worker adds new submissions to the search index. */
    searchIndexMs: number;
  };
  /**
   * /metrics is never public: served on the main port only with `Authorization: Bearer <token>`,
   * or on a listen address of its own (then not on the main port); with neither, not at all.
   */
  metrics: {
    token: string | undefined;
    listen: { host: string; port: number } | undefined;
  };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function parseTrustProxy(value: string): string | number | boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

function parseListen(value: string): { host: string; port: number } {
  const colon = value.lastIndexOf(':');
  return { host: value.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(value.slice(colon + 1)) };
}

function readPlans(file: string | undefined): Readonly<Plans> {
  try {
    return loadPlans(file ? path.resolve(file) : DEFAULT_PLANS_FILE);
  } catch (error) {
    if (error instanceof PlansError) throw new ConfigError(error.message);
    throw error;
  }
}

export function loadConfig(env: Env = process.env): Readonly<Config> {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  if (e.SUBMISSION_STORE === 'mongodb') {
    throw new ConfigError(
      'SUBMISSION_STORE: "mongodb" is not available in this version; submissions are stored in PostgreSQL (leave it unset or "postgres").',
    );
  }
  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT || 8080}`).replace(/\/+$/, '');
  const config: Config = {
    port: e.PORT,
    host: e.HOST,
    publicUrl,
    dataDir: path.resolve(e.DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    submissionStore: e.SUBMISSION_STORE,
    mongodbUrl: e.MONGODB_URL,
    redisUrl: e.REDIS_URL,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM ?? `Formline <no-reply@${new URL(publicUrl).hostname}>`,
    twilio: Object.freeze({
      accountSid: e.TWILIO_ACCOUNT_SID,
      authToken: e.TWILIO_AUTH_TOKEN,
      whatsappFrom: e.TWILIO_WHATSAPP_FROM,
      whatsappContentSid: e.TWILIO_WHATSAPP_CONTENT_SID,
      apiBase: e.TWILIO_API_BASE,
      digestSeconds: e.WHATSAPP_DIGEST_SECONDS,
    }),
    stripe: Object.freeze({
      secretKey: e.STRIPE_SECRET_KEY,
      webhookSecret: e.STRIPE_WEBHOOK_SECRET,
      apiBase: e.STRIPE_API_BASE,
      meterEventName: e.STRIPE_METER_EVENT_NAME,
    }),
    plans: readPlans(e.PLANS_FILE),
    billing: Object.freeze({ graceDays: e.BILLING_GRACE_DAYS, sweepMs: e.BILLING_SWEEP_SECONDS * 1000 }),
    captcha: Object.freeze({ verifyUrl: e.CAPTCHA_VERIFY_URL, scriptUrl: e.CAPTCHA_SCRIPT_URL }),
    adminEmail: e.ADMIN_EMAIL.toLowerCase(),
    adminPassword: e.ADMIN_PASSWORD,
    logLevel: e.LOG_LEVEL,
    secretKey: e.SECRET_KEY,
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    limits: Object.freeze({
      ipPerMinute: e.RATE_LIMIT_IP_PER_MINUTE,
      formPerMinute: e.RATE_LIMIT_FORM_PER_MINUTE,
      loginAttemptsPer15Minutes: e.LOGIN_ATTEMPTS_PER_15_MINUTES,
      loginAttemptsPerIpPer15Minutes: e.LOGIN_ATTEMPTS_PER_IP_PER_15_MINUTES,
      loginAttemptsPerEmailPer15Minutes: e.LOGIN_ATTEMPTS_PER_EMAIL_PER_15_MINUTES,
      signUpsPerHour: e.SIGNUPS_PER_HOUR,
      accountEmailsPerAddressPerHour: e.ACCOUNT_EMAILS_PER_ADDRESS_PER_HOUR,
      whatsappTestsPerHour: e.WHATSAPP_TESTS_PER_HOUR,
      recipientConfirmationsPerDay: e.RECIPIENT_CONFIRMATIONS_PER_DAY,
      maxBodyBytes: e.MAX_BODY_BYTES,
    }),
    sessionIdleMinutes: e.SESSION_IDLE_MINUTES,
    signups: e.SIGNUPS,
    submissionBatchSize: e.SUBMISSION_BATCH_SIZE,
    demo: e.DEMO,
    worker: Object.freeze({
      enabled: e.WORKER,
      pollMs: e.WORKER_POLL_MS,
      maxAttempts: e.JOB_MAX_ATTEMPTS,
      retryBaseMs: e.JOB_RETRY_BASE_MS,
      allowPrivateWebhooks: e.WEBHOOK_ALLOW_PRIVATE,
      webhookTimeoutMs: e.WEBHOOK_TIMEOUT_MS,
      autoresponsesPerAddressPerDay: e.AUTORESPONSES_PER_ADDRESS_PER_DAY,
      retentionSweepMs: e.RETENTION_SWEEP_MINUTES * 60_000,
      searchIndexMs: e.SEARCH_INDEX_INTERVAL_MS,
    }),
    metrics: Object.freeze({ token: e.METRICS_TOKEN, listen: e.METRICS_LISTEN ? parseListen(e.METRICS_LISTEN) : undefined }),
  };
  return Object.freeze(config);
}
