// The console benchmark (`npm run bench`, or `BENCH=console npm run bench` alone): one form with
// 1,000,000 submissions in PostgreSQL, the real service as a child process, and the console's
// own requests with a session cookie.
// - Inbox pages (GET /api/forms/f_demo/submissions): the first page, a deep page (following
//   nextCursor from about 900,000 rows in), status filters and a date range, each for a number of
//   sequential requests after a warm-up; p50, p95, p99. Goal: p95 under 50 ms for the first and
//   the deep page. Searches (`q`) are measured too, with fewer requests, and have no goal yet.
// - Exports: the whole CSV (and JSON) over HTTP, read as a browser would and discarded, in rows
//   per second, against PostgreSQL's own `COPY (the same rows, the same columns) TO STDOUT` via
//   psql in the same run. The COPY is written to give the very bytes the service sends, so the
//   two outputs' SHA-256 must agree: the comparison is of equal work.
// Writes the figures under "console" in test/bench/results.json, keeping the other keys.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase, type Database } from '../../ingest/db/database.ts';
import { encodeCursor } from '../../ingest/routes/submissions.ts';
import { createPostgresSchema } from '../helpers/databases.ts';
import { indexSubmissions } from '../../ingest/services/search-indexer.ts';
import { startServiceProcess, type ServiceProcess } from '../helpers/service-process.ts';
import { insertSampleSubmissions } from './sample-submissions.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RESULTS = path.join(ROOT, 'test/bench/results.json');
const DATABASE_URL = process.env['BENCH_DATABASE_URL'] ?? process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const ROWS = Number(process.env['BENCH_CONSOLE_ROWS'] ?? 1_000_000);
const REQUESTS = Number(process.env['BENCH_CONSOLE_REQUESTS'] ?? 200);
const WARMUP_REQUESTS = 20;
const SEARCH_REQUESTS = 10;
const EXPORT_ROUNDS = Number(process.env['BENCH_EXPORT_ROUNDS'] ?? 2);
const DEEP_ROWS = Math.round(ROWS * 0.9);
const DAYS = 90;
const FORM_ID = 'f_demo';
const ADMIN_EMAIL = 'bench@example.com';
const ADMIN_PASSWORD = 'benchmark-password';
const GOAL_P95_MS = 50;
const RSS_SAMPLE_MS = 50;

const log = (line: string) => process.stdout.write(line + '\n');
const round1 = (n: number) => Math.round(n * 10) / 10;

interface Latency {
  requests: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Rows in the last page answered, to show the pages were full. */
  lastPageItems: number;
}

