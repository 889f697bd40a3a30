// The worker as `npm start` runs it, and alone (`npm run worker`), several at once: real
// processes, a real SMTP server, and each notification delivered exactly once.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { databaseTargets } from './helpers/databases.ts';
import { send } from './helpers/http.ts';
import { startMailServer } from './helpers/mail-server.ts';
import { freshDatabaseEnv, startServiceProcess } from './helpers/service-process.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

async function waitFor(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function postDemo(url: string, name: string): Promise<string> {
  const res = await send(`${url}/v1/f/f_demo`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: 'http://localhost:8080' },
    body: JSON.stringify({ name, email: 'visitor@example.com', message: 'Hello from a process test.', consent: true }),
  });
  assert.equal(res.status, 201, res.text);
  return (res.body as { id: string }).id;
}

for (const target of databaseTargets) {
  describe(`the worker as a process, on ${target.name}`, () => {
    const cleanups: (() => Promise<void> | void)[] = [];
    after(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup();
    });

    it('npm start runs a worker: the demo form emails its owner', async () => {
      const mail = await startMailServer();
      cleanups.push(() => mail.stop());
      const env = { ...(await freshDatabaseEnv(target, cleanups)), SMTP_URL: mail.url, ADMIN_EMAIL: 'owner@example.com' };
      const service = await startServiceProcess(env);
      cleanups.push(() => void service.stop('SIGKILL'));
      const id = await postDemo(service.url, 'Started');
      await waitFor(() => mail.messages.some((m) => m.headers.get('x-formline-submission') === id), 'the email');
      const message = mail.messages.find((m) => m.headers.get('x-formline-submission') === id);
      assert.equal((Array.isArray(message?.to) ? message?.to[0] : message?.to)?.text, 'owner@example.com');
      assert.equal(await service.stop(), 0);
    });

    if (target.name === 'pglite') {
      it('npm run worker refuses the embedded database with a clear message', () => {
        const result = spawnSync(process.execPath, ['--import', 'tsx', 'ingest/cli.ts', 'worker'], {
          cwd: ROOT,
          env: { PATH: process.env['PATH'] ?? '', DATA_DIR: '/nonexistent-formline-dir' },
          encoding: 'utf8',
        });
        assert.equal(result.status, 1);
        assert.match(result.stderr, /npm run worker needs DATABASE_URL \(PostgreSQL\)/);
      });
    } else {
      it('two `npm run worker` processes beside a service without one deliver each notification exactly once', async () => {
        const mail = await startMailServer();
        cleanups.push(() => mail.stop());
        const env = { ...(await freshDatabaseEnv(target, cleanups)), SMTP_URL: mail.url, WORKER_POLL_MS: '50' };
        const service = await startServiceProcess({ ...env, WORKER: 'false' });
        cleanups.push(() => void service.stop('SIGKILL'));
        const ids: string[] = [];
        for (let i = 0; i < 15; i++) ids.push(await postDemo(service.url, `Visitor ${i}`));
        await new Promise((resolve) => setTimeout(resolve, 300));
        assert.equal(mail.messages.length, 0, 'the service itself runs no worker');

        const workers = [0, 1].map(() => {
          const child = spawn(process.execPath, ['--import', 'tsx', 'ingest/cli.ts', 'worker'], {
            cwd: ROOT,
            env: { PATH: process.env['PATH'] ?? '', LOG_LEVEL: 'warn', ...env },
            stdio: ['ignore', 'ignore', 'pipe'],
          });
          const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
          cleanups.push(() => void child.kill('SIGKILL'));
          return { child, exited };
        });
        await waitFor(() => ids.every((id) => mail.messages.some((m) => m.headers.get('x-formline-submission') === id)), 'every email');
        await new Promise((resolve) => setTimeout(resolve, 500));
        for (const id of ids) {
          assert.equal(mail.messages.filter((m) => m.headers.get('x-formline-submission') === id).length, 1, id);
        }
        for (const worker of workers) worker.child.kill('SIGTERM');
        assert.deepEqual(await Promise.all(workers.map((w) => w.exited)), [0, 0]);
      });
    }
  });
}
