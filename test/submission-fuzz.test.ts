// Property-based fuzzing of the public submission endpoint, POST /v1/f/:formId, on every database.
// Whatever a visitor's browser, a bot or a broken client sends (any body, content type, charset,
// encoding, idempotency key, origin or accept header), the service must answer with a clear 4xx
// or a stored submission, never a 5xx, and must stay up. DESIGN.md: "Bad input gets a clear 4xx
// and never a 5xx"; "Errors are always JSON" (a plain HTML form post gets a page instead).
//
// Every run reports its seed; a failure also prints fast-check's path and the shrunk request.
// Replay with FUZZ_SEED=<seed> (and FUZZ_PATH=<path> to run just the failing case).

import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { issueTimeToken } from '../ingest/services/time-trap.ts';
import { databaseTargets, type OpenedDatabase } from './helpers/databases.ts';
import { CONTACT_SCHEMA, SITE_ORIGIN, VALID_CONTACT, seedAccount, startTestApp, type Seeded, type TestApp } from './helpers/harness.ts';

const RUNS_PER_TARGET = 2000;
/** A streamed body is sent in at most this many pieces, so one request stays quick. */
const MAX_STREAM_CHUNKS = 256;
/** A request left unanswered this long counts as a failure (a hung request), not a slow test. */
const ANSWER_WITHIN_MS = 20_000;
const replaySeed = process.env['FUZZ_SEED'];
const replayPath = process.env['FUZZ_PATH'];

/** One generated request, printed compactly when fast-check reports a counterexample. */
interface FuzzRequest {
  formId: string;
  /** The path as sent: the form id percent-encoded, or made-up bytes. */
  path: string;
  headers: Record<string, string>;
  body: Uint8Array<ArrayBuffer>;
  /** Sent as a stream (Transfer-Encoding: chunked, no Content-Length) in pieces of this size. */
  chunkSize: number | null;
  [fc.toStringMethod](): string;
}

type NaturalType = 'json' | 'form' | 'multipart' | 'none';

/** A body before it is labelled and encoded: its text (or bytes) and the content type that fits it. */
interface BodyDraft {
  natural: NaturalType;
  payload: string | Uint8Array;
  boundary?: string;
}

// ---------------------------------------------------------------------------------------------
// Text: printable ASCII mostly, with the characters that break naive code: NUL, control
// characters, lone surrogates (not text at all), astral characters, and long runs.

const charIn = (from: number, to: number) => fc.integer({ min: from, max: to }).map((code) => String.fromCharCode(code));

const hostileUnit = fc.oneof(
  { weight: 8, arbitrary: charIn(0x20, 0x7e) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.constant('\u0000') },
  { weight: 1, arbitrary: charIn(0xd800, 0xdfff) },
  { weight: 1, arbitrary: charIn(0x00, 0x1f) },
);

const hostileText = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: hostileUnit, maxLength: 24 }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      '__proto__',
      'constructor',
      'prototype',
      'hasOwnProperty',
      'toString',
      '_gotcha',
      '_t',
      'on',
      'off',
      'true',
      '0',
      '1e400',
      'null',
      '[]',
      '{}',
      '\u2028\u2029',
      '\ufeff',
      'a\u0000b',
      '\ud800',
      '\udfff\ud800',
      '😀',
      'https://a.example http://b.example www.c.example https://d.example https://e.example https://f.example',
      '<a href="https://spam.example">x</a>',
      '[url=https://spam.example]x[/url]',
      "'; drop table submissions; --",
      '%00',
      '=1+2',
    ),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('x', 'é', '😀', '\u0000', '\ud800', ' '), fc.integer({ min: 90, max: 12_000 }))
      .map(([unit, times]) => unit.repeat(times)),
  },
);

/** Characters an HTTP header value can carry through fetch: tab, visible ASCII, and obs-text. */
const headerUnit = fc.oneof(
  { weight: 10, arbitrary: charIn(0x20, 0x7e) },
  { weight: 1, arbitrary: fc.constant('\t') },
  { weight: 2, arbitrary: charIn(0x80, 0xff) },
);
const headerText = fc.string({ unit: headerUnit, maxLength: 60 });

// ---------------------------------------------------------------------------------------------
// JSON, built as text so that keys such as __proto__, duplicate keys and numbers JavaScript
// cannot hold (1e400) reach the server exactly as written.

const SCHEMA_FIELDS = CONTACT_SCHEMA.fields.map((field) => field.name);

const fieldName = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...SCHEMA_FIELDS) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      ...['__proto__', 'constructor', 'prototype', '_gotcha', '_t', '_other', '', 'tags[]', 'a[b]', 'k'.repeat(100), 'k'.repeat(101)],
    ),
  },
  { weight: 3, arbitrary: hostileText },
);

