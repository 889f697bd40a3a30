// An acknowledged submission survives the process being killed: while a bounded load runs, the
// service is killed with SIGKILL; after a restart on the same data every submission that got a
// 201 is there, exactly once, with its notification jobs. Visitors whose posts were cut off
// retry with the same Idempotency-Key and nothing is stored twice.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { databaseTargets } from './helpers/databases.ts';
import { freshDatabaseEnv, openServiceDatabase, startServiceProcess } from './helpers/service-process.ts';

const DEMO_FORM = 'f_demo';
const CLIENTS = 16;
const ACKS_BEFORE_KILL = 150;

const body = (i: number) =>
  JSON.stringify({ name: `Visitor ${i}`, email: `v${i}@example.com`, message: 'Please call me back soon.', consent: true });

async function post(url: string, key: string, i: number): Promise<string | null> {
  try {
    const res = await fetch(`${url}/v1/f/${DEMO_FORM}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body: body(i),
    });
    if (res.status !== 201) return null;
    return ((await res.json()) as { id: string }).id;
  } catch {
    return null; // The connection died with the process: not acknowledged.
  }
}

for (const target of databaseTargets) {
  describe(`crash durability on ${target.name}`, () => {
    const cleanups: (() => Promise<void> | void)[] = [];
    after(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup();
    });

    it('every submission acknowledged before a SIGKILL is stored exactly once, with its jobs', async (t) => {
      const env: Record<string, string> = {
        ...(await freshDatabaseEnv(target, cleanups)),
        ADMIN_PASSWORD: 'crash-test-password',
        RATE_LIMIT_IP_PER_MINUTE: '1000000',
        RATE_LIMIT_FORM_PER_MINUTE: '1000000',
      };

      const first = await startServiceProcess(env);
      cleanups.push(() => void first.stop('SIGKILL'));
      // Every 201 counts, also those that arrive after the kill was ordered and before the
      // process died: each of them is a promise to a visitor, too.
      const acked = new Map<string, string>(); // idempotency key -> id
      const attempted: { key: string; i: number }[] = [];
      let killed = false;
      let ackedAfterKill = 0;
      let next = 0;
      const client = async () => {
        while (!killed) {
          const i = next++;
          const key = randomUUID();
          attempted.push({ key, i });
          const id = await post(first.url, key, i);
          if (id) {
            acked.set(key, id);
            if (killed) ackedAfterKill++;
          }
          if (acked.size >= ACKS_BEFORE_KILL && !killed) {
            killed = true;
            first.child.kill('SIGKILL');
          }
        }
      };
      await Promise.all(Array.from({ length: CLIENTS }, client));
      assert.equal(await first.exited, 'SIGKILL');
      assert.ok(acked.size >= ACKS_BEFORE_KILL, `only ${acked.size} acknowledged`);
      t.diagnostic(`${acked.size} acknowledged (${ackedAfterKill} after the kill was ordered), ${attempted.length - acked.size} cut off by the kill`);

      const second = await startServiceProcess(env);
      cleanups.push(() => void second.stop('SIGKILL'));
      // The restart found its data: no second admin or demo form was made, the old ones serve.
      assert.doesNotMatch(second.output(), /generated now/);

      // Visitors whose posts were cut off retry with their key; the acknowledged ones replay.
      const retried = await Promise.all(attempted.map(({ key, i }) => post(second.url, key, i)));
      for (const [index, { key }] of attempted.entries()) {
        const id = retried[index];
        assert.ok(id, `retry of ${key} was not accepted`);
        const firstId = acked.get(key);
        if (firstId) assert.equal(id, firstId, 'a retried key answers the id it was acknowledged with');
      }
      assert.equal(await second.stop('SIGTERM'), 0);

      const db = await openServiceDatabase(env);
      try {
        const rows = await db.query<{ id: string; idempotency_key: string; jobs: number }>(
          `select s.id, s.idempotency_key, (select count(*)::int from jobs j where j.submission_id = s.id) as jobs
             from submissions s where s.form_id = $1`,
          [DEMO_FORM],
        );
        const byId = new Map(rows.map((row) => [row.id, row]));
        for (const [key, id] of acked) {
          const row = byId.get(id);
          assert.ok(row, `acknowledged submission ${id} is missing after the crash`);
          assert.equal(row.idempotency_key, key);
          assert.equal(row.jobs, 1, `submission ${id} lost its notification job`);
        }
        assert.equal(rows.length, attempted.length, 'each attempted key is stored exactly once');
        assert.equal(new Set(rows.map((row) => row.idempotency_key)).size, rows.length);
        const [usage] = await db.query<{ n: number }>('select sum(accepted)::int as n from usage_daily');
        assert.equal(usage?.n, rows.length, 'usage counts every stored submission once');
      } finally {
        await db.close();
      }
    });
  });
}
