// PGlite is PostgreSQL inside this process: two processes on one data directory would corrupt it.
// A pid file guards the directory; a stale one (its process is gone, e.g. after a crash) is taken over.
//
// "Gone" must include a process that was killed but not yet reaped: a zombie still answers
// kill(pid, 0), so a restart right after a crash (while the supervisor has not waited for the old
// process) would be refused for nothing. Node has no flock(2) without a native addon, so on Linux
// the holder is judged by /proc/<pid>/stat: a zombie (Z) or dead (X) process holds nothing, and a
// process whose start time differs from the one recorded in the file is another process that
// reused the pid. Elsewhere, kill(pid, 0) is what there is.

import fs from 'node:fs';
import path from 'node:path';

/** The pid's start time (clock ticks since boot) and state from /proc, or null without /proc or the process. */
function procStat(pid: number): { state: string; startTime: string } | null {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', startTime: fields[19] ?? '' };
}

const hasProc = fs.existsSync('/proc/self/stat');

/** What the pid file says of this process: its pid, and its start time where /proc has one. */
function identity(pid: number): string {
  const startTime = hasProc ? procStat(pid)?.startTime : undefined;
  return startTime ? `${pid} ${startTime}` : String(pid);
}

function isRunning(pid: number, startTime: string | undefined): boolean {
  if (hasProc) {
    const stat = procStat(pid);
    if (!stat || stat.state === 'Z' || stat.state === 'X' || stat.state === 'x') return false;
    return startTime === undefined || stat.startTime === startTime;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function lockDataDir(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'formline.pid');
  const mine = identity(process.pid);
  for (;;) {
    try {
      fs.writeFileSync(file, mine, { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const [pidText, startTime] = fs.readFileSync(file, 'utf8').trim().split(' ');
      const pid = Number(pidText);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isRunning(pid, startTime)) {
        throw new Error(
          `DATA_DIR ${dataDir} is in use by process ${pid}. The embedded database serves one process; ` +
            'stop it, or set DATABASE_URL to share a PostgreSQL server between processes.',
        );
      }
      fs.rmSync(file, { force: true });
    }
  }
  return () => {
    try {
      if (fs.readFileSync(file, 'utf8').trim() === mine) fs.rmSync(file, { force: true });
    } catch {
      // Already gone.
    }
  };
}