const jsonScalarText = fc.oneof(
  fc.constantFrom('null', 'true', 'false', '0', '-0', '1e400', '-1e400', '1e-400', '123456789012345678901234567890', '0.1', '-12.5e3'),
  fc.double().map((value) => JSON.stringify(value)),
  hostileText.map((text) => JSON.stringify(text)),
  fc.constantFrom(...Object.values(VALID_CONTACT), 'Support', 'on', 'yes', 'ada@example.com').map((value) => JSON.stringify(value)),
);

function objectText(entries: readonly (readonly [string, string])[]): string {
  return `{${entries.map(([name, value]) => `${JSON.stringify(name)}:${value}`).join(',')}}`;
}

const { jsonText } = fc.letrec<{ jsonText: string }>((tie) => ({
  jsonText: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    jsonScalarText,
    fc.array(tie('jsonText'), { maxLength: 6 }).map((items) => `[${items.join(',')}]`),
    fc.array(fc.tuple(fieldName, tie('jsonText')), { maxLength: 6 }).map(objectText),
  ),
}));

// ---------------------------------------------------------------------------------------------
// URL-encoded bodies: standard encoding of any text, raw percent-encoded bytes (invalid UTF-8,
// encoded surrogates, %00) and malformed escapes.

const FORM_SAFE = /[A-Za-z0-9*._-]/;

function percentEncode(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) {
    const char = String.fromCharCode(byte);
    if (FORM_SAFE.test(char)) out += char;
    else if (byte === 0x20) out += '+';
    else out += `%${byte.toString(16).padStart(2, '0').toUpperCase()}`;
  }
  return out;
}

const formComponent = (text: fc.Arbitrary<string>) =>
  fc.oneof(
    { weight: 6, arbitrary: text.map((value) => percentEncode(Buffer.from(value, 'utf8'))) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 12 }).map(percentEncode) },
    { weight: 1, arbitrary: fc.constantFrom('%ED%A0%80', '%C0%80', '%FF%FE', '%00', '%', '%zz', '%E2%82', '+', '&&', '==', '%2B%26%3D') },
  );

/** A JSON value as a form value: strings as themselves, anything else as its JSON text. */
function formValueOf(json: string): string {
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'string' ? value : json;
  } catch {
    return json;
  }
}

function formText(entries: readonly (readonly [string, string])[]): string {
  return entries.map(([name, value]) => `${name}=${value}`).join('&');
}

// ---------------------------------------------------------------------------------------------
// Bodies.

/** The value in about one case in four, else null. */
const sometimes = <T>(arbitrary: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary });

/** Close to what the widget sends for the contact form: each field valid, wrong or missing. */
function validishEntries(timeTokens: readonly string[]) {
  const validValue: Record<string, fc.Arbitrary<string>> = {
    name: fc.constantFrom('"Ada Lovelace"', '"  Grace  "', '"Alan"'),
    email: fc.constantFrom('"ada@example.com"', '"grace.hopper@navy.example"'),
    topic: fc.constantFrom('"Sales"', '"Support"'),
    message: fc.constantFrom('"Hello, I would like a quote."', '"Please call me back tomorrow."'),
    consent: fc.constantFrom('true', '"on"', '"yes"', '"1"'),
  };
  const fieldEntries = SCHEMA_FIELDS.map((name) =>
    fc.option(
      fc
        .oneof({ weight: 12, arbitrary: validValue[name] ?? jsonText }, { weight: 1, arbitrary: jsonText })
        .map((value) => [name, value] as const),
      { freq: 12 },
    ),
  );
  const honeypot = sometimes(fc.oneof(fc.constant('""'), jsonText).map((value) => ['_gotcha', value] as const));
  const timeTrap = sometimes(
    fc
      .oneof(
        fc.constantFrom(...timeTokens.map((token) => JSON.stringify(token))),
        fc.constant('"1700000000.AAAAAAAAAAAAAAAAAAAAAA"'), // forged
        jsonText,
      )
      .map((value) => ['_t', value] as const),
  );
  const extras = fc.oneof(
    { weight: 3, arbitrary: fc.constant([]) },
    { weight: 1, arbitrary: fc.array(fc.tuple(fieldName, jsonText), { minLength: 1, maxLength: 3 }) },
  );
  return fc
    .tuple(fc.tuple(...fieldEntries), honeypot, timeTrap, extras)
    .map(([fields, trap, time, more]) =>
      [...fields, trap, time, ...more].filter((entry): entry is readonly [string, string] => entry !== null),
    );
}

