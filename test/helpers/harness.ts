// Runs the real app (createApp) on 127.0.0.1 against a real database, with a seeded account.

import type { AddressInfo } from 'node:net';
import http from 'node:http';
import { Writable } from 'node:stream';
import { createApp } from '../../ingest/app.ts';
import { loadConfig, type Env } from '../../ingest/config.ts';
import type { Database } from '../../ingest/db/database.ts';
import { memoryLimiterStores, type LimiterStoreFactory } from '../../ingest/http/rate-limits.ts';
import { createLogger } from '../../ingest/logger.ts';
import { Metrics } from '../../ingest/metrics.ts';
import { hashPassword } from '../../ingest/services/passwords.ts';
import { newFormId } from '../../ingest/services/ids.ts';
import { loadSecrets, type Secrets } from '../../ingest/services/secrets.ts';
import { widgetBundle } from '../../ingest/services/widget-bundle.ts';
import { consoleBundle } from '../../ingest/services/console-bundle.ts';
import { saveAccount, saveMembership, saveUser, type Role } from '../../ingest/store/accounts.ts';
import { DEFAULT_FORM_SETTINGS, saveForm, type FormSettings } from '../../ingest/store/forms.ts';
import { saveConfirmedRecipientFixture } from '../../ingest/store/recipients.ts';
import { saveSite } from '../../ingest/store/sites.ts';
import type { FormSchema } from '../../widget/schema.ts';
import { DEMO_SCHEMA } from '../../ingest/services/bootstrap.ts';

export const SITE_ORIGIN = 'https://shop.example';

export interface TestApp {
  url: string;
  db: Database;
  secrets: Secrets;
  /** Every log line the app wrote, parsed. */
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startTestApp(
  db: Database,
  env: Env = {},
  limiterStores: LimiterStoreFactory = memoryLimiterStores,
): Promise<TestApp> {
  const config = loadConfig({
    LOG_LEVEL: 'info',
    RATE_LIMIT_IP_PER_MINUTE: '100000',
    RATE_LIMIT_FORM_PER_MINUTE: '100000',
    PUBLIC_URL: 'http://console.formline.test',
    ...env,
  });
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger(config.logLevel, sink);
  const secrets = await loadSecrets(db, config.secretKey);
  const widget = await widgetBundle();
  const consoleApp = await consoleBundle();
  const { app, drain } = createApp({ config, db, logger, metrics: new Metrics({ defaultMetrics: false }), secrets, limiterStores, widget, consoleApp });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    db,
    secrets,
    logs,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await drain();
    },
  };
}

export interface Seeded {
  accountId: string;
  userId: string;
  email: string;
  password: string;
  siteId: string;
  formId: string;
}

let seq = 0;

/** An account (on the free plan unless `plan` says otherwise) with a verified owner, a site allowing SITE_ORIGIN, and a form. */
export async function seedAccount(
  db: Database,
  options: { schema?: FormSchema | null; settings?: Partial<FormSettings>; role?: Role; origins?: string[]; plan?: string; verified?: boolean } = {},
): Promise<Seeded> {
  const n = ++seq;
  const email = `owner${n}-${Date.now()}@example.com`;
  const password = `correct horse ${n}`;
  const account = await saveAccount(db, { name: `Account ${n}`, ...(options.plan ? { plan: options.plan } : {}) });
  // A seeded owner stands for someone who confirmed their address, unless the test says otherwise.
  const user = await saveUser(db, { email, passwordHash: await hashPassword(password), emailVerified: options.verified ?? true });
  await saveMembership(db, { accountId: account.id, userId: user.id, role: options.role ?? 'owner' });
  const site = await saveSite(db, {
    accountId: account.id,
    name: `Site ${n}`,
    domain: 'shop.example',
    allowedOrigins: options.origins ?? [SITE_ORIGIN],
  });
  const form = await saveForm(db, {
    id: newFormId(),
    siteId: site.id,
    accountId: account.id,
    name: `Form ${n}`,
    schema: options.schema === undefined ? CONTACT_SCHEMA : options.schema,
    settings: { ...DEFAULT_FORM_SETTINGS, notifyEmails: ['owner@shop.example'], ...options.settings },
  });
  // Fixture: the seeded form's alert recipients stand for ones who confirmed already (double
  // opt-in); a test of the confirmation itself adds its recipients through the console API.
  for (const address of form.settings.notifyEmails) await saveConfirmedRecipientFixture(db, account.id, 'email', address);
  for (const number of form.settings.notifyWhatsapp) await saveConfirmedRecipientFixture(db, account.id, 'whatsapp', number);
  return { accountId: account.id, userId: user.id, email, password, siteId: site.id, formId: form.id };
}

/** The contact form of DESIGN.md, as the demo form uses it. */
export const CONTACT_SCHEMA: FormSchema = DEMO_SCHEMA;

export const VALID_CONTACT = {
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  topic: 'Sales',
  message: 'Hello, I would like a quote.',
  consent: true,
};

/** Signs in through the API and returns the Cookie header value to send back. */
export async function signIn(url: string, email: string, password: string): Promise<string> {
  const res = await fetch(`${url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  const cookie = res.headers.get('set-cookie');
  if (!cookie) throw new Error('sign-in set no cookie');
  return cookie.split(';')[0] as string;
}

/** Headers for a console request: the session cookie and an Origin of the service itself. */
export function consoleHeaders(cookie: string, url: string): Record<string, string> {
  return { cookie, origin: url, 'content-type': 'application/json' };
}
