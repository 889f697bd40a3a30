// With REDIS_URL, every process shares one rate-limit count (per IP and per form); if Redis goes
// away, or is not there when the service starts, submissions are still accepted (a lost visitor
// is worse than a burst let through), and the limits apply again once it answers.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { connectRedisLimiterStores, type RedisLimiterStores } from '../ingest/http/rate-limits.ts';
import { createLogger } from '../ingest/logger.ts';
import { databaseTargets, isCI, type OpenedDatabase } from './helpers/databases.ts';
import { VALID_CONTACT, seedAccount, startTestApp, type Seeded, type TestApp } from './helpers/harness.ts';
import { errorOf, postJson } from './helpers/http.ts';
import { freePort } from './helpers/ports.ts';

const redisUrl = process.env['TEST_REDIS_URL'];
if (isCI && !redisUrl) throw new Error('CI=true but TEST_REDIS_URL is not set: the Redis suite cannot be skipped in CI.');

describe('rate limits shared through Redis', { skip: redisUrl ? false : 'TEST_REDIS_URL is not set' }, () => {
  const logger = createLogger('silent');
  let opened: OpenedDatabase;
  let seeded: Seeded;
  const stores: RedisLimiterStores[] = [];
  const apps: TestApp[] = [];

  before(async () => {
    opened = await (databaseTargets[0] as (typeof databaseTargets)[number]).open();
    seeded = await seedAccount(opened.db);
  });

  after(async () => {
    for (const app of apps) await app.close();
    for (const store of stores) await store.close();
    await opened?.close();
  });

  async function startInstance(prefix: string, env: Record<string, string>): Promise<{ app: TestApp; redis: RedisLimiterStores }> {
    const redis = await connectRedisLimiterStores(redisUrl as string, prefix, logger);
    stores.push(redis);
    await redis.ready;
    const app = await startTestApp(opened.db, env, redis.stores);
    apps.push(app);
    return { app, redis };
  }

  it('two service instances share one per-IP count', async () => {
    const prefix = `formline-test:${randomBytes(4).toString('hex')}:`;
    const env = { RATE_LIMIT_IP_PER_MINUTE: '5' };
    const one = await startInstance(prefix, env);
    const two = await startInstance(prefix, env);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const answer = await postJson((i % 2 ? one : two).app.url, seeded.formId, VALID_CONTACT);
      statuses.push(answer.status);
      if (answer.status === 429) {
        assert.equal(errorOf(answer).code, 'rate_limited');
        assert.ok(Number(answer.headers.get('retry-after')) > 0);
      }
    }
    assert.deepEqual(statuses, [201, 201, 201, 201, 201, 429, 429]);
  });

  it('two service instances share one per-form count, whatever the visitors\' addresses', async () => {
    const prefix = `formline-test:${randomBytes(4).toString('hex')}:`;
    const env = { RATE_LIMIT_IP_PER_MINUTE: '1000', RATE_LIMIT_FORM_PER_MINUTE: '3' };
    const one = await startInstance(prefix, env);
    const two = await startInstance(prefix, env);
    const other = await seedAccount(opened.db);
    const answers = [];
    for (let i = 0; i < 5; i++) {
      answers.push(await postJson((i % 2 ? one : two).app.url, seeded.formId, VALID_CONTACT, { 'x-forwarded-for': `198.51.100.${i + 1}` }));
    }
    assert.deepEqual(answers.map((a) => a.status), [201, 201, 201, 429, 429]);
    const refused = answers[4] as (typeof answers)[number];
    assert.deepEqual(refused.body, {
      error: { code: 'rate_limited', message: 'This form is receiving too many submissions; try again shortly.' },
    });
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    // Another form has a count of its own.
    assert.equal((await postJson(one.app.url, other.formId, VALID_CONTACT, { 'x-forwarded-for': '198.51.100.9' })).status, 201);
  });

  it('starts while Redis is unreachable, lets posts through, logs the outage once, and applies the limits once Redis answers', async () => {
    // A port nothing listens on yet; later a relay to the real Redis opens on it.
    const port = await freePort();
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const prefix = `formline-test:${randomBytes(4).toString('hex')}:`;
    const redis = await connectRedisLimiterStores(`redis://127.0.0.1:${port}`, prefix, createLogger('info', sink));
    stores.push(redis);
    const app = await startTestApp(opened.db, { RATE_LIMIT_IP_PER_MINUTE: '2' }, redis.stores);
    apps.push(app);

    const whileDown = [];
    for (let i = 0; i < 4; i++) whileDown.push((await postJson(app.url, seeded.formId, VALID_CONTACT)).status);
    assert.deepEqual(whileDown, [201, 201, 201, 201], 'nothing is counted while Redis is away');
    const outageLines = () => lines.filter((line) => /redis/.test(String(line['msg'])));
    assert.deepEqual(outageLines().map((line) => [line['level'], line['msg']]), [
      [40, 'redis is unreachable: rate limits let every request through until it is back'],
    ]);

    const target = new URL(redisUrl as string);
    const relay = net.createServer((socket) => {
      const upstream = net.connect(Number(target.port || 6379), target.hostname);
      socket.pipe(upstream).pipe(socket);
      socket.on('error', () => upstream.destroy());
      upstream.on('error', () => socket.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(port, '127.0.0.1', resolve));
    try {
      await redis.ready;
      const whileUp = [];
      for (let i = 0; i < 3; i++) whileUp.push((await postJson(app.url, seeded.formId, VALID_CONTACT)).status);
      assert.deepEqual(whileUp, [201, 201, 429], 'the per-IP limit of 2 applies once Redis answers');
      assert.deepEqual(outageLines().map((line) => [line['level'], line['msg']]), [
        [40, 'redis is unreachable: rate limits let every request through until it is back'],
        [30, 'redis is reachable again: rate limits apply'],
      ]);
    } finally {
      await redis.close();
      relay.close();
    }
  });

  it('keeps accepting submissions when Redis cannot be reached', async () => {
    const prefix = `formline-test:${randomBytes(4).toString('hex')}:`;
    const instance = await startInstance(prefix, { RATE_LIMIT_IP_PER_MINUTE: '1000' });
    assert.equal((await postJson(instance.app.url, seeded.formId, VALID_CONTACT)).status, 201);
    await instance.redis.close();
    const answers = await Promise.all([1, 2, 3].map(() => postJson(instance.app.url, seeded.formId, VALID_CONTACT)));
    assert.deepEqual(
      answers.map((a) => a.status),
      [201, 201, 201],
    );
  });
});