function bodyDrafts(timeTokens: readonly string[]): fc.Arbitrary<BodyDraft> {
  const validish = validishEntries(timeTokens);
  const someNatural = fc.constantFrom<NaturalType>('json', 'form', 'none');

  const validishJson = validish.map((entries): BodyDraft => ({ natural: 'json', payload: objectText(entries) }));
  const encoded = (text: string) => percentEncode(Buffer.from(text, 'utf8'));
  const validishForm = validish.map(
    (entries): BodyDraft => ({
      natural: 'form',
      payload: formText(entries.map(([name, value]) => [encoded(name), encoded(formValueOf(value))])),
    }),
  );
  const craftedJson = jsonText.map((text): BodyDraft => ({ natural: 'json', payload: text }));
  const craftedObject = fc
    .array(fc.tuple(fieldName, jsonText), { maxLength: 8 })
    .map((entries): BodyDraft => ({ natural: 'json', payload: objectText(entries) }));
  const anyJsonValue = fc
    .jsonValue({ stringUnit: hostileUnit, maxDepth: 5 })
    .map((value): BodyDraft => ({ natural: 'json', payload: JSON.stringify(value) }));
  const anyValue = fc
    .anything({
      key: fieldName,
      maxDepth: 3,
      withNullPrototype: true,
      withBoxedValues: true,
      withBigInt: true,
      withDate: true,
      withSparseArray: true,
    })
    .map((value): BodyDraft => ({
      natural: 'json',
      payload: JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item)) ?? 'undefined',
    }));
  const craftedForm = fc
    .array(fc.tuple(formComponent(fieldName), formComponent(hostileText)), { maxLength: 8 })
    .map((entries): BodyDraft => ({ natural: 'form', payload: formText(entries) }));
  const randomText = fc
    .tuple(fc.oneof(fc.string({ unit: hostileUnit, maxLength: 200 }), fc.string({ unit: 'grapheme', maxLength: 100 })), someNatural)
    .map(([payload, natural]): BodyDraft => ({ natural, payload }));
  const randomBytes = fc
    .tuple(fc.uint8Array({ maxLength: 600 }), someNatural)
    .map(([payload, natural]): BodyDraft => ({ natural, payload }));
  const empty = someNatural.map((natural): BodyDraft => ({ natural, payload: '' }));

  // Nesting from a few levels to far past what JSON.parse survives (and past the body limit).
  const deep = fc
    .tuple(
      fc.constantFrom('[', '{"a":', '{"__proto__":', '{"message":['),
      fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 12, max: 2_000 }), fc.integer({ min: 2_000, max: 60_000 })),
      fc.boolean(),
    )
    .map(([open, depth, closed]): BodyDraft => {
      const close = open === '[' ? ']' : open === '{"message":[' ? ']}' : '}';
      return { natural: 'json', payload: open.repeat(depth) + '1' + (closed ? close.repeat(depth) : '') };
    });

  // Field counts around and far past the limits, as JSON keys, form fields and list items.
  const wide = fc
    .tuple(
      fc.constantFrom('json-keys', 'json-list', 'form-fields', 'form-repeated', 'nested-keys'),
      fc.oneof(fc.integer({ min: 95, max: 110 }), fc.integer({ min: 110, max: 30_000 })),
    )
    .map(([shape, count]): BodyDraft => {
      const indexes = Array.from({ length: count }, (_, i) => i);
      switch (shape) {
        case 'json-keys':
          return { natural: 'json', payload: `{${indexes.map((i) => `"f${i}":"x"`).join(',')}}` };
        case 'json-list':
          return { natural: 'json', payload: `{"message":[${indexes.map(() => '"x"').join(',')}]}` };
        case 'nested-keys':
          return { natural: 'json', payload: `{"nested":{${indexes.map((i) => `"k${i}":1`).join(',')}}}` };
        case 'form-fields':
          return { natural: 'form', payload: indexes.map((i) => `f${i}=x`).join('&') };
        case 'form-repeated':
          return { natural: 'form', payload: indexes.map(() => 'topic=Sales').join('&') };
      }
    });

  // One long value: over the field limit, over the body limit, and (compressed) a small zip bomb.
  const long = fc
    .tuple(
      fc.constantFrom('message', 'name', 'note'),
      fc.oneof(fc.integer({ min: 9_990, max: 10_010 }), fc.integer({ min: 10_010, max: 400_000 })),
      fc.boolean(),
    )
    .map(([name, length, asForm]): BodyDraft => {
      const value = 'x'.repeat(length);
      return asForm ? { natural: 'form', payload: `${name}=${value}` } : { natural: 'json', payload: `{"${name}":"${value}"}` };
    });

  const multipart = fc
    .tuple(
      fc.stringMatching(/^[A-Za-z0-9'()+_,.\/:=?-]{1,70}$/),
      fc.array(fc.tuple(fieldName, hostileText), { maxLength: 4 }),
      fc.boolean(),
    )
    .map(([boundary, parts, terminated]): BodyDraft => {
      const part = ([name, value]: [string, string]) =>
        `--${boundary}\r\nContent-Disposition: form-data; name="${name.replace(/["\r\n]/g, '')}"\r\n\r\n${value}\r\n`;
      const body = parts.map(part).join('');
      return { natural: 'multipart', boundary, payload: body + (terminated ? `--${boundary}--\r\n` : '') };
    });

  return fc.oneof(
    { weight: 8, arbitrary: validishJson },
    { weight: 5, arbitrary: validishForm },
    { weight: 3, arbitrary: craftedObject },
    { weight: 2, arbitrary: craftedJson },
    { weight: 2, arbitrary: anyJsonValue },
    { weight: 2, arbitrary: anyValue },
    { weight: 3, arbitrary: craftedForm },
    { weight: 2, arbitrary: randomText },
    { weight: 2, arbitrary: randomBytes },
    { weight: 1, arbitrary: empty },
    { weight: 2, arbitrary: deep },
    { weight: 2, arbitrary: wide },
    { weight: 1, arbitrary: long },
    { weight: 1, arbitrary: multipart },
  );
}

// ---------------------------------------------------------------------------------------------
// Headers.

const charset = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('utf-8', 'UTF-8', 'utf8', 'Utf-8', '"utf-8"') },
  { weight: 2, arbitrary: fc.constantFrom('latin1', 'iso-8859-1', 'utf-16', 'utf-16le', 'us-ascii', 'binary', 'ucs-2', '""', '') },
  { weight: 1, arbitrary: headerText },
);

