// The public submission contract of DESIGN.md: every status code with its exact error body,
// every content type, spam handling and CORS, on every database.

import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { issueTimeToken } from '../ingest/services/time-trap.ts';
import { databaseTargets, type OpenedDatabase } from './helpers/databases.ts';
import { SITE_ORIGIN, VALID_CONTACT, seedAccount, startTestApp, type Seeded, type TestApp } from './helpers/harness.ts';
import { errorOf, postJson, send } from './helpers/http.ts';

for (const target of databaseTargets) {
  describe(`the submission endpoint on ${target.name}`, () => {
    let opened: OpenedDatabase;
    let app: TestApp;
    let seeded: Seeded;
    let schemaless: Seeded;
    let redirecting: Seeded;

    before(async () => {
      opened = await target.open();
      seeded = await seedAccount(opened.db);
      schemaless = await seedAccount(opened.db, { schema: null });
      redirecting = await seedAccount(opened.db, { settings: { redirectUrl: 'https://shop.example/thanks' } });
      app = await startTestApp(opened.db);
    });

    after(async () => {
      await app?.close();
      await opened?.close();
    });

    const rowsOf = (id: string) =>
      opened.db.query<{ data: Record<string, unknown>; status: string; meta: Record<string, unknown> }>(
        'select data, status, meta from submissions where id = $1',
        [id],
      );
    const jobsOf = (id: string) =>
      opened.db.query<{ kind: string; target: string; status: string }>(
        'select kind, target, status from jobs where submission_id = $1',
        [id],
      );

    it('stores a valid JSON submission and answers 201 with its id', async () => {
      const answer = await postJson(app.url, seeded.formId, VALID_CONTACT, { origin: SITE_ORIGIN });
      assert.equal(answer.status, 201);
      const { id } = answer.body as { id: string };
      assert.match(id, /^[0-9a-f-]{36}$/);
      assert.equal(answer.headers.get('access-control-allow-origin'), SITE_ORIGIN);
      const [row] = await rowsOf(id);
      assert.deepEqual(row?.data, VALID_CONTACT);
      assert.equal(row?.status, 'new');
      assert.equal(row?.meta['via'], 'json');
      assert.equal(row?.meta['origin'], SITE_ORIGIN);
      assert.match(String(row?.meta['ipHash']), /^[A-Za-z0-9_-]{22}$/, 'the visitor IP is stored only as a keyed hash');
      assert.deepEqual(await jobsOf(id), [{ kind: 'email', target: 'owner@shop.example', status: 'queued' }]);
    });

    it('accepts text/plain holding JSON (the CORS-safelisted type that needs no preflight)', async () => {
      const answer = await send(`${app.url}/v1/f/${seeded.formId}`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain;charset=UTF-8', origin: SITE_ORIGIN },
        body: JSON.stringify(VALID_CONTACT),
      });
      assert.equal(answer.status, 201);
      const [row] = await rowsOf((answer.body as { id: string }).id);
      assert.deepEqual(row?.data, VALID_CONTACT);
    });

    it('accepts a url-encoded post from script with 201 JSON, normalising values to their field types', async () => {
      const answer = await send(`${app.url}/v1/f/${seeded.formId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: 'name=Grace+Hopper&email=grace%40example.com&topic=Support&message=Please+call+me+back&consent=on',
      });
      assert.equal(answer.status, 201);
      const [row] = await rowsOf((answer.body as { id: string }).id);
      assert.deepEqual(row?.data, {
        name: 'Grace Hopper',
        email: 'grace@example.com',
        topic: 'Support',
        message: 'Please call me back',
        consent: true,
      });
      assert.equal(row?.meta['via'], 'form');
    });

    it('answers a plain HTML form post (no JavaScript) with 303 to the hosted thank-you page', async () => {
      const answer = await send(`${app.url}/v1/f/${seeded.formId}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
          origin: SITE_ORIGIN,
        },
        body: 'name=Alan&email=alan%40example.com&message=Ten+characters+at+least&consent=on',
      });
      assert.equal(answer.status, 303);
      assert.equal(answer.headers.get('location'), `/v1/f/${seeded.formId}/thanks`);
      const thanks = await send(`${app.url}${answer.headers.get('location')}`);
      assert.equal(thanks.status, 200);
      assert.match(thanks.headers.get('content-type') ?? '', /text\/html/);
      assert.match(thanks.text, /Thanks! We will be in touch\./);
      const count = await opened.db.query<{ n: number }>(
        "select count(*)::int as n from submissions where form_id = $1 and data->>'name' = 'Alan'",
        [seeded.formId],
      );
      assert.equal(count[0]?.n, 1);
    });

    it("answers a plain HTML form post with 303 to the form's own redirect URL when it has one", async () => {
      const answer = await send(`${app.url}/v1/f/${redirecting.formId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
        body: 'name=Alan&email=alan%40example.com&message=Ten+characters+at+least&consent=on',
      });
      assert.equal(answer.status, 303);
      assert.equal(answer.headers.get('location'), 'https://shop.example/thanks');
    });

    it('answers invalid fields with 422 validation_failed naming each field', async () => {
      const answer = await postJson(app.url, seeded.formId, { name: '', email: 'not-an-email', topic: 'Other', message: 'short' });
      assert.equal(answer.status, 422);
      assert.deepEqual(answer.body, {
        error: {
          code: 'validation_failed',
          message: 'Some fields need attention.',
          fields: {
            name: 'This field is required.',
            email: 'Enter a valid email address.',
            topic: 'Choose one of the listed options.',
            message: 'Use at least 10 characters.',
            consent: 'This field is required.',
          },
        },
      });
    });

    it('shows a plain HTML form post its validation errors as a page (422), with a link back', async () => {
      const answer = await send(`${app.url}/v1/f/${seeded.formId}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'text/html',
          referer: 'https://shop.example/contact',
        },
        body: 'name=%3Cb%3EBob%3C%2Fb%3E&email=nope',
      });
      assert.equal(answer.status, 422);
      assert.match(answer.headers.get('content-type') ?? '', /text\/html/);
      assert.match(answer.text, /Enter a valid email address\./);
      assert.match(answer.text, /href="https:\/\/shop\.example\/contact"/);
      assert.doesNotMatch(answer.text, /<b>Bob/);
    });

    it('answers an unknown form with 404 form_not_found', async () => {
      for (const formId of ['f_doesNotExist1', 'not-a-form-id', 'f_%00']) {
        const answer = await postJson(app.url, formId, VALID_CONTACT);
        assert.equal(answer.status, 404, formId);
        assert.equal(errorOf(answer).code, 'form_not_found');
      }
      const definition = await send(`${app.url}/v1/forms/f_doesNotExist1`);
      assert.equal(definition.status, 404);
      assert.equal(errorOf(definition).code, 'form_not_found');
    });

    it('answers a post from a page outside the allowed origins with 403 origin_not_allowed and stores nothing', async () => {
      const before = await opened.db.query<{ n: number }>('select count(*)::int as n from submissions');
      const cases: Record<string, string>[] = [{ origin: 'https://evil.example' }, { referer: 'https://evil.example/page' }, { origin: 'null' }];
      for (const headers of cases) {
        const answer = await postJson(app.url, seeded.formId, VALID_CONTACT, headers);
        assert.equal(answer.status, 403, JSON.stringify(headers));
        assert.deepEqual(errorOf(answer).code, 'origin_not_allowed');
      }
      const afterCount = await opened.db.query<{ n: number }>('select count(*)::int as n from submissions');
      assert.equal(afterCount[0]?.n, before[0]?.n);
    });

    it('answers a body over the limit with 413 payload_too_large', async () => {
      const answer = await postJson(app.url, seeded.formId, { ...VALID_CONTACT, message: 'x'.repeat(200 * 1024) });
      assert.equal(answer.status, 413);
      assert.deepEqual(answer.body, {
        error: { code: 'payload_too_large', message: 'The request body is larger than 102400 bytes.' },
      });
    });

    it('answers content types it does not take with 415 unsupported_media_type', async () => {
      const cases: Record<string, string>[] = [
        { 'content-type': 'application/xml' },
        { 'content-type': 'multipart/form-data; boundary=x' },
        { 'content-type': 'application/json; charset=latin1' },
        { 'content-type': 'this is not a media type' },
        {},
      ];
      for (const headers of cases) {
        // Bytes, not a string: fetch would label a string text/plain itself.
        const answer = await send(`${app.url}/v1/f/${seeded.formId}`, { method: 'POST', headers, body: Buffer.from('{}') });
        assert.equal(answer.status, 415, JSON.stringify(headers));
        assert.equal(errorOf(answer).code, 'unsupported_media_type');
      }
      const encoded = await send(`${app.url}/v1/f/${seeded.formId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'compress' },
        body: '{}',
      });
      assert.equal(encoded.status, 415);
    });

    it('reads a gzip-compressed body (also labelled x-gzip), and names a body that only claims to be', async () => {
      for (const encoding of ['gzip', 'x-gzip']) {
        const answer = await send(`${app.url}/v1/f/${seeded.formId}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-encoding': encoding },
          body: gzipSync(JSON.stringify(VALID_CONTACT)),
        });
        assert.equal(answer.status, 201, encoding);
      }
      const fake = await send(`${app.url}/v1/f/${seeded.formId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: JSON.stringify(VALID_CONTACT),
      });
      assert.equal(fake.status, 400);
      assert.equal(errorOf(fake).code, 'invalid_body');
    });

    it('answers a URL with broken percent-encoding with 400 invalid_url', async () => {
      const answer = await postJson(app.url, 'f_%E0%A4%A', VALID_CONTACT);
      assert.equal(answer.status, 400);
      assert.equal(errorOf(answer).code, 'invalid_url');
    });

    it('answers malformed bodies with 400 and a code naming the problem', async () => {
      const deep = '{"a":' + '{"b":'.repeat(10) + '1' + '}'.repeat(11);
      const wide = JSON.stringify(Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`f${i}`, 'x'])));
      const cases: [string, string][] = [
        ['{"name": "Ada",', 'invalid_json'],
        ['', 'invalid_json'],
        ['[1, 2, 3]', 'invalid_body'],
        ['"just a string"', 'invalid_body'],
        ['null', 'invalid_body'],
        ['{"__proto__": {"admin": true}}', 'invalid_body'],
        ['{"constructor": "x"}', 'invalid_body'],
        ['{"nested": {"prototype": 1}}', 'invalid_body'],
        [deep, 'invalid_body'],
        [wide, 'invalid_body'],
        [JSON.stringify({ ['k'.repeat(101)]: 'v' }), 'invalid_body'],
        ['[' .repeat(50_000) + ']'.repeat(50_000), 'invalid_body'],
      ];
      for (const [body, code] of cases) {
        const answer = await send(`${app.url}/v1/f/${schemaless.formId}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        assert.equal(answer.status, 400, body.slice(0, 60));
        assert.equal(errorOf(answer).code, code, body.slice(0, 60));
      }
      const badKey = await postJson(app.url, seeded.formId, VALID_CONTACT, { 'idempotency-key': 'has spaces in it' });
      assert.equal(badKey.status, 400);
      assert.equal(errorOf(badKey).code, 'invalid_idempotency_key');
    });

    it('accepts any fields on a form without a schema, within the global limits', async () => {
      const data = { anything: 'goes', count: 3, tags: ['a', 'b'], nested: { ok: true }, empty: null };
      const answer = await postJson(app.url, schemaless.formId, data);
      assert.equal(answer.status, 201);
      const [row] = await rowsOf((answer.body as { id: string }).id);
      assert.deepEqual(row?.data, data);

      const tooLong = await postJson(app.url, schemaless.formId, { note: 'x'.repeat(10_001) });
      assert.equal(tooLong.status, 422);
      assert.deepEqual(errorOf(tooLong).fields, { note: 'Use at most 10000 characters.' });

      const nul = await postJson(app.url, schemaless.formId, { note: 'a\u0000b', lone: '\ud800' });
      assert.equal(nul.status, 422);
      assert.deepEqual(Object.keys(errorOf(nul).fields ?? {}).sort(), ['lone', 'note']);
    });

    it('files a filled honeypot as spam: 201 for the bot, no notification, counted apart', async () => {
      const answer = await postJson(app.url, seeded.formId, { ...VALID_CONTACT, _gotcha: 'http://spam.example' });
      assert.equal(answer.status, 201);
      const id = (answer.body as { id: string }).id;
      const [row] = await rowsOf(id);
      assert.equal(row?.status, 'spam');
      assert.equal(row?.meta['spamReason'], 'honeypot');
      assert.equal(row?.data['_gotcha'], undefined, 'reserved fields are not stored as data');
      assert.deepEqual(await jobsOf(id), []);
    });

    it('files a post made faster than a person can type, or with a forged time token, as spam', async () => {
      const fast = await postJson(app.url, seeded.formId, { ...VALID_CONTACT, _t: issueTimeToken(app.secrets.timeTrapKey, seeded.formId) });
      assert.equal(fast.status, 201);
      assert.equal((await rowsOf((fast.body as { id: string }).id))[0]?.meta['spamReason'], 'time_trap_too_fast');

      const forged = await postJson(app.url, seeded.formId, { ...VALID_CONTACT, _t: '1700000000.AAAAAAAAAAAAAAAAAAAAAA' });
      assert.equal((await rowsOf((forged.body as { id: string }).id))[0]?.meta['spamReason'], 'time_trap_forged');

      const human = await postJson(app.url, seeded.formId, {
        ...VALID_CONTACT,
        _t: issueTimeToken(app.secrets.timeTrapKey, seeded.formId, Date.now() - 30_000),
      });
      const [row] = await rowsOf((human.body as { id: string }).id);
      assert.equal(row?.status, 'new');
      assert.equal(row?.meta['spamReason'], undefined);
    });

    it('files link spam as spam', async () => {
      const links = Array.from({ length: 6 }, (_, i) => `https://buy${i}.example`).join(' ');
      const answer = await postJson(app.url, seeded.formId, { ...VALID_CONTACT, message: `Great offers ${links}` });
      assert.equal(answer.status, 201);
      assert.equal((await rowsOf((answer.body as { id: string }).id))[0]?.status, 'spam');
    });

    it('serves the public form definition with spam-trap tokens, an ETag, and no private settings', async () => {
      const answer = await send(`${app.url}/v1/forms/${seeded.formId}`, { headers: { origin: SITE_ORIGIN } });
      assert.equal(answer.status, 200);
      const body = answer.body as Record<string, unknown>;
      assert.equal(body['id'], seeded.formId);
      assert.deepEqual((body['schema'] as { fields: unknown[] }).fields.length, 5);
      const spam = body['spam'] as { honeypot: string; timeField: string; timeToken: string };
      assert.equal(spam.honeypot, '_gotcha');
      assert.equal(spam.timeField, '_t');
      assert.match(spam.timeToken, /^\d+\.[A-Za-z0-9_-]{22}$/);
      assert.doesNotMatch(answer.text, /owner@shop\.example/, 'notification targets are private');
      assert.equal(answer.headers.get('access-control-allow-origin'), SITE_ORIGIN);
      const etag = answer.headers.get('etag');
      assert.ok(etag);
      const again = await send(`${app.url}/v1/forms/${seeded.formId}`, { headers: { 'if-none-match': etag } });
      assert.equal(again.status, 304);
      const foreign = await send(`${app.url}/v1/forms/${seeded.formId}`, { headers: { origin: 'https://evil.example' } });
      assert.equal(foreign.status, 403);
    });

    it('answers CORS preflights from allowed origins only', async () => {
      const allowed = await send(`${app.url}/v1/f/${seeded.formId}`, {
        method: 'OPTIONS',
        headers: { origin: SITE_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,idempotency-key' },
      });
      assert.equal(allowed.status, 204);
      assert.equal(allowed.headers.get('access-control-allow-origin'), SITE_ORIGIN);
      assert.match(allowed.headers.get('access-control-allow-headers') ?? '', /Idempotency-Key/);
      const foreign = await send(`${app.url}/v1/f/${seeded.formId}`, {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      });
      assert.equal(foreign.status, 403);
      assert.equal(foreign.headers.get('access-control-allow-origin'), null);
    });

    it('sets no cookies on public routes', async () => {
      const answer = await postJson(app.url, seeded.formId, VALID_CONTACT);
      assert.equal(answer.headers.get('set-cookie'), null);
    });
  });
}

describe('rate limits on the submission endpoint', () => {
  let opened: OpenedDatabase;
  let app: TestApp;
  let seeded: Seeded;
  let other: Seeded;

  before(async () => {
    opened = await (databaseTargets[0] as (typeof databaseTargets)[number]).open();
    seeded = await seedAccount(opened.db);
    other = await seedAccount(opened.db);
    app = await startTestApp(opened.db, { RATE_LIMIT_IP_PER_MINUTE: '4', RATE_LIMIT_FORM_PER_MINUTE: '100' });
  });

  after(async () => {
    await app?.close();
    await opened?.close();
  });

  it('answers the post past the per-IP limit with 429 rate_limited and Retry-After', async () => {
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 5; i++) {
      last = await postJson(app.url, i % 2 ? seeded.formId : other.formId, VALID_CONTACT);
      statuses.push(last.status);
    }
    assert.deepEqual(statuses, [201, 201, 201, 201, 429]);
    assert.ok(last);
    assert.equal(errorOf(last).code, 'rate_limited');
    const retryAfter = Number(last.headers.get('retry-after'));
    assert.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After ${retryAfter}`);
  });
});
