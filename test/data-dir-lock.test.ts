// The DATA_DIR lock: one process at a time on the embedded database, and a restart right after a
// crash is not refused because the killed process is still a zombie nobody has reaped yet.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { lockDataDir } from '../ingest/db/data-dir-lock.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const hasProc = fs.existsSync('/proc/self/stat');

/** The process state letter /proc gives (R, S, Z, ...), or null once the process is gone. */
function stateOf(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? null;
  } catch {
    return null;
  }
}

async function until<T>(what: string, probe: () => T | undefined | null | false): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the DATA_DIR lock', { skip: hasProc ? false : 'needs /proc (Linux)' }, () => {
  const parents: ChildProcess[] = [];
  after(() => {
    // Ending the parent hands its zombie to init, which reaps it.
    for (const parent of parents) parent.kill('SIGKILL');
  });

  it('refuses a second holder while the first runs, and is taken at once after the holder is killed, while it is still an unreaped zombie', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'formline-lock-'));
    // The holder's parent is a shell that becomes `sleep` (exec): it never waits for its children,
    // so the killed holder stays a zombie, as under a supervisor that has not reaped it yet.
    const holderCode = `import { lockDataDir } from './ingest/db/data-dir-lock.ts'; lockDataDir(${JSON.stringify(dir)}); setInterval(() => {}, 1000);`;
    const parent = spawn('sh', ['-c', `"${process.execPath}" --import tsx --input-type=module -e "$HOLDER" & echo $!; exec sleep 120`], {
      cwd: ROOT,
      env: { ...process.env, HOLDER: holderCode },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    parents.push(parent);
    let out = '';
    parent.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const holder = await until('the holder pid', () => Number(/^(\d+)\n/.exec(out)?.[1]));
    const file = path.join(dir, 'formline.pid');
    await until('the holder to take the lock', () => fs.existsSync(file) && fs.readFileSync(file, 'utf8').split(' ')[0] === String(holder));

    assert.throws(() => lockDataDir(dir), new RegExp(`^Error: DATA_DIR ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is in use by process ${holder}\\. `));

    process.kill(holder, 'SIGKILL');
    await until('the holder to be a zombie', () => stateOf(holder) === 'Z');
    // kill(pid, 0) still succeeds on it, which is what used to refuse the restart.
    assert.doesNotThrow(() => process.kill(holder, 0));

    const unlock = lockDataDir(dir);
    assert.equal(fs.readFileSync(file, 'utf8').split(' ')[0], String(process.pid));
    unlock();
    assert.equal(fs.existsSync(file), false);
  });

  it('takes over a pid file whose pid now belongs to another process (a reused pid, told by its start time)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'formline-lock-'));
    const file = path.join(dir, 'formline.pid');
    // Our parent is alive, but it is not the process that wrote this file (that one started at tick 1).
    fs.writeFileSync(file, `${process.ppid} 1`);
    const unlock = lockDataDir(dir);
    assert.equal(fs.readFileSync(file, 'utf8').split(' ')[0], String(process.pid));
    unlock();
    // Written by our parent itself (its real start time): it holds the lock.
    const stat = fs.readFileSync(`/proc/${process.ppid}/stat`, 'utf8');
    fs.writeFileSync(file, `${process.ppid} ${stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]}`);
    assert.throws(() => lockDataDir(dir), new RegExp(`is in use by process ${process.ppid}\\. `));
  });
});