const contentTypeParameters = fc
  .array(
    fc.oneof(
      { weight: 4, arbitrary: charset.map((value) => `; charset=${value}`) },
      { weight: 1, arbitrary: fc.constantFrom(';', '; charset', ' ; charset = utf-8', '; q=1', ';;', '; boundary=', '; boundary="a b"') },
      { weight: 1, arbitrary: fc.tuple(fc.stringMatching(/^[a-z]{1,8}$/), headerText).map(([name, value]) => `; ${name}=${value}`) },
    ),
    { maxLength: 2 },
  )
  .map((parameters) => parameters.join(''));

/** The type that fits the body (JSON as application/json or text/plain), or any header at all. */
type ContentTypeChoice =
  | { natural: true; jsonType: string; casing: 'lower' | 'upper' | 'as-is'; parameters: string }
  | { natural: false; value: string | undefined };

// text/plain is what a page posts to skip the CORS preflight.
const jsonType = fc.constantFrom('application/json', 'application/json', 'text/plain');

const contentTypeChoice: fc.Arbitrary<ContentTypeChoice> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({
      natural: fc.constant(true as const),
      jsonType,
      casing: fc.constantFrom<'lower' | 'upper' | 'as-is'>('as-is', 'as-is', 'lower', 'upper'),
      parameters: fc.oneof({ weight: 3, arbitrary: fc.constant('') }, { weight: 1, arbitrary: contentTypeParameters }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      natural: fc.constant(false as const),
      value: fc.oneof(
        { weight: 2, arbitrary: fc.constant(undefined) },
        {
          weight: 4,
          arbitrary: fc
            .tuple(
              fc.mixedCase(
                fc.constantFrom(
                  'application/json',
                  'text/plain',
                  'application/x-www-form-urlencoded',
                  'multipart/form-data',
                  'application/xml',
                  'text/html',
                  'application/ld+json',
                  'application/octet-stream',
                  'application/*',
                  '*/*',
                  'text',
                  'application/json/extra',
                ),
              ),
              contentTypeParameters,
            )
            .map(([type, parameters]) => type + parameters),
        },
        { weight: 2, arbitrary: headerText },
      ),
    }),
  },
);

function contentTypeFor(choice: ContentTypeChoice, draft: BodyDraft): string | undefined {
  if (!choice.natural) return choice.value;
  let type: string | undefined;
  switch (draft.natural) {
    case 'json':
      type = choice.jsonType;
      break;
    case 'form':
      type = 'application/x-www-form-urlencoded';
      break;
    case 'multipart':
      type = `multipart/form-data; boundary=${draft.boundary ?? 'x'}`;
      break;
    case 'none':
      return undefined;
  }
  const cased = choice.casing === 'upper' ? type.toUpperCase() : choice.casing === 'lower' ? type.toLowerCase() : type;
  return cased + choice.parameters;
}

