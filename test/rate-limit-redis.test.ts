// With REDIS_URL, every process shares one rate-limit count; if Redis goes away, submissions are
// still accepted (a lost visitor is worse than a burst let through).

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { connectRedisLimiterStores, type RedisLimiterStores } from '../ingest/http/rate-limits.ts';
import { createLogger } from '../ingest/logger.ts';
import { databaseTargets, isCI, type OpenedDatabase } from './helpers/databases.ts';
import { VALID_CONTACT, seedAccount, startTestApp, type Seeded, type TestApp } from './helpers/harness.ts';
import { errorOf, postJson } from './helpers/http.ts';

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
