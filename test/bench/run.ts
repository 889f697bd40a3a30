// `npm run bench`: the submission benchmark below, then the console benchmark (console.ts).
// BENCH=submission or BENCH=console runs one of them alone.
//
// The submission benchmark loads POST /v1/f/:formId on PostgreSQL with the
// full pipeline (the real service, LOG_LEVEL=info, logs to a file) and, in the same run, a bare
// Express app answering 201 to the same request; writes test/bench/results.json.
// Goal: the full pipeline reaches at least 0.8 of bare Express's requests/s, with p99 under 50 ms.
//
// The loader shares the machine with both servers, and a shared machine's speed drifts from one
// minute to the next. So the two are measured in alternating rounds (bare, full, full, bare, ...)
// and compared by their medians, rather than one long run of each.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { createPostgresSchema } from '../helpers/databases.ts';
import { freePort } from '../helpers/ports.ts';
import { runConsoleBenchmark } from './console.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RESULTS = path.join(ROOT, 'test/bench/results.json');
const CONNECTIONS = 50;
const DURATION_SECONDS = Number(process.env['BENCH_DURATION'] ?? 6);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 7);
const WARMUP_SECONDS = 3;
const DATABASE_URL = process.env['BENCH_DATABASE_URL'] ?? process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

const BODY = JSON.stringify({
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  topic: 'Sales',
  message: 'Hello, I would like a quote for the analytical engine.',
  consent: true,
});

async function waitForHttp(url: string, child: ChildProcess, logFile: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`process exited:\n${fs.readFileSync(logFile, 'utf8')}`);
    try {
      await fetch(url, { method: 'OPTIONS' });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`nothing answered at ${url}`);
}

/** Starts a process whose output goes to a file, so the loader does not spend CPU reading logs. */
async function startProcess(args: string[], env: Record<string, string>, name: string): Promise<{ url: string; child: ChildProcess; logFile: string }> {
  const port = await freePort();
  const logFile = path.join(os.tmpdir(), `formline-bench-${name}.log`);
  const out = fs.openSync(logFile, 'w');
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(url, child, logFile);
  return { url, child, logFile };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

interface Figures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  requests: number;
  /** CPU time the server process spent per request (user + system), in microseconds. */
  serverCpuMicrosPerRequest: number;
  /** CPU time every PostgreSQL process on the machine spent per request (0 for the bare server). */
  databaseCpuMicrosPerRequest: number;
  /** CPU time the loader (this process) spent per request. */
  loaderCpuMicrosPerRequest: number;
}

/** User + system CPU time of a process so far, in microseconds (Linux /proc). */
function cpuMicros(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1e6) / CLOCK_TICKS_PER_SECOND;
}
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time of every process named postgres so far (the server, its backends and its writers). */
function postgresCpuMicros(): number {
  let total = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.includes('(postgres)')) total += cpuMicros(Number(entry));
    } catch {
      // the process ended between listing and reading
    }
  }
  return total;
}

function ownCpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

async function load(url: string, seconds: number, pid?: number, database = false): Promise<Figures> {
  const cpuBefore = pid ? cpuMicros(pid) : 0;
  const databaseBefore = database ? postgresCpuMicros() : 0;
  const loaderBefore = ownCpuMicros();
  const result = await autocannon({
    url: `${url}/v1/f/f_demo`,
    method: 'POST',
    connections: CONNECTIONS,
    duration: seconds,
    // Every request its own Idempotency-Key, as the widget sends.
    idReplacement: true,
    headers: { 'content-type': 'application/json', 'idempotency-key': '[<id>]' },
    body: BODY,
  });
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    requests: result.requests.total,
    serverCpuMicrosPerRequest: pid ? perRequest(cpuMicros(pid) - cpuBefore, result.requests.total) : 0,
    databaseCpuMicrosPerRequest: database ? perRequest(postgresCpuMicros() - databaseBefore, result.requests.total) : 0,
    loaderCpuMicrosPerRequest: perRequest(ownCpuMicros() - loaderBefore, result.requests.total),
  };
}

function cpuLine(f: Figures): string {
  const parts = [`server ${f.serverCpuMicrosPerRequest}`, `loader ${f.loaderCpuMicrosPerRequest}`];
  if (f.databaseCpuMicrosPerRequest) parts.push(`PostgreSQL ${f.databaseCpuMicrosPerRequest}`);
  return parts.join(', ');
}