interface Export {
  rows: number;
  bytes: number;
  seconds: number;
  rowsPerSecond: number;
  sha256: string;
  /** Largest resident set of the service process during the export, less its size just before. */
  serverRssGrowthMb?: number;
  /** CPU time the service process spent per exported row. */
  serverCpuMicrosPerRow?: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** One GET, timed from the request until the last byte of the answer has arrived. */
function timedGet(url: string, cookie: string): Promise<{ ms: number; status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    http
      .get(url, { agent, headers: { cookie } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ ms: performance.now() - started, status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

function percentile(sorted: number[], p: number): number {
  return round1(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN);
}

/**
 * Sequential requests: `next` gives each request's query string from the previous answer (to
 * follow cursors); warm-up requests come first and are not counted.
 */
async function measure(
  base: string,
  cookie: string,
  requests: number,
  warmup: number,
  first: string,
  next: (previous: { nextCursor: string | null }, query: string) => string = (_p, query) => query,
): Promise<Latency> {
  const times: number[] = [];
  let query = first;
  let lastPageItems = 0;
  for (let i = 0; i < warmup + requests; i++) {
    const answer = await timedGet(`${base}/api/forms/${FORM_ID}/submissions?${query}`, cookie);
    if (answer.status !== 200) throw new Error(`GET ?${query} answered ${answer.status}: ${answer.body}`);
    const page = JSON.parse(answer.body) as { items: unknown[]; nextCursor: string | null };
    if (i >= warmup) times.push(answer.ms);
    lastPageItems = page.items.length;
    query = next(page, query);
  }
  times.sort((a, b) => a - b);
  return {
    requests,
    p50Ms: percentile(times, 50),
    p95Ms: percentile(times, 95),
    p99Ms: percentile(times, 99),
    maxMs: round1(times[times.length - 1] ?? NaN),
    lastPageItems,
  };
}

/** Follows nextCursor, keeping the other parameters; starts again at `restart` if the list ends. */
function following(restart: string) {
  return (page: { nextCursor: string | null }, query: string) => {
    if (!page.nextCursor) return restart;
    const params = new URLSearchParams(query);
    params.set('cursor', page.nextCursor);
    return params.toString();
  };
}

/** The keyset cursor of the row `offset` rows into a filtered list, as the API would give it. */
async function cursorAt(db: Database, offset: number, status?: string): Promise<string> {
  const [row] = await db.query<{ id: string; created_at: Date }>(
    `select id, created_at from submissions
      where form_id = $1 and ${status ? 'status = $3' : "status <> 'spam'"}
      order by created_at desc, id desc offset $2 limit 1`,
    status ? [FORM_ID, offset, status] : [FORM_ID, offset],
  );
  if (!row) throw new Error(`no row ${offset} rows in`);
  return encodeCursor({ createdAt: row.created_at, id: row.id });
}

/** Counts CSV records (newlines outside quoted fields) in a stream of chunks. */
function csvRecordCounter() {
  let inQuotes = false;
  let records = 0;
  return {
    add(chunk: Buffer) {
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i];
        if (byte === 0x22) inQuotes = !inQuotes;
        else if (byte === 0x0a && !inQuotes) records++;
      }
    },
    get records() {
      return records;
    },
  };
}

/** Counts the objects of an export's JSON array, each of which starts a line with {"id" (even across chunks). */
function jsonObjectCounter() {
  const start = Buffer.from('\n{"id"');
  let tail = Buffer.alloc(0);
  return {
    add(chunk: Buffer): number {
      const text = Buffer.concat([tail, chunk]);
      let found = 0;
      for (let i = text.indexOf(start); i !== -1; i = text.indexOf(start, i + 1)) found++;
      tail = text.subarray(Math.max(0, text.length - (start.length - 1)));
      return found;
    },
  };
}

function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) * 1024;
}

function cpuMicros(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
}

/** Reads a whole export over HTTP as a download: counted, hashed, discarded. */
async function httpExport(service: ServiceProcess, cookie: string, file: 'csv' | 'json'): Promise<Export> {
  const pid = service.child.pid as number;
  const rssBefore = rssBytes(pid);
  const cpuBefore = cpuMicros(pid);
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssBytes(pid))), RSS_SAMPLE_MS);
  const hash = createHash('sha256');
  const counter = csvRecordCounter();
  let bytes = 0;
  let jsonRows = 0;
  const objectCounter = jsonObjectCounter();
  const started = performance.now();
  try {
    await new Promise<void>((resolve, reject) => {
      http
        .get(`${service.url}/api/forms/${FORM_ID}/submissions.${file}`, { agent, headers: { cookie } }, (res) => {
          if (res.statusCode !== 200) reject(new Error(`export answered ${res.statusCode}`));
          res.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            hash.update(chunk);
            if (file === 'csv') counter.add(chunk);
            else jsonRows += objectCounter.add(chunk);
          });
          res.on('end', resolve);
          res.on('error', reject);
        })
        .on('error', reject);
    });
  } finally {
    clearInterval(sampler);
  }
  const seconds = (performance.now() - started) / 1000;
  rssPeak = Math.max(rssPeak, rssBytes(pid));
  const rows = file === 'csv' ? counter.records - 1 : jsonRows;
  return {
    rows,
    bytes,
    seconds: Math.round(seconds * 1000) / 1000,
    rowsPerSecond: Math.round(rows / seconds),
    sha256: hash.digest('hex'),
    serverRssGrowthMb: round1((rssPeak - rssBefore) / 1048576),
    serverCpuMicrosPerRow: round1((cpuMicros(pid) - cpuBefore) / Math.max(1, rows)),
  };
}

