// Exporting a large form does not load it into the service's memory: 100,000 submissions are
// downloaded as CSV and as JSON from the real service (a child process, as `npm start` runs it)
// while its resident memory (VmRSS in /proc/<pid>/status) is sampled every 50 ms.
//
// Why these sizes. V8 leaves garbage in place until its old generation reaches a limit of up to
// four times the live heap, so with its default heap a service that streams perfectly still grows
// by 50-200 MB during a long export before the first full collection. That slack says nothing
// about streaming, and it is larger than the whole export of 100,000 short submissions. So:
// - the service runs with its heap capped at 128 MB (NODE_OPTIONS=--max-old-space-size, as one
//   would in a small container; it serves with 65-80 MB live), which bounds the garbage and makes
//   an export that holds its rows or its file in memory fail outright;
// - each submission carries a long message (about 1.7 KB), so the CSV is about 175 MB and the JSON
//   about 185 MB, more than the capped heap could ever hold;
// - part way, the download stops reading until the service has gone quiet, as a slow client
//   would: a streaming service waits at once, while one that ignores backpressure goes on and
//   queues the rest of the file in its memory.
// The service's RSS may then grow by at most 80 MB during each export, under half the file: the
// capped heap's garbage plus what lives outside the heap. Seen on a 2-core machine: 19-40 MB on
// PostgreSQL, 19-51 MB on PGlite (which parses its results in JavaScript too). Broken on purpose,
// the export failed this test on both databases: reading all rows at once, the service died of
// its heap limit; writing without waiting for the client, its RSS grew by 230-250 MB.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { after, describe, it } from 'node:test';
import { migrate } from '../ingest/db/migrate.ts';
import { bootstrap } from '../ingest/services/bootstrap.ts';
import { insertSampleSubmissions } from './bench/sample-submissions.ts';
import { databaseTargets, isCI } from './helpers/databases.ts';
import { signIn } from './helpers/harness.ts';
import { freshDatabaseEnv, openServiceDatabase, startServiceProcess, type ServiceProcess } from './helpers/service-process.ts';

const ROWS = 100_000;
const EXTRA_TEXT = 1_600;
const HEAP_MB = 128;
const GROWTH_BOUND_MB = 80;
const SAMPLE_MS = 50;
const PAUSE_AFTER_BYTES = 16 * 1024 * 1024;
const QUIET_WINDOW_MS = 250;
const QUIET_TIMEOUT_MS = 15_000;
const ADMIN_EMAIL = 'owner@example.com';
const ADMIN_PASSWORD = 'export-memory-password';
const MB = 1024 * 1024;

const hasProc = fs.existsSync('/proc/self/status');

/** The process's resident memory in bytes; throws once the process has gone. */
function rss(pid: number): number {
  let status = '';
  try {
    status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    // the process has ended
  }
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  if (!match) throw new Error(`the service (process ${pid}) is gone`);
  return Number(match[1]) * 1024;
}

/** The process's CPU time so far (user + system), in clock ticks (10 ms). */
function cpuTicks(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(fields[11]) + Number(fields[12]);
}

/**
 * Waits until the service has stopped working (at most one clock tick of CPU in each of two
 * windows in a row), as a streaming service does soon after its client stops reading; one that
 * ignored backpressure would go on until it had queued the whole rest of the export.
 */
async function untilQuiet(pid: number): Promise<boolean> {
  let quiet = 0;
  let ticks = cpuTicks(pid);
  const deadline = Date.now() + QUIET_TIMEOUT_MS;
  while (quiet < 2 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, QUIET_WINDOW_MS));
    const now = cpuTicks(pid);
    quiet = now - ticks <= 1 ? quiet + 1 : 0;
    ticks = now;
  }
  return quiet >= 2;
}

/** Counts CSV records: line feeds outside quoted fields (messages hold quotes and line breaks). */
function csvRecords() {
  let quoted = false;
  let records = 0;
  return {
    add(chunk: Buffer) {
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i];
        if (byte === 0x22) quoted = !quoted;
        else if (byte === 0x0a && !quoted) records++;
      }
    },
    count: () => records,
  };
}