function perRequest(micros: number, requests: number): number {
  return Math.round(micros / Math.max(1, requests));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function summarise(rounds: Figures[]): Figures & { rounds: Figures[] } {
  return {
    requestsPerSecond: Math.round(median(rounds.map((r) => r.requestsPerSecond))),
    p50Ms: median(rounds.map((r) => r.p50Ms)),
    p99Ms: median(rounds.map((r) => r.p99Ms)),
    non2xx: rounds.reduce((sum, r) => sum + r.non2xx, 0),
    errors: rounds.reduce((sum, r) => sum + r.errors, 0),
    requests: rounds.reduce((sum, r) => sum + r.requests, 0),
    serverCpuMicrosPerRequest: median(rounds.map((r) => r.serverCpuMicrosPerRequest)),
    databaseCpuMicrosPerRequest: median(rounds.map((r) => r.databaseCpuMicrosPerRequest)),
    loaderCpuMicrosPerRequest: median(rounds.map((r) => r.loaderCpuMicrosPerRequest)),
    rounds,
  };
}

async function main(): Promise<void> {
  const schema = await createPostgresSchema(DATABASE_URL);
  const log = (line: string) => process.stdout.write(line + '\n');
  const started: ChildProcess[] = [];
  try {
    log(
      `Submission benchmark: ${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${DURATION_SECONDS} s each ` +
        `(after ${WARMUP_SECONDS} s warm-up), ${os.cpus().length} CPUs`,
    );
    const bare = await startProcess(['test/bench/bare-express.ts'], {}, 'bare');
    started.push(bare.child);
    const full = await startProcess(
      ['ingest/cli.ts', 'start'],
      {
        DATABASE_URL: schema.url,
        LOG_LEVEL: 'info',
        ADMIN_PASSWORD: 'benchmark-password',
        RATE_LIMIT_IP_PER_MINUTE: '100000000',
        RATE_LIMIT_FORM_PER_MINUTE: '100000000',
      },
      'full',
    );
    started.push(full.child);
    await load(bare.url, WARMUP_SECONDS);
    await load(full.url, WARMUP_SECONDS);

    const bareRounds: Figures[] = [];
    const fullRounds: Figures[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // bare, full | full, bare | ...: drift over the run weighs on both alike.
      const order = round % 2 === 0 ? (['bare', 'full'] as const) : (['full', 'bare'] as const);
      for (const which of order) {
        const server = which === 'bare' ? bare : full;
        const figures = await load(server.url, DURATION_SECONDS, server.child.pid, which === 'full');
        (which === 'bare' ? bareRounds : fullRounds).push(figures);
        log(
          `  round ${round + 1} ${which.padEnd(4)}: ${figures.requestsPerSecond} req/s, p50 ${figures.p50Ms} ms, ` +
            `p99 ${figures.p99Ms} ms, CPU µs/request: ${cpuLine(figures)}`,
        );
      }
    }
    const bareFigures = summarise(bareRounds);
    const fullFigures = summarise(fullRounds);
    const line = (f: Figures) => `${f.requestsPerSecond} req/s, p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms, CPU µs/request: ${cpuLine(f)}`;
    log(`bare Express (median):  ${line(bareFigures)}`);
    log(`full pipeline (median): ${line(fullFigures)}`);

    const stored = await countStored(schema.url);
    const ratio = Math.round((fullFigures.requestsPerSecond / bareFigures.requestsPerSecond) * 1000) / 1000;
    log(`ratio ${ratio} (goal >= 0.8), full p99 ${fullFigures.p99Ms} ms (goal < 50 ms); ${stored} submissions stored`);
    if (fullFigures.non2xx > 0 || fullFigures.errors > 0) {
      log(`warning: ${fullFigures.non2xx} non-2xx answers and ${fullFigures.errors} errors under load`);
    }

    const previous = fs.existsSync(RESULTS) ? (JSON.parse(fs.readFileSync(RESULTS, 'utf8')) as Record<string, unknown>) : {};
    const results = {
      ...previous,
      submission: {
        date: new Date().toISOString(),
        machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', node: process.version },
        connections: CONNECTIONS,
        durationSeconds: DURATION_SECONDS,
        rounds: ROUNDS,
        database: 'postgresql',
        bareExpress: bareFigures,
        fullPipeline: { ...fullFigures, stored },
        ratio,
        goals: { ratio: 0.8, p99Ms: 50, met: ratio >= 0.8 && fullFigures.p99Ms < 50 },
      },
    };
    fs.writeFileSync(RESULTS, JSON.stringify(results, null, 2) + '\n');
    log(`wrote ${path.relative(ROOT, RESULTS)}`);
  } finally {
    for (const child of started) await stop(child);
    await schema.drop();
  }
}

async function countStored(url: string): Promise<number> {
  const { openDatabase } = await import('../../ingest/db/database.ts');
  const db = await openDatabase({ url });
  try {
    const [row] = await db.query<{ n: number }>('select count(*)::int as n from submissions');
    return row?.n ?? 0;
  } finally {
    await db.close();
  }
}

async function runSelected(which: string): Promise<void> {
  if (!['all', 'submission', 'console'].includes(which)) throw new Error(`BENCH must be all, submission or console, not ${which}`);
  if (which !== 'console') await main();
  if (which !== 'submission') await runConsoleBenchmark();
}

runSelected(process.env['BENCH'] ?? 'all').catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