/** A header that is absent more often than not; a failing case shrinks towards leaving it out. */
const optional = <T>(arbitrary: fc.Arbitrary<T>, absentWeight = 3) =>
  fc.oneof({ withCrossShrink: true }, { weight: absentWeight, arbitrary: fc.constant(undefined) }, { weight: 2, arbitrary });

const idempotencyKey = optional(
  fc.oneof(
    { weight: 3, arbitrary: fc.uuid() },
    // A handful of keys reused across runs and forms, so replays with other bodies happen.
    { weight: 2, arbitrary: fc.constantFrom('retry-1', 'retry-2', '6f1c1f0e-2c1b-4a8e-9b1a-5d6c7e8f9a0b') },
    { weight: 2, arbitrary: fc.string({ unit: charIn(0x21, 0x7e), minLength: 1, maxLength: 255 }) },
    { weight: 1, arbitrary: fc.constantFrom('', 'has spaces', 'x'.repeat(256), 'tab\there', 'caf\u00e9') },
    { weight: 1, arbitrary: headerText },
  ),
  4,
);

const origin = optional(
  fc.oneof(
    { weight: 12, arbitrary: fc.constant(SITE_ORIGIN) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        ...['null', `${SITE_ORIGIN}/`, 'HTTPS://SHOP.EXAMPLE', `${SITE_ORIGIN}:443`, 'https://evil.example', 'file://'],
      ),
    },
    { weight: 1, arbitrary: fc.webUrl().map((url) => new URL(url).origin) },
    { weight: 1, arbitrary: headerText },
  ),
);

const referer = optional(
  fc.oneof(
    { weight: 8, arbitrary: fc.constant(`${SITE_ORIGIN}/contact`) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        ...['javascript:alert(1)', 'https://evil.example/page', 'http://[::1', '//no-scheme', `${SITE_ORIGIN}/a"><script>`],
      ),
    },
    { weight: 1, arbitrary: fc.webUrl({ withQueryParameters: true, withFragments: true }) },
    { weight: 1, arbitrary: headerText },
  ),
);

const accept = optional(
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc.constantFrom(
        'application/json',
        'text/html',
        'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
        '*/*',
        'text/*',
        'application/json, text/html;q=0.5',
        'text/html;q=0.1, application/json',
        'application/json;q=0, text/html',
        'application/json;q=0.5, */*',
        'text/html;level=1',
        'image/png',
        '',
      ),
    },
    { weight: 1, arbitrary: headerText },
  ),
);

type EncodingChoice = { name: string; applied: boolean } | undefined;

const contentEncoding: fc.Arbitrary<EncodingChoice> = fc.oneof(
  { weight: 16, arbitrary: fc.constant(undefined) },
  {
    weight: 4,
    arbitrary: fc.record({
      name: fc.constantFrom('gzip', 'deflate', 'br', 'identity'),
      // Mostly compressed as declared; sometimes declared but not compressed.
      applied: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      name: fc.oneof(
        fc.constantFrom('x-gzip', 'compress', 'GZIP', 'gzip, gzip', 'gzip, identity', 'identity, gzip', 'zstd', '*', 'deflate-raw'),
        headerText,
      ),
      applied: fc.constant(false),
    }),
  },
);

function encodeBody(bytes: Uint8Array, encoding: EncodingChoice): Uint8Array {
  if (!encoding?.applied) return bytes;
  switch (encoding.name) {
    case 'gzip':
      return gzipSync(bytes);
    case 'deflate':
      // zlib-wrapped as HTTP says; sometimes raw deflate, which many clients send instead.
      return bytes.length % 2 === 0 ? deflateSync(bytes) : deflateRawSync(bytes);
    case 'br':
      return brotliCompressSync(bytes);
    default:
      return bytes;
  }
}

// ---------------------------------------------------------------------------------------------

/** Everything about a request but its form and body. */
interface Envelope {
  contentType: ContentTypeChoice;
  textEncoding: BufferEncoding;
  contentEncoding: EncodingChoice;
  /** Sent as a stream in pieces of this size, or in one go (null). */
  chunkSize: number | null;
  idempotencyKey: string | undefined;
  origin: string | undefined;
  referer: string | undefined;
  accept: string | undefined;
  userAgent: string | undefined;
  forwardedFor: string | undefined;
  requestId: string | undefined;
}

/** What the widget or a plain browser form sends: the body's own type, UTF-8, allowed origin. */
const tidyEnvelope: fc.Arbitrary<Envelope> = fc.record({
  contentType: jsonType.map((type): ContentTypeChoice => ({ natural: true, jsonType: type, casing: 'as-is', parameters: '' })),
  textEncoding: fc.constant<BufferEncoding>('utf8'),
  contentEncoding: fc.constant(undefined),
  chunkSize: fc.constant(null),
  idempotencyKey: optional(fc.uuid()),
  origin: optional(fc.constant(SITE_ORIGIN)),
  referer: optional(fc.constant(`${SITE_ORIGIN}/contact`)),
  accept,
  userAgent: fc.constant(undefined),
  forwardedFor: fc.constant(undefined),
  requestId: fc.constant(undefined),
});

