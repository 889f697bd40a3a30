// Starts the whole service from a Config: database (PostgreSQL or embedded PGlite), migrations,
// first-start bootstrap, rate-limit store, HTTP server, the notification worker (unless
// WORKER=false). Returns a handle that stops it cleanly.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.ts';
import type { Config } from './config.ts';
import { openDatabase, type Database } from './db/database.ts';
import { lockDataDir } from './db/data-dir-lock.ts';
import { migrate } from './db/migrate.ts';
import { connectRedisLimiterStores, memoryLimiterStores } from './http/rate-limits.ts';
import { createLogger, type Logger } from './logger.ts';
import { Metrics } from './metrics.ts';
import { metricsApp } from './routes/health.ts';
import { bootstrap, type BootstrapResult } from './services/bootstrap.ts';
import { loadSecrets } from './services/secrets.ts';
import { widgetBundle } from './services/widget-bundle.ts';
import { consoleBundle } from './services/console-bundle.ts';
import { saveWidgetRelease } from './store/widget-releases.ts';
import { startWorker } from './worker.ts';

export interface RunningService {
  /** Where this process listens, e.g. http://127.0.0.1:8080. */
  url: string;
  /** Where METRICS_LISTEN serves /metrics, when set. */
  metricsUrl?: string;
  db: Database;
  bootstrap: BootstrapResult;
  logger: Logger;
  close(): Promise<void>;
}

export async function startService(config: Readonly<Config>, logger = createLogger(config.logLevel)): Promise<RunningService> {
  const unlock = config.databaseUrl ? () => {} : lockDataDir(config.dataDir);
  const cleanup: (() => Promise<void> | void)[] = [unlock];
  try {
    const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolSize: config.databasePoolSize });
    cleanup.unshift(() => db.close());
    const applied = await migrate(db);
    if (applied.length > 0) logger.info({ applied }, 'migrations applied');
    const secrets = await loadSecrets(db, config.secretKey);
    const boot = await bootstrap(db, {
      adminEmail: config.adminEmail,
      adminPassword: config.adminPassword,
      publicUrl: config.publicUrl,
      demo: config.demo,
    });

    let limiterStores = memoryLimiterStores;
    if (config.redisUrl) {
      const redis = await connectRedisLimiterStores(config.redisUrl, 'formline:rl:', logger);
      cleanup.unshift(() => redis.close());
      limiterStores = redis.stores;
    }

    const widget = await widgetBundle();
    // Recorded, so this build's pinned URL is served by every instance, now and after upgrades.
    await saveWidgetRelease(db, widget);
    const consoleApp = await consoleBundle();
    const metrics = new Metrics();
    const { app, drain } = createApp({ config, db, logger, metrics, secrets, limiterStores, widget, consoleApp });
    let metricsUrl: string | undefined;
    if (config.metrics.listen) {
      // A listener of its own (e.g. 127.0.0.1:9464), reachable by the scraper and not the public.
      const metricsServer = http.createServer(metricsApp(metrics, config.metrics.token, logger));
      await listen(metricsServer, config.metrics.listen.port, config.metrics.listen.host);
      cleanup.unshift(() => new Promise<void>((resolve) => metricsServer.close(() => resolve())));
      metricsUrl = urlOf(metricsServer);
      logger.info({ url: metricsUrl }, 'metrics listening');
    }
    const server = http.createServer(app);
    // Behind a load balancer, keep-alive must outlast the balancer's idle timeout.
    server.keepAliveTimeout = 65_000;
    await listen(server, config.port, config.host);
    const url = urlOf(server);
    logger.info({ url, database: db.kind }, 'listening');
    const worker = config.worker.enabled ? startWorker({ db, config, logger }) : undefined;

    let closing: Promise<void> | undefined;
    const close = () =>
      (closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await drain();
        await worker?.stop();
        for (const step of cleanup) await step();
      })());
    return { url, ...(metricsUrl ? { metricsUrl } : {}), db, bootstrap: boot, logger, close };
  } catch (error) {
    for (const step of cleanup) await Promise.resolve(step()).catch(() => {});
    throw error;
  }
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
}

function urlOf(server: http.Server): string {
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${address.port}`;
}
