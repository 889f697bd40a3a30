// Secrets never reach a log line: whatever an error, a request or a config object carries, at any
// depth, the line says [redacted] instead (DESIGN: "secrets only from env and redacted from logs").

import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger } from '../ingest/logger.ts';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        raw.push(line);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { logger: createLogger('info', sink), lines, text: () => raw.join('\n') };
}

const flushed = () => new Promise((resolve) => setImmediate(resolve));

describe('log redaction', () => {
  it('redacts secrets logged at the top of a line', async () => {
    const { logger, lines, text } = capture();
    logger.info({ password: 'pw-top', token: 'tok-top', authorization: 'Bearer auth-top', cookie: 'c=cookie-top', apiKey: 'fl_key-top', 'set-cookie': 's=set-top' }, 'flat');
    await flushed();
    for (const secret of ['pw-top', 'tok-top', 'auth-top', 'cookie-top', 'key-top', 'set-top']) assert.ok(!text().includes(secret), secret);
    assert.deepEqual(
      { ...lines[0], time: undefined },
      {
        level: 30,
        time: undefined,
        service: 'formline',
        password: '[redacted]',
        token: '[redacted]',
        authorization: '[redacted]',
        cookie: '[redacted]',
        apiKey: '[redacted]',
        'set-cookie': '[redacted]',
        msg: 'flat',
      },
    );
  });

  it("redacts a request's Authorization and Cookie headers, passwords and connection strings at any depth", async () => {
    const { logger, lines, text } = capture();
    logger.info({ req: { method: 'GET', headers: { authorization: 'Bearer fl_nested-key', cookie: 'formline_session=nested-cookie', host: 'x' } } }, 'req');
    logger.info({ user: { email: 'ada@example.com', password: 'nested-password' } }, 'user');
    logger.info({ smtpUrl: 'smtp://u:smtp-pass@mail.example', settings: { nested: { databaseUrl: 'postgres://u:db-pass@db/x', redisUrl: 'redis://:redis-pass@cache' } } }, 'urls');
    logger.info({ config: { stripe: { secretKey: 'sk_live_stripe' }, twilio: { authToken: 'twilio-token' }, mongodbUrl: 'mongodb://u:mongo-pass@m' } }, 'config');
    await flushed();
    for (const secret of ['nested-key', 'nested-cookie', 'nested-password', 'smtp-pass', 'db-pass', 'redis-pass', 'sk_live_stripe', 'twilio-token', 'mongo-pass']) {
      assert.ok(!text().includes(secret), `${secret} reached the log`);
    }
    assert.deepEqual(lines[0]?.['req'], { method: 'GET', headers: { authorization: '[redacted]', cookie: '[redacted]', host: 'x' } });
    assert.deepEqual(lines[1]?.['user'], { email: 'ada@example.com', password: '[redacted]' });
    assert.equal(lines[2]?.['smtpUrl'], '[redacted]');
    assert.deepEqual(lines[2]?.['settings'], { nested: { databaseUrl: '[redacted]', redisUrl: '[redacted]' } });
  });

  it('cuts the credentials out of URLs in error messages, stacks, causes and error texts, keeping the rest', async () => {
    const { logger, lines, text } = capture();
    const error = new Error('connect ECONNREFUSED postgres://formline:err-pass@db.internal:5432/formline', {
      cause: new Error('redis://:cause-pass@cache:6379 is down'),
    });
    logger.error({ err: error }, 'failed to reach smtps://mailer:msg-pass@mail.example');
    logger.warn({ error: 'webhook https://hook-user:hook-pass@hooks.example/x answered 500' }, 'delivery failed');
    await flushed();
    for (const secret of ['err-pass', 'cause-pass', 'msg-pass', 'hook-pass', 'hook-user']) assert.ok(!text().includes(secret), `${secret} reached the log`);
    const err = lines[0]?.['err'] as { type: string; message: string; stack: string };
    assert.equal(err.type, 'Error');
    assert.match(err.message, /^connect ECONNREFUSED postgres:\/\/\[redacted\]@db\.internal:5432\/formline/);
    assert.match(err.stack, /caused by: Error: redis:\/\/\[redacted\]@cache:6379 is down/);
    assert.equal(lines[0]?.['msg'], 'failed to reach smtps://[redacted]@mail.example');
    assert.equal(lines[1]?.['error'], 'webhook https://[redacted]@hooks.example/x answered 500');
  });

  it("redacts one-use tokens in a request line's URL, and leaves an ordinary request line as it is", async () => {
    const { logger, lines, text } = capture();
    logger.info({ reqId: 'r1', method: 'GET', url: '/api/invitations/lookup?token=invite-token&x=1', status: 200, ms: 1.5 }, 'request');
    logger.info({ reqId: 'r2', method: 'POST', url: '/v1/f/f_demo?lang=de', status: 201, ms: 0.7 }, 'request');
    await flushed();
    assert.ok(!text().includes('invite-token'));
    assert.equal(lines[0]?.['url'], '/api/invitations/lookup?token=[redacted]&x=1');
    const { time: _time, ...line } = lines[1] as Record<string, unknown>;
    assert.deepEqual(line, { level: 30, service: 'formline', reqId: 'r2', method: 'POST', url: '/v1/f/f_demo?lang=de', status: 201, ms: 0.7, msg: 'request' });
  });
});