/**
 * The same rows and columns as the service's CSV, formatted the same way (ISO times in ms, formula
 * cells prefixed with ', missing values empty), straight from PostgreSQL: COPY ... TO STDOUT via psql.
 */
async function copyExport(schemaName: string, columns: string[]): Promise<Export> {
  const quoteLiteral = (text: string) => `'${text.replace(/'/g, "''")}'`;
  const quoteIdent = (text: string) => `"${text.replace(/"/g, '""')}"`;
  const cell = (name: string) =>
    `case when data->>${quoteLiteral(name)} ~ '^[=+\\-@\\t\\r]' then '''' || (data->>${quoteLiteral(name)}) ` +
    `else nullif(data->>${quoteLiteral(name)}, '') end as ${quoteIdent(name)}`;
  const sql =
    `copy (select id, status, to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "createdAt", ` +
    `${columns.map(cell).join(', ')} from submissions where form_id = ${quoteLiteral(FORM_ID)} and status <> 'spam' ` +
    `order by created_at desc, id desc) to stdout with (format csv, header)`;
  const hash = createHash('sha256');
  const counter = csvRecordCounter();
  let bytes = 0;
  let errors = '';
  const started = performance.now();
  const child = spawn('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', DATABASE_URL, '-c', sql], {
    env: { ...process.env, PGOPTIONS: `-c search_path=${schemaName}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    hash.update(chunk);
    counter.add(chunk);
  });
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0) throw new Error(`psql failed (${code}): ${errors}`);
  const seconds = (performance.now() - started) / 1000;
  const rows = counter.records - 1;
  return { rows, bytes, seconds: Math.round(seconds * 1000) / 1000, rowsPerSecond: Math.round(rows / seconds), sha256: hash.digest('hex') };
}

function exportLine(f: Export): string {
  const server = f.serverRssGrowthMb === undefined ? '' : ` (service RSS +${f.serverRssGrowthMb} MB, ${f.serverCpuMicrosPerRow} µs CPU/row)`;
  return `${f.rows.toLocaleString('en')} rows, ${(f.bytes / 1048576).toFixed(1)} MB in ${f.seconds} s: ${f.rowsPerSecond.toLocaleString('en')} rows/s${server}`;
}

/** Several rounds of one export as one: rows/s over the total time, the largest memory growth. */
function combine(rounds: Export[]): Export {
  const first = rounds[0] as Export;
  const seconds = rounds.reduce((sum, r) => sum + r.seconds, 0);
  const rows = rounds.reduce((sum, r) => sum + r.rows, 0);
  const combined: Export = { rows: first.rows, bytes: first.bytes, seconds: Math.round((seconds / rounds.length) * 1000) / 1000, rowsPerSecond: Math.round(rows / seconds), sha256: first.sha256 };
  if (first.serverRssGrowthMb !== undefined) {
    combined.serverRssGrowthMb = Math.max(...rounds.map((r) => r.serverRssGrowthMb ?? 0));
    combined.serverCpuMicrosPerRow = round1(rounds.reduce((sum, r) => sum + (r.serverCpuMicrosPerRow ?? 0), 0) / rounds.length);
  }
  return combined;
}

function latencyLine(name: string, f: Latency, goal: boolean): string {
  const mark = !goal || f.p95Ms < GOAL_P95_MS ? '' : `  (over the ${GOAL_P95_MS} ms goal)`;
  return `  ${name.padEnd(40)} p50 ${String(f.p50Ms).padStart(6)} ms  p95 ${String(f.p95Ms).padStart(6)} ms  p99 ${String(f.p99Ms).padStart(6)} ms${mark}`;
}

export async function runConsoleBenchmark(): Promise<void> {
  const schema = await createPostgresSchema(DATABASE_URL);
  const schemaName = new URL(schema.url).searchParams.get('options')?.split('=')[1] ?? '';
  let service: ServiceProcess | undefined;
  let db: Database | undefined;
  // Other work on the machine slows every figure here; the load average says how much there was.
  const loadAverageAtStart = os.loadavg().map((n) => Math.round(n * 100) / 100);
  try {
    log(
      `Console benchmark: ${ROWS.toLocaleString('en')} submissions of one form on PostgreSQL, ${REQUESTS} sequential requests per list ` +
        `(after ${WARMUP_REQUESTS}), ${os.cpus().length} CPUs, load average ${loadAverageAtStart.join(' ')}`,
    );
    service = await startServiceProcess({ DATABASE_URL: schema.url, ADMIN_EMAIL, ADMIN_PASSWORD, LOG_LEVEL: 'warn' });
    db = await openDatabase({ url: schema.url, poolSize: 2 });
    const loadStarted = performance.now();
    await insertSampleSubmissions(db, {
      formId: FORM_ID,
      count: ROWS,
      days: DAYS,
      progress: (n) => process.stdout.write(`\r  inserting: ${n.toLocaleString('en')}`),
    });
    const loadSeconds = round1((performance.now() - loadStarted) / 1000);
    const [counts] = await db.query<{ total: number; spam: number; read: number; size: string }>(
      `select count(*)::int as total, count(*) filter (where status = 'spam')::int as spam,
              count(*) filter (where status = 'read')::int as read,
              pg_size_pretty(pg_total_relation_size('submissions')) as size
         from submissions where form_id = $1`,
      [FORM_ID],
    );
    log(`\r  inserted ${counts?.total.toLocaleString('en')} submissions (${counts?.spam} spam, ${counts?.read} read; ${counts?.size} with indexes) in ${loadSeconds} s, vacuumed and analysed`);
    // The workers fill the search index after the fact; the searches below are measured on a
    // caught-up index, as a form that has had its submissions for a while has.
    const indexStarted = performance.now();
    const later = new Date(Date.now() + 60_000);
    let indexed = 0;
    for (let batch = await indexSubmissions(db, later); batch > 0; batch = await indexSubmissions(db, later)) indexed += batch;
    await db.exec('analyze submission_search');
    log(`  search index filled with ${indexed.toLocaleString('en')} submissions in ${round1((performance.now() - indexStarted) / 1000)} s`);

    const signIn = await fetch(`${service.url}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
    });
    if (signIn.status !== 200) throw new Error(`sign-in answered ${signIn.status}: ${await signIn.text()}`);
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] as string;

    const deep = `limit=50&cursor=${await cursorAt(db, DEEP_ROWS)}`;
    const readDeep = `status=read&limit=50&cursor=${await cursorAt(db, Math.round((counts?.read ?? 0) * 0.9), 'read')}`;
    const weekEnd = new Date(Date.now() - 30 * 86_400_000);
    const weekStart = new Date(weekEnd.getTime() - 7 * 86_400_000);
    const week = `from=${weekStart.toISOString()}&to=${weekEnd.toISOString()}&limit=50`;
    const url = service.url;
    const lists: Record<string, Latency> = {};
    const list = async (key: string, name: string, run: () => Promise<Latency>) => {
      lists[key] = await run();
      log(latencyLine(name, lists[key] as Latency, key === 'firstPage' || key === 'deepPage'));
    };
    log('Inbox pages (limit 50), sequential requests with the session cookie:');
    await list('firstPage', 'first page', () => measure(url, cookie, REQUESTS, WARMUP_REQUESTS, 'limit=50'));
    await list('deepPage', `deep pages (cursors from ${DEEP_ROWS.toLocaleString('en')} in)`, () =>
      measure(url, cookie, REQUESTS, WARMUP_REQUESTS, deep, following(deep)),
    );
    await list('readFirstPage', 'status=read, first page', () => measure(url, cookie, REQUESTS, WARMUP_REQUESTS, 'status=read&limit=50'));
    await list('readDeepPage', 'status=read, deep pages (90% in)', () => measure(url, cookie, REQUESTS, WARMUP_REQUESTS, readDeep, following(readDeep)));
    await list('spamFirstPage', 'status=spam, first page', () => measure(url, cookie, REQUESTS, WARMUP_REQUESTS, 'status=spam&limit=50'));
    await list('weekFirstPage', 'from/to one week a month ago, first page', () => measure(url, cookie, REQUESTS, WARMUP_REQUESTS, week));
    log(`Searches (q), ${SEARCH_REQUESTS} requests each (no goal yet):`);
    // A word in about one message in five, and a word in none: the second reads every row.
    await list('searchCommon', 'q=Lisbon (common), first page', () => measure(url, cookie, SEARCH_REQUESTS, 2, 'q=Lisbon&limit=50'));
    await list('searchRare', 'q=zyxwv (no match), whole list', () => measure(url, cookie, SEARCH_REQUESTS, 1, 'q=zyxwv&limit=50'));

    log('Exports of every submission but spam:');
    const [form] = await db.query<{ schema: { fields: { name: string }[] } }>('select schema from forms where id = $1', [FORM_ID]);
    const columns = (form?.schema.fields ?? []).map((field) => field.name);
    // CSV and COPY alternate (CSV, COPY, COPY, CSV, ...) so drift in the machine's speed weighs on both alike.
    const csvRounds: Export[] = [];
    const copyRounds: Export[] = [];
    for (let round = 0; round < EXPORT_ROUNDS; round++) {
      for (const which of round % 2 === 0 ? (['csv', 'copy'] as const) : (['copy', 'csv'] as const)) {
        if (which === 'csv') {
          const figures = await httpExport(service, cookie, 'csv');
          csvRounds.push(figures);
          log(`  CSV over HTTP:   ${exportLine(figures)}`);
        } else {
          const figures = await copyExport(schemaName, columns);
          copyRounds.push(figures);
          log(`  COPY TO STDOUT:  ${exportLine(figures)}`);
        }
      }
    }
    const json = await httpExport(service, cookie, 'json');
    log(`  JSON over HTTP:  ${exportLine(json)}`);
    const csv = combine(csvRounds);
    const copy = combine(copyRounds);
    const ratio = Math.round((csv.rowsPerSecond / copy.rowsPerSecond) * 1000) / 1000;
    const identical = [...csvRounds, ...copyRounds].every((figures) => figures.sha256 === csv.sha256);
    log(
      `  CSV export: ${csv.rowsPerSecond.toLocaleString('en')} rows/s, COPY: ${copy.rowsPerSecond.toLocaleString('en')} rows/s (over ${EXPORT_ROUNDS} rounds each): ` +
        `a ratio of ${ratio}; the outputs are ${identical ? 'identical (same SHA-256)' : 'NOT identical'}`,
    );
    if (csv.rows !== (counts?.total ?? 0) - (counts?.spam ?? 0)) log(`warning: the CSV had ${csv.rows} rows`);

    const met = lists['firstPage']!.p95Ms < GOAL_P95_MS && lists['deepPage']!.p95Ms < GOAL_P95_MS;
    log(`first page p95 ${lists['firstPage']!.p95Ms} ms, deep page p95 ${lists['deepPage']!.p95Ms} ms (goal < ${GOAL_P95_MS} ms): ${met ? 'met' : 'NOT met'}`);

    const previous = fs.existsSync(RESULTS) ? (JSON.parse(fs.readFileSync(RESULTS, 'utf8')) as Record<string, unknown>) : {};
    const results = {
      ...previous,
      console: {
        date: new Date().toISOString(),
        machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', node: process.version, loadAverageAtStart },
        database: 'postgresql',
        submissions: { ...counts, days: DAYS, loadSeconds },
        lists,
        exports: { csv: { ...csv, rounds: csvRounds }, copy: { ...copy, rounds: copyRounds }, json, csvToCopyRatio: ratio, identicalOutput: identical },
        goals: { p95Ms: GOAL_P95_MS, met },
      },
    };
    fs.writeFileSync(RESULTS, JSON.stringify(results, null, 2) + '\n');
    log(`wrote ${path.relative(ROOT, RESULTS)}`);
  } finally {
    agent.destroy();
    await db?.close();
    await service?.stop();
    await schema.drop();
  }
}