/** Anything a client can put in these headers. */
const wildEnvelope: fc.Arbitrary<Envelope> = fc.record({
  contentType: contentTypeChoice,
  textEncoding: fc.constantFrom<BufferEncoding>('utf8', 'utf8', 'utf8', 'utf8', 'utf8', 'latin1', 'utf16le'),
  contentEncoding,
  chunkSize: fc.oneof(
    { weight: 6, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.oneof(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 16, max: 4096 })) },
  ),
  idempotencyKey,
  origin,
  referer,
  accept,
  userAgent: optional(headerText, 6),
  forwardedFor: optional(fc.oneof(fc.ipV4(), fc.ipV6(), headerText, fc.constant('1.2.3.4, ::1, unknown')), 8),
  requestId: optional(headerText, 8),
});

// Half the requests get past the envelope checks to the validator and the database; a failure
// shrinks towards the tidy envelope, so a counterexample keeps only the headers that matter.
const envelope = fc.oneof({ withCrossShrink: true }, tidyEnvelope, wildEnvelope);

interface FuzzTargets {
  contactFormId: string;
  schemalessFormId: string;
  timeTokens: readonly string[];
}

function submissionRequests(targets: FuzzTargets): fc.Arbitrary<FuzzRequest> {
  const form = fc.oneof(
    { weight: 10, arbitrary: fc.constant({ formId: targets.contactFormId, path: `/v1/f/${targets.contactFormId}` }) },
    { weight: 6, arbitrary: fc.constant({ formId: targets.schemalessFormId, path: `/v1/f/${targets.schemalessFormId}` }) },
    {
      weight: 1,
      arbitrary: fc.stringMatching(/^f_[A-Za-z0-9_-]{1,30}$/).map((id) => ({ formId: id, path: `/v1/f/${id}` })),
    },
    {
      weight: 1,
      arbitrary: fc.uint8Array({ minLength: 1, maxLength: 24 }).map((bytes) => ({
        formId: Buffer.from(bytes).toString('latin1'),
        path: `/v1/f/${[...bytes].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('')}`,
      })),
    },
  );

  return fc
    .record({ form, draft: bodyDrafts(targets.timeTokens), envelope })
    .map(({ form: { formId, path }, draft, envelope: extra }): FuzzRequest => {
      const { contentType, textEncoding, chunkSize } = extra;
      const raw = typeof draft.payload === 'string' ? Buffer.from(draft.payload, textEncoding) : draft.payload;
      // A copy on a plain ArrayBuffer: what fetch's typings take.
      const body = new Uint8Array(encodeBody(raw, extra.contentEncoding));
      const headers: Record<string, string> = {};
      const set = (name: string, value: string | undefined) => {
        if (value !== undefined) headers[name] = value;
      };
      set('content-type', contentTypeFor(contentType, draft));
      set('content-encoding', extra.contentEncoding?.name);
      set('idempotency-key', extra.idempotencyKey);
      set('origin', extra.origin);
      set('referer', extra.referer);
      set('accept', extra.accept);
      set('user-agent', extra.userAgent);
      set('x-forwarded-for', extra.forwardedFor);
      set('x-request-id', extra.requestId);
      const pieceSize = chunkSize === null ? null : Math.max(chunkSize, Math.ceil(body.length / MAX_STREAM_CHUNKS));
      return {
        formId,
        path,
        headers,
        body,
        chunkSize: pieceSize,
        [fc.toStringMethod]() {
          // Whole when small (a shrunk counterexample is), else its start: the seed replays it exactly.
          const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
          const shown = bytes.length <= 2048 ? bytes.toString('base64') : `${bytes.subarray(0, 512).toString('base64')}…`;
          const streamed = pieceSize === null ? '' : `streamed in ${pieceSize}-byte pieces `;
          return `POST ${path} ${JSON.stringify(headers)} ${streamed}body(${body.length} bytes, base64)=${shown}`;
        },
      };
    });
}

// ---------------------------------------------------------------------------------------------
// Sending, and judging the answer.