/** Counts the objects of the JSON export: each starts a line with {"id" (also across chunks). */
function jsonObjects() {
  const start = Buffer.from('\n{"id"');
  let tail = Buffer.alloc(0);
  let objects = 0;
  return {
    add(chunk: Buffer) {
      const text = Buffer.concat([tail, chunk]);
      for (let i = text.indexOf(start); i !== -1; i = text.indexOf(start, i + 1)) objects++;
      tail = text.subarray(Math.max(0, text.length - (start.length - 1)));
    },
    count: () => objects,
  };
}

interface Download {
  rows: number;
  bytes: number;
  head: string;
  end: string;
  rssBeforeMb: number;
  rssPeakMb: number;
  growthMb: number;
  /** Growth while the client was not reading, and how long that was. */
  pauseGrowthMb: number;
  pauseMs: number;
  /** Whether the service stopped working while the client was not reading. */
  quiet: boolean;
  seconds: number;
}

/** Downloads an export as a browser would, pausing once part way, sampling the service's RSS. */
async function download(service: ServiceProcess, cookie: string, file: 'csv' | 'json'): Promise<Download> {
  const pid = service.child.pid as number;
  const before = rss(pid);
  let peak = before;
  let gone: unknown;
  let pausePeak: number | undefined;
  const sample = () => {
    try {
      const now = rss(pid);
      peak = Math.max(peak, now);
      if (pausePeak !== undefined) pausePeak = Math.max(pausePeak, now);
    } catch (error) {
      gone = error;
    }
  };
  const sampler = setInterval(sample, SAMPLE_MS);
  const counter = file === 'csv' ? csvRecords() : jsonObjects();
  const started = performance.now();
  let bytes = 0;
  let head = '';
  let end: Buffer = Buffer.alloc(0);
  let pauseGrowth = 0;
  let pauseMs = 0;
  let quiet = false;
  try {
    await new Promise<void>((resolve, reject) => {
      const request = http.get(`${service.url}/api/forms/f_demo/submissions.${file}`, { headers: { cookie } }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`the ${file} export answered ${res.statusCode}`));
        let paused = false;
        res.on('data', (chunk: Buffer) => {
          if (bytes === 0) head = chunk.subarray(0, 200).toString('utf8');
          bytes += chunk.length;
          counter.add(chunk);
          end = chunk.length >= 200 ? chunk.subarray(chunk.length - 200) : Buffer.concat([end, chunk]).subarray(-200);
          if (paused || bytes < PAUSE_AFTER_BYTES) return;
          // A slow client: nothing more is read until the service has stopped working.
          paused = true;
          res.pause();
          const atPause = rss(pid);
          pausePeak = atPause;
          const pauseStarted = performance.now();
          untilQuiet(pid).then(
            (wentQuiet) => {
              quiet = wentQuiet;
              pauseMs = performance.now() - pauseStarted;
              sample();
              pauseGrowth = (pausePeak ?? atPause) - atPause;
              pausePeak = undefined;
              res.resume();
            },
            (error: unknown) => reject(error instanceof Error ? error : new Error(String(error))),
          );
        });
        res.on('end', resolve);
        res.on('error', reject);
      });
      request.on('error', reject);
    });
  } catch (error) {
    if (gone || service.child.exitCode !== null || service.child.signalCode !== null) {
      // Give the process a moment to be reaped and its last words to arrive.
      const exit = await Promise.race([service.exited, new Promise((resolve) => setTimeout(() => resolve('not reaped yet'), 2_000))]);
      throw new Error(`the service died during the ${file} export (${String(exit)}):\n${service.output().slice(-2_000)}`);
    }
    throw error;
  } finally {
    clearInterval(sampler);
  }
  peak = Math.max(peak, rss(pid));
  const round = (value: number) => Math.round((value / MB) * 10) / 10;
  return {
    rows: counter.count() - (file === 'csv' ? 1 : 0),
    bytes,
    head,
    end: end.toString('utf8'),
    rssBeforeMb: round(before),
    rssPeakMb: round(peak),
    growthMb: round(peak - before),
    pauseGrowthMb: round(pauseGrowth),
    pauseMs: Math.round(pauseMs),
    quiet,
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
}

