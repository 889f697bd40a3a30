// The public submission contract of DESIGN.md: every status code with its exact error body,
// every content type, spam handling and CORS, on every database.

import assert from 'node:assert/strict';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
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
        assert.deepEqual(answer.body, {
          error: { code: 'form_not_found', message: `There is no form ${decodeURIComponent(formId)}.` },
        });
      }
      const definition = await send(`${app.url}/v1/forms/f_doesNotExist1`);
      assert.equal(definition.status, 404);
      assert.deepEqual(definition.body, { error: { code: 'form_not_found', message: 'There is no form f_doesNotExist1.' } });
    });

    it('answers a post from a page outside the allowed origins with 403 origin_not_allowed and stores nothing', async () => {
      const before = await opened.db.query<{ n: number }>('select count(*)::int as n from submissions');
      const cases: [Record<string, string>, string][] = [
        [{ origin: 'https://evil.example' }, 'https://evil.example'],
        [{ referer: 'https://evil.example/page' }, 'https://evil.example'],
        [{ origin: 'null' }, 'null'],
      ];
      for (const [headers, shown] of cases) {
        const answer = await postJson(app.url, seeded.formId, VALID_CONTACT, headers);
        assert.equal(answer.status, 403, JSON.stringify(headers));
        assert.deepEqual(answer.body, {
          error: { code: 'origin_not_allowed', message: `This form does not accept submissions from ${shown}.` },
        });
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
      const accepted = 'Send application/json, text/plain holding JSON, or application/x-www-form-urlencoded.';
      const cases: [Record<string, string>, string][] = [
        [{ 'content-type': 'application/xml' }, `Content-Type application/xml is not supported. ${accepted}`],
        [{ 'content-type': 'multipart/form-data; boundary=x' }, `multipart/form-data (file uploads) is not supported yet. ${accepted}`],
        [{ 'content-type': 'application/json; charset=latin1' }, 'Charset "latin1" is not supported; send UTF-8.'],
        [{ 'content-type': 'this is not a media type' }, `Content-Type this is not a media type is not supported. ${accepted}`],
        [{}, `The request has no Content-Type. ${accepted}`],
      ];
      for (const [headers, message] of cases) {
        // Bytes, not a string: fetch would label a string text/plain itself.
        const answer = await send(`${app.url}/v1/f/${seeded.formId}`, { method: 'POST', headers, body: Buffer.from('{}') });
        assert.equal(answer.status, 415, JSON.stringify(headers));
        assert.deepEqual(answer.body, { error: { code: 'unsupported_media_type', message } });
      }
      const encoded = await send(`${app.url}/v1/f/${seeded.formId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'compress' },
        body: '{}',
      });
      assert.equal(encoded.status, 415);
      assert.deepEqual(encoded.body, {
        error: { code: 'unsupported_media_type', message: 'That Content-Encoding is not supported; send identity, gzip, deflate or br.' },
      });
    });

    it('reads a gzip, deflate or brotli body (gzip also labelled x-gzip), and names one that is not what it claims', async () => {
      const json = JSON.stringify(VALID_CONTACT);
      const encoded: [string, Buffer][] = [
        ['gzip', gzipSync(json)],
        ['x-gzip', gzipSync(json)],
        ['deflate', deflateSync(json)],
        ['br', brotliCompressSync(json)],
      ];
      for (const [encoding, body] of encoded) {
        const answer = await send(`${app.url}/v1/f/${seeded.formId}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-encoding': encoding },
          body: new Uint8Array(body),
        });
        assert.equal(answer.status, 201, encoding);
      }
      const corrupt: [string, Buffer][] = [
        ['gzip', Buffer.from(json)],
        ['gzip', gzipSync(json).subarray(0, 20)],
        ['deflate', Buffer.from(json)],
        ['br', Buffer.from(json)],
        ['br', brotliCompressSync(json).subarray(0, 10)],
      ];
      for (const [encoding, body] of corrupt) {
        const answer = await send(`${app.url}/v1/f/${seeded.formId}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-encoding': encoding },
          body: new Uint8Array(body),
        });
        assert.equal(answer.status, 400, `${encoding} ${body.length} bytes`);
        assert.deepEqual(answer.body, {
          error: { code: 'invalid_body_encoding', message: 'The body is not valid data for its Content-Encoding.' },
        });
      }
    });

    it('answers a URL with broken percent-encoding with 400 invalid_url', async () => {
      const answer = await postJson(app.url, 'f_%E0%A4%A', VALID_CONTACT);
      assert.equal(answer.status, 400);
      assert.deepEqual(answer.body, { error: { code: 'invalid_url', message: 'The URL holds malformed percent-encoding.' } });
    });

    it('lets the posting page read the errors raised before the origin check (413, 415, 400), so the widget stops retrying', async () => {
      const cases: [string, RequestInit, number, string][] = [
        ['over the limit', { body: JSON.stringify({ ...VALID_CONTACT, message: 'x'.repeat(200 * 1024) }) }, 413, 'payload_too_large'],
        ['an unknown encoding', { body: '{}', headers: { 'content-encoding': 'compress' } }, 415, 'unsupported_media_type'],
        ['a corrupt brotli body', { body: JSON.stringify(VALID_CONTACT), headers: { 'content-encoding': 'br' } }, 400, 'invalid_body_encoding'],
      ];
      for (const [origin, expectRead] of [[SITE_ORIGIN, true], ['https://elsewhere.example', true], [undefined, false]] as const) {
        for (const [what, init, status, code] of cases) {
          const headers = { 'content-type': 'application/json', ...(init.headers as Record<string, string> | undefined), ...(origin ? { origin } : {}) };
          const answer = await send(`${app.url}/v1/f/${seeded.formId}`, { ...init, method: 'POST', headers });
          assert.equal(answer.status, status, what);
          assert.equal(errorOf(answer).code, code, what);
          assert.equal(answer.headers.get('access-control-allow-origin'), expectRead ? origin : null, `${what} from ${origin}`);
          if (expectRead) {
            assert.match(answer.headers.get('access-control-expose-headers') ?? '', /Retry-After/, what);
            assert.match(answer.headers.get('vary') ?? '', /Origin/i, what);
          }
        }
      }
      const badUrl = await postJson(app.url, 'f_%E0%A4%A', VALID_CONTACT, { origin: SITE_ORIGIN });
      assert.equal(badUrl.status, 400);
      assert.equal(badUrl.headers.get('access-control-allow-origin'), SITE_ORIGIN);
    });

    it("sends helmet's API headers with JSON answers of the public API, and none of a page's", async () => {
      const accepted = await postJson(app.url, seeded.formId, VALID_CONTACT, { origin: SITE_ORIGIN });
      const refused = await postJson(app.url, seeded.formId, { name: '' }, { origin: SITE_ORIGIN });
      assert.deepEqual([accepted.status, refused.status], [201, 422]);
      for (const answer of [accepted, refused]) {
        assert.match(answer.headers.get('content-type') ?? '', /^application\/json/);
        assert.equal(answer.headers.get('x-content-type-options'), 'nosniff');
        assert.equal(answer.headers.get('cross-origin-resource-policy'), 'cross-origin');
        assert.equal(answer.headers.get('referrer-policy'), 'no-referrer');
        for (const header of ['content-security-policy', 'x-frame-options', 'strict-transport-security', 'x-powered-by']) {
          assert.equal(answer.headers.get(header), null, header);
        }
      }
    });

    it('refuses an empty submission (no fields besides the service\'s own) with 422, storing and notifying nothing', async () => {
      const before = await opened.db.query<{ n: number }>('select count(*)::int as n from submissions');
      const empty = { error: { code: 'validation_failed', message: 'The submission is empty: send at least one field.', fields: {} } };
      const cases: [string, string, string][] = [
        [schemaless.formId, 'application/json', '{}'],
        [schemaless.formId, 'application/json', '{"_gotcha":"","_t":"1700000000.AAAAAAAAAAAAAAAAAAAAAA"}'],
        [schemaless.formId, 'text/plain', '{}'],
        [schemaless.formId, 'application/x-www-form-urlencoded', ''],
        [schemaless.formId, 'application/x-www-form-urlencoded', '_gotcha=&_captcha=x'],
        [seeded.formId, 'application/json', '{}'],
      ];
      for (const [formId, type, body] of cases) {
        const answer = await send(`${app.url}/v1/f/${formId}`, { method: 'POST', headers: { 'content-type': type, accept: 'application/json' }, body });
        assert.equal(answer.status, 422, `${type} ${body}`);
        assert.deepEqual(answer.body, empty, `${type} ${body}`);
      }
      const afterCount = await opened.db.query<{ n: number }>('select count(*)::int as n from submissions');
      assert.equal(afterCount[0]?.n, before[0]?.n);
      // One field, even an empty one, is a submission.
      assert.equal((await postJson(app.url, schemaless.formId, { note: '' })).status, 201);
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
    assert.deepEqual(last.body, { error: { code: 'rate_limited', message: 'Too many requests; try again later.' } });
    const retryAfter = Number(last.headers.get('retry-after'));
    assert.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After ${retryAfter}`);
  });
});