async function sendRequest(baseUrl: string, request: FuzzRequest): Promise<Response> {
  const { body, chunkSize } = request;
  if (chunkSize === null) {
    return fetch(baseUrl + request.path, {
      method: 'POST',
      headers: request.headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(ANSWER_WITHIN_MS),
    });
  }
  let at = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      // The server shares this process: yield between pieces so it reads them as they come, as
      // it would from a slow client. (Without this the client's write loop starves the server
      // and its keep-alive timer resets a connection that has a request waiting in it.)
      await new Promise((resolve) => setImmediate(resolve));
      if (at >= body.length) {
        controller.close();
        return;
      }
      controller.enqueue(body.subarray(at, at + chunkSize));
      at += chunkSize;
    },
  });
  // `duplex` is required by fetch for a streamed body; the DOM typings predate it.
  const init: RequestInit & { duplex: 'half' } = {
    method: 'POST',
    headers: request.headers,
    body: stream,
    redirect: 'manual',
    duplex: 'half',
    signal: AbortSignal.timeout(ANSWER_WITHIN_MS),
  };
  return fetch(baseUrl + request.path, init);
}

/** fetch hides why a request failed in `cause`; a report needs it. */
function whyFailed(error: unknown): string {
  const parts: string[] = [];
  for (let current = error; current instanceof Error && parts.length < 4; current = current.cause) {
    const code = (current as Error & { code?: unknown }).code;
    parts.push(`${current.name}: ${current.message}${typeof code === 'string' ? ` (${code})` : ''}`);
  }
  return parts.join(' <- ') || String(error);
}

const SNAKE_CASE = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** {"error":{"code":"snake_case","message":"...","fields"?:{name: text}}} and nothing else. */
function assertErrorBody(text: string, contentType: string, context: string): string {
  assert.match(contentType, /^application\/json\b/i, `an error answered as ${contentType || 'no content type'}: ${context}`);
  let body: unknown;
  assert.doesNotThrow(() => {
    body = JSON.parse(text);
  }, `an error body that is not JSON: ${context}`);
  assert.ok(isRecord(body), `an error body that is not an object: ${context}`);
  assert.deepEqual(Object.keys(body), ['error'], `an error body with other members: ${context}`);
  const error = body['error'];
  assert.ok(isRecord(error), `"error" is not an object: ${context}`);
  assert.ok(
    Object.keys(error).every((key) => key === 'code' || key === 'message' || key === 'fields'),
    `"error" has unknown members: ${context}`,
  );
  const { code, message, fields } = error;
  assert.ok(typeof code === 'string' && SNAKE_CASE.test(code), `error.code is not snake_case: ${context}`);
  assert.ok(typeof message === 'string' && message.length > 0, `error.message is not a text: ${context}`);
  if (fields !== undefined) {
    const allText = isRecord(fields) && Object.values(fields).every((value) => typeof value === 'string');
    assert.ok(allText, `error.fields is not {name: text}: ${context}`);
  }
  return code;
}

const MEDIA_RANGE = /^\s*([\w.+*-]+)\/([\w.+*-]+)\s*((?:;\s*[\w-]+\s*=\s*[\w.]*\s*)*)$/;

/**
 * Whether content negotiation can pick HTML over JSON for this Accept header: the best range
 * for text/html beats the best for application/json on quality, then specificity, then order
 * (HTTP's rules, as Express's req.accepts applies them). No header means fetch's "*\/*": JSON.
 * A header we cannot parse with certainty is given the benefit of the doubt.
 */
function acceptMayPreferHtml(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  const ranges: { type: string; subtype: string; q: number }[] = [];
  for (const part of accept.split(',')) {
    if (part.trim() === '') continue;
    const match = MEDIA_RANGE.exec(part);
    if (!match) return true;
    const [, type = '', subtype = '', parameters = ''] = match;
    let q = 1;
    for (const parameter of parameters.split(';').slice(1)) {
      const [name = '', value = ''] = parameter.split('=').map((piece) => piece.trim());
      if (name.toLowerCase() !== 'q') return true;
      q = Number(value);
      if (value === '' || !Number.isFinite(q)) return true;
    }
    ranges.push({ type: type.toLowerCase(), subtype: subtype.toLowerCase(), q });
  }
  const best = (type: string, subtype: string) => {
    let found: { q: number; specificity: number; order: number } | undefined;
    ranges.forEach((range, order) => {
      const typeMatches = range.type === type || range.type === '*';
      const subtypeMatches = range.subtype === subtype || range.subtype === '*';
      if (!typeMatches || !subtypeMatches) return;
      const specificity = (range.type === type ? 2 : 0) + (range.subtype === subtype ? 1 : 0);
      if (!found || specificity > found.specificity) found = { q: range.q, specificity, order };
    });
    return found;
  };
  const html = best('text', 'html');
  const json = best('application', 'json');
  if (!html || html.q <= 0) return false;
  if (!json || json.q <= 0) return true;
  if (html.q !== json.q) return html.q > json.q;
  if (html.specificity !== json.specificity) return html.specificity > json.specificity;
  return html.order < json.order;
}