const busy = (file: string) =>
  `the service kept working for ${QUIET_TIMEOUT_MS / 1000} s while the client read nothing of the ${file} export: ` +
  `it ignores backpressure, or its live heap has grown near the ${HEAP_MB} MB cap (then raise HEAP_MB)`;

for (const target of databaseTargets) {
  describe(`exporting 100,000 submissions from the service process, on ${target.name}`, { skip: !hasProc && !isCI && 'needs /proc (Linux)' }, () => {
    const cleanups: (() => Promise<void> | void)[] = [];
    after(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup();
    });

    it(`streams the CSV and the JSON while the service's memory grows by less than ${GROWTH_BOUND_MB} MB`, { timeout: 180_000 }, async (t) => {
      assert.ok(hasProc, 'this test reads the service process memory from /proc');
      const env: Record<string, string> = {
        ...(await freshDatabaseEnv(target, cleanups)),
        ADMIN_EMAIL,
        ADMIN_PASSWORD,
        NODE_OPTIONS: `--max-old-space-size=${HEAP_MB}`,
        // Only the export works in the service meanwhile: no worker filling the search index
        // with the 100,000 submissions (which would keep it busy while its client reads nothing).
        WORKER: 'false',
      };
      // What the first `npm start` does (migrations, then the admin's demo account with the form
      // f_demo), done here so that the submissions are in before the service starts: PGlite's data
      // directory belongs to one process at a time.
      const db = await openServiceDatabase(env);
      let expected: number;
      try {
        await migrate(db);
        await bootstrap(db, { adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD, publicUrl: 'http://localhost:8080', demo: true });
        const loading = performance.now();
        await insertSampleSubmissions(db, { formId: 'f_demo', count: ROWS, days: 90, extraText: EXTRA_TEXT, batch: 10_000 });
        t.diagnostic(`inserted ${ROWS} submissions in ${Math.round((performance.now() - loading) / 100) / 10} s`);
        const [row] = await db.query<{ n: number }>("select count(*)::int as n from submissions where form_id = 'f_demo' and status <> 'spam'");
        expected = row?.n ?? 0;
        assert.ok(expected > ROWS * 0.95, `${expected} submissions to export`);
      } finally {
        await db.close();
      }
      const service = await startServiceProcess(env);
      cleanups.push(() => void service.stop('SIGKILL'));
      const cookie = await signIn(service.url, ADMIN_EMAIL, ADMIN_PASSWORD);

      const csv = await download(service, cookie, 'csv');
      t.diagnostic(`CSV: ${csv.rows} rows, ${Math.round(csv.bytes / MB)} MB in ${csv.seconds} s; service RSS ${csv.rssBeforeMb} MB before, peak ${csv.rssPeakMb} MB (+${csv.growthMb} MB; +${csv.pauseGrowthMb} MB while not read for ${csv.pauseMs} ms)`);
      assert.ok(csv.quiet, busy('CSV'));
      assert.equal(csv.rows, expected);
      assert.match(csv.head, /^id,status,createdAt,name,email,topic,message,consent\n/);
      assert.ok(csv.bytes > 2 * GROWTH_BOUND_MB * MB, `the CSV (${csv.bytes} bytes) is over twice the bound`);
      assert.ok(csv.growthMb < GROWTH_BOUND_MB, `RSS grew by ${csv.growthMb} MB during the CSV export`);

      const json = await download(service, cookie, 'json');
      t.diagnostic(`JSON: ${json.rows} rows, ${Math.round(json.bytes / MB)} MB in ${json.seconds} s; service RSS ${json.rssBeforeMb} MB before, peak ${json.rssPeakMb} MB (+${json.growthMb} MB; +${json.pauseGrowthMb} MB while not read for ${json.pauseMs} ms)`);
      assert.ok(json.quiet, busy('JSON'));
      assert.equal(json.rows, expected);
      assert.match(json.head, /^\[\n\{"id":"[0-9a-f-]{36}","formId":"f_demo"/);
      assert.match(json.end, /\}\n\]\n$/);
      assert.ok(json.growthMb < GROWTH_BOUND_MB, `RSS grew by ${json.growthMb} MB during the JSON export`);

      assert.equal(await service.stop(), 0);
    });
  });
}
