// The command line: `start` (the service, with a worker), `migrate` (apply sql/ and exit),
// `worker` (a notification worker alone, on PostgreSQL).
// `npm start` runs `start`; a bad environment stops boot with a message naming the variable.

import { ConfigError, loadConfig, type Config } from './config.ts';
import { openDatabase } from './db/database.ts';
import { lockDataDir } from './db/data-dir-lock.ts';
import { migrate } from './db/migrate.ts';
import { createLogger } from './logger.ts';
import { startService } from './server.ts';
import { startWorker } from './worker.ts';
import { widgetBundle, type WidgetBundle } from './services/widget-bundle.ts';

function banner(config: Readonly<Config>, url: string, boot: Awaited<ReturnType<typeof startService>>['bootstrap'], widget: WidgetBundle): string {
  const base = config.publicUrl;
  const lines = [
    '',
    `Formline is running at ${base} (listening on ${url}, ${config.databaseUrl ? 'PostgreSQL' : `embedded PGlite in ${config.dataDir}`})`,
    `  Console:  ${base}/console/`,
    `  Login:    ${boot.adminEmail}`,
    boot.generatedPassword
      ? `  Password: ${boot.generatedPassword}   (generated now and shown once; set ADMIN_PASSWORD to choose it)`
      : boot.created
        ? '  Password: the one in ADMIN_PASSWORD'
        : '  Password: as set when this database was first started',
  ];
  if (boot.demoFormId) lines.push(`  Demo form: ${base}/v1/forms/${boot.demoFormId}  (posts go to ${base}/v1/f/${boot.demoFormId})`);
  lines.push(`  Examples: ${base}/examples/contact.html  (and enhance, no-js, waitlist, strict-csp)`);
  lines.push(`  Embed:    <script src="${base}/w.${widget.hash}.js" integrity="${widget.integrity}" crossorigin="anonymous" async></script>`);
  return lines.join('\n') + '\n';
}

// How long a stop may take (finishing startup, then the in-flight writes) before it is forced.
const STOP_GRACE_MS = 20_000;

async function main(command: string | undefined): Promise<void> {
  const config = loadConfig();
  switch (command) {
    case 'start': {
      // Handlers go in before anything starts: a signal that arrives during startup, or just
      // after the banner, must still stop the service cleanly rather than kill it mid-write.
      // During startup the stop waits for it to finish (a migration is not cut in half), at most
      // STOP_GRACE_MS; a second signal stops at once.
      const starting = startService(config);
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) {
          process.stderr.write(`${signal} again: stopping at once\n`);
          process.exit(1);
        }
        stopping = true;
        setTimeout(() => {
          process.stderr.write(`did not stop within ${STOP_GRACE_MS / 1000} s of ${signal}: stopping at once\n`);
          process.exit(1);
        }, STOP_GRACE_MS).unref();
        starting.then(
          async (service) => {
            service.logger.info({ signal }, 'stopping');
            try {
              await service.close();
            } catch (error) {
              process.stderr.write(`error while stopping: ${error instanceof Error ? error.stack : String(error)}\n`);
              process.exit(1);
            }
            process.exit(0);
          },
          // Startup failed: main() reports why and exits.
          () => {},
        );
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
      const service = await starting;
      const widget = await widgetBundle();
      if (!stopping) process.stdout.write(banner(config, service.url, service.bootstrap, widget));
      return;
    }
    case 'migrate': {
      const unlock = config.databaseUrl ? () => {} : lockDataDir(config.dataDir);
      const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
      try {
        const applied = await migrate(db);
        process.stdout.write(applied.length ? `Applied ${applied.join(', ')}\n` : 'Nothing to apply.\n');
      } finally {
        await db.close();
        unlock();
      }
      return;
    }
    case 'worker': {
      // A worker of its own, beside any number of others and of services: PostgreSQL only (an
      // embedded PGlite database belongs to the one process that opened it; `start` runs a worker).
      if (!config.databaseUrl) {
        throw new ConfigError('npm run worker needs DATABASE_URL (PostgreSQL); with the embedded database, `npm start` runs the worker itself.');
      }
      const db = await openDatabase({ url: config.databaseUrl, poolSize: config.databasePoolSize });
      await migrate(db);
      const logger = createLogger(config.logLevel);
      const worker = startWorker({ db, config, logger });
      logger.info({ database: 'postgres' }, 'worker started');
      const stop = (signal: string) => {
        logger.info({ signal }, 'worker stopping');
        void worker
          .stop()
          .then(() => db.close())
          .then(() => process.exit(0));
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
      return;
    }
    default:
      process.stderr.write('Usage: tsx ingest/cli.ts <start|migrate|worker>\n');
      process.exitCode = 2;
  }
}

main(process.argv[2]).catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
