// A task a worker runs now and then on a timer: one run at a time, failures logged (never thrown),
// and stop() waits for the run in progress.

import type { Logger } from '../logger.ts';

export interface Scheduled {
  stop(): Promise<void>;
}

export function every(intervalMs: number, task: () => Promise<void>, log: Logger, what: string): Scheduled {
  let running: Promise<void> = Promise.resolve();
  const run = () => {
    running = running.then(() =>
      task().catch((error: unknown) => {
        log.error({ err: error }, `${what} failed`);
      }),
    );
  };
  run();
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