describe('the per-form rate limit on the submission endpoint', () => {
  let opened: OpenedDatabase;
  let app: TestApp;
  let seeded: Seeded;
  let other: Seeded;

  before(async () => {
    opened = await (databaseTargets[0] as (typeof databaseTargets)[number]).open();
    seeded = await seedAccount(opened.db);
    other = await seedAccount(opened.db);
    app = await startTestApp(opened.db, { RATE_LIMIT_IP_PER_MINUTE: '1000', RATE_LIMIT_FORM_PER_MINUTE: '3' });
  });

  after(async () => {
    await app?.close();
    await opened?.close();
  });

  it('answers posts from many addresses past the per-form limit with 429 rate_limited and Retry-After; other forms are unaffected', async () => {
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await postJson(app.url, seeded.formId, VALID_CONTACT, { 'x-forwarded-for': `203.0.113.${i + 1}` }));
    assert.deepEqual(answers.map((a) => a.status), [201, 201, 201, 429, 429]);
    for (const refused of answers.slice(3)) {
      assert.deepEqual(refused.body, {
        error: { code: 'rate_limited', message: 'This form is receiving too many submissions; try again shortly.' },
      });
      const retryAfter = Number(refused.headers.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    }
    const count = await opened.db.query<{ n: number }>('select count(*)::int as n from submissions where form_id = $1', [seeded.formId]);
    assert.equal(count[0]?.n, 3);
    assert.equal((await postJson(app.url, other.formId, VALID_CONTACT, { 'x-forwarded-for': '203.0.113.9' })).status, 201);
  });
});