/**
 * A plain HTML form (url-encoded, or multipart: the two encodings a browser form posts) sent by
 * a browser that prefers a page to JSON may be answered with a page: a 303, or an HTML error.
 */
function mayAnswerWithPage(request: FuzzRequest): boolean {
  const type = request.headers['content-type'] ?? '';
  return /application\/x-www-form-urlencoded|multipart\/form-data/i.test(type) && acceptMayPreferHtml(request.headers['accept']);
}

for (const target of databaseTargets) {
  describe(`fuzzing the submission endpoint on ${target.name}`, () => {
    let opened: OpenedDatabase;
    let app: TestApp;
    let contact: Seeded;
    let schemaless: Seeded;

    before(async () => {
      opened = await target.open();
      contact = await seedAccount(opened.db);
      schemaless = await seedAccount(opened.db, { schema: null });
      app = await startTestApp(opened.db);
    });

    after(async () => {
      await app?.close();
      await opened?.close();
    });

    it('never answers a 5xx to any generated body, header or content type, and every failure is a clear error', async (t) => {
      const key = app.secrets.timeTrapKey;
      const now = Date.now();
      const timeTokens = [
        issueTimeToken(key, contact.formId, now - 60_000), // a person who took a minute
        issueTimeToken(key, schemaless.formId, now - 60_000), // signed for the other form
        issueTimeToken(key, contact.formId, now + 3_600_000), // from the future
        issueTimeToken(key, contact.formId, now), // a bot posting at once
      ];
      const arbitrary = submissionRequests({ contactFormId: contact.formId, schemalessFormId: schemaless.formId, timeTokens });
      const outcomes = new Map<string, number>();

      const property = fc.asyncProperty(arbitrary, async (request) => {
        let response: Response;
        try {
          response = await sendRequest(app.url, request);
        } catch (error) {
          assert.fail(`no answer: ${whyFailed(error)}`);
        }
        const text = await response.text();
        const contentType = response.headers.get('content-type') ?? '';
        const context = `answered ${response.status} ${contentType} ${text.slice(0, 400)}`;
        assert.ok(response.status < 500, context);

        let outcome = String(response.status);
        if (response.status === 201) {
          const body: unknown = JSON.parse(text);
          assert.ok(isRecord(body) && typeof body['id'] === 'string', `a 201 without {"id"}: ${context}`);
          const rows = await opened.db.query<{ form_id: string }>('select form_id from submissions where id::text = $1', [body['id']]);
          assert.equal(rows.length, 1, `the 201 names a submission that is not stored: ${context}`);
          assert.equal(rows[0]?.form_id, request.formId, `the 201 names a submission of another form: ${context}`);
          outcome += request.formId === contact.formId ? ' contact form' : ' schemaless form';
        } else if (response.status === 303) {
          assert.ok(mayAnswerWithPage(request), `a redirect for a client that did not ask for a page: ${context}`);
          assert.ok(response.headers.get('location'), `a 303 without Location: ${context}`);
        } else {
          assert.ok(response.status >= 400, `an unexpected status: ${context}`);
          if (/^text\/html\b/i.test(contentType) && mayAnswerWithPage(request)) {
            assert.match(text, /^<!doctype html>/i, `an HTML error that is not a page: ${context}`);
            outcome += ' page';
          } else {
            outcome += ` ${assertErrorBody(text, contentType, context)}`;
          }
        }
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      });

      // A seed of our own, printed, so that even a run that hangs can be replayed.
      const seed = replaySeed === undefined ? randomInt(2 ** 31) : Number(replaySeed);
      try {
        await fc.assert(property, {
          numRuns: RUNS_PER_TARGET,
          seed,
          ...(replayPath === undefined ? {} : { path: replayPath }),
          includeErrorInReport: true,
        });
      } finally {
        // What the run reached, so a generator that stops getting past the first check shows.
        const summary = [...outcomes].sort((a, b) => b[1] - a[1]).map(([outcome, count]) => `${outcome}: ${count}`);
        t.diagnostic(`seed ${seed} (replay with FUZZ_SEED=${seed}); answers: ${summary.join(', ')}`);
      }
    });

    it('stays up and healthy after the fuzzing, having logged no unhandled error', async () => {
      const health = await fetch(`${app.url}/healthz`);
      await health.arrayBuffer();
      assert.equal(health.status, 200);
      const errors = app.logs.filter((line) => typeof line['level'] === 'number' && line['level'] >= 50);
      assert.deepEqual(errors.slice(0, 3), [], `${errors.length} error log lines`);
    });
  });
}
