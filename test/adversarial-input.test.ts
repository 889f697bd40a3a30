// What a visitor's input must never do to the service: stall the process. Every built-in field
// type has a maximum length checked before any pattern looks at the value, and every built-in
// pattern runs in time linear in what it reads, so the longest value a body can carry is refused
// at once with a 422 naming the field. Outcomes only: a stalled event loop shows up as the wrong
// answer (the old NUMBER pattern answered "Enter a number." after seconds, never "too long").
//
// Every property run reports its seed; replay one with ADVERSARIAL_SEED=<seed>, and run more
// cases with ADVERSARIAL_RUNS=<n> (12 per field by default).

import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { EN_MESSAGES, formatFieldError } from '../widget/i18n.ts';
import { FIELD_TYPES, MAX_ARRAY_ITEMS, MAX_FIELD_NAME_LENGTH, MAX_VALUE_LENGTH, type FormSchema } from '../widget/schema.ts';
import type { FieldErrorCode } from '../widget/validate.ts';
import { databaseTargets, type OpenedDatabase } from './helpers/databases.ts';
import { seedAccount, startTestApp, type Seeded, type TestApp } from './helpers/harness.ts';
import { errorOf, postJson, send } from './helpers/http.ts';

const OPTIONS = ['Sales', 'Support'];

/** One optional field of every built-in type (and a text field with an owner's pattern). */
const EVERY_TYPE: FormSchema = {
  fields: [
    { name: 'text', type: 'text' },
    { name: 'patterned', type: 'text', pattern: '[a-z]+(?:\\.[a-z]+)*@[a-z]+' },
    { name: 'email', type: 'email' },
    { name: 'tel', type: 'tel' },
    { name: 'url', type: 'url' },
    { name: 'number', type: 'number' },
    { name: 'textarea', type: 'textarea' },
    { name: 'select', type: 'select', options: OPTIONS },
    { name: 'radio', type: 'radio', options: OPTIONS },
    { name: 'checkbox', type: 'checkbox' },
    { name: 'checkboxes', type: 'checkboxes', options: OPTIONS },
    { name: 'tags', type: 'checkboxes' },
    { name: 'date', type: 'date' },
    { name: 'hidden', type: 'hidden' },
  ],
};

/** The body limit is 100 KiB: the longest runs stay a little under it once sent as JSON. */
const LONGEST = 95_000;

/**
 * A long run of one unit between a head and a tail that make the value wrong for its type: the
 * shape that makes a backtracking pattern try every split of the run. Lengths cluster at the
 * small end, around the length limit and at the body's limit.
 */
function run(heads: string[], units: string[], tails: string[], shortest = 1): fc.Arbitrary<string> {
  return fc
    .record({
      head: fc.constantFrom(...heads),
      unit: fc.constantFrom(...units),
      tail: fc.constantFrom(...tails),
      length: fc.oneof(
        fc.integer({ min: Math.min(shortest, MAX_VALUE_LENGTH + 1), max: Math.max(shortest, 200) }),
        fc.integer({ min: Math.max(shortest, MAX_VALUE_LENGTH - 20), max: MAX_VALUE_LENGTH + 20 }),
        fc.integer({ min: Math.max(shortest, MAX_VALUE_LENGTH), max: LONGEST }),
      ),
    })
    .map(({ head, unit, tail, length }) => head + unit.repeat(Math.max(1, Math.ceil((length - head.length - tail.length) / unit.length))) + tail);
}

/** A long value as a report can show it: its length and its two ends. */
function shortly(value: string | string[]): string {
  if (Array.isArray(value)) return `[${value.map(shortly).join(', ')}]`;
  return value.length <= 40 ? JSON.stringify(value) : `${value.length} chars ${JSON.stringify(value.slice(0, 16))}…${JSON.stringify(value.slice(-8))}`;
}

/** A generated value that prints shortly in fast-check's report. */
type Sample = { sent: string | string[] };
function sample(value: fc.Arbitrary<string | string[]>): fc.Arbitrary<Sample> {
  // (Within the body limit as sent: a run of '中' takes three bytes a character.)
  return value.filter((sent) => Buffer.byteLength(JSON.stringify(sent)) < 100_000).map((sent) => ({ sent, [fc.toStringMethod]: () => shortly(sent) }));
}

interface Adversary {
  field: string;
  /** The value as sent (checkboxes: a list). */
  value: fc.Arbitrary<string | string[]>;
  /** What the field says of a value within the length limit. */
  format: FieldErrorCode;
}

const DIGITS = ['9', '1.', '12', '0', '1e1'];
const ADVERSARIES: Adversary[] = [
  { field: 'number', value: run(['', '-', '+', '.', '1.', '1e'], DIGITS, ['x', 'e', 'e+', '..', '-', ' 1', '.x']), format: 'number' },
  { field: 'email', value: run(['', 'a@', 'a@b'], ['a.', '.a', 'a@', '@a', '-a', 'a-', 'a'], ['@', '.', '-', '@@', '..']), format: 'email' },
  { field: 'tel', value: run(['', '+', '('], ['1', ' ', '-', '(1)', '1.'], ['x', '+', '#']), format: 'tel' },
  { field: 'url', value: run(['http://', 'https://', ''], ['a.', '%', '1:', 'a-', '@', ':', '[1', '中'], [' x']), format: 'url' },
  { field: 'date', value: run(['', '2024-', '1'], ['1', '2024-01-01', '-', '0'], ['x', '-', '-01']), format: 'date' },
  { field: 'select', value: run(['', 'Sales'], ['a', 'Sales', ' '], ['x', 'Sales!']), format: 'option' },
  { field: 'radio', value: run(['', 'Support'], ['a', 'Support'], ['x', '?']), format: 'option' },
  { field: 'patterned', value: run(['', 'a@', 'a'], ['a.', 'a', '.a', '@a'], ['.', '@', '..', 'A']), format: 'pattern' },
  {
    field: 'checkboxes',
    value: fc.tuple(run(['', 'Sales'], ['a', 'Sales', 'S'], ['x', '!']), fc.subarray(OPTIONS)).map(([long, others]) => [...others, long]),
    format: 'option',
  },
  // Types that take any text within the limit: only values over it are wrong.
  ...['text', 'textarea', 'hidden', 'checkbox'].map((field) => ({
    field,
    value: run(['', ' '], ['a', '9', 'a.', '@', '中'], ['', 'x'], MAX_VALUE_LENGTH + 1),
    format: 'too_long' as const,
  })),
  {
    field: 'tags',
    value: run(['', 'tag'], ['a', '9', ' a'], ['x'], MAX_VALUE_LENGTH + 1).map((long) => ['first', long]),
    format: 'too_long',
  },
];

/** The error a value over the limit gets, whatever its type. */
const TOO_LONG = formatFieldError({ code: 'too_long', limit: MAX_VALUE_LENGTH }, EN_MESSAGES);

/** What the service must say of a value: too long over the limit (the longest item of a list), else out of format. */
function expectedMessage(value: string | string[], format: FieldErrorCode): string {
  const longest = Math.max(...(Array.isArray(value) ? value : [value]).map((item) => item.length));
  return formatFieldError(longest > MAX_VALUE_LENGTH ? { code: 'too_long', limit: MAX_VALUE_LENGTH } : { code: format }, EN_MESSAGES);
}

const seed = process.env['ADVERSARIAL_SEED'] ? Number(process.env['ADVERSARIAL_SEED']) : undefined;

for (const target of databaseTargets) {
  describe(`a visitor's input cannot stall the service, on ${target.name}`, () => {
    let opened: OpenedDatabase;
    let app: TestApp;
    let owner: Seeded;

    before(async () => {
      opened = await target.open();
      app = await startTestApp(opened.db);
      owner = await seedAccount(opened.db, { schema: EVERY_TYPE });
    });
    after(async () => {
      await app?.close();
      await opened?.close();
    });

    it('answers a 146-byte gzip body holding 99,000 digits and an x in a number field with 422 too long, and keeps answering others', async () => {
      const body = gzipSync(JSON.stringify({ number: '9'.repeat(99_000) + 'x' }), { level: 9 });
      assert.ok(body.length < 200, `${body.length} bytes`);
      const post = () =>
        send(`${app.url}/v1/f/${owner.formId}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
          body,
        });
      const [first, second, third, health] = await Promise.all([post(), post(), post(), send(`${app.url}/healthz`)]);
      for (const answer of [first, second, third]) {
        assert.equal(answer?.status, 422, answer?.text);
        assert.deepEqual(answer?.body, { error: { code: 'validation_failed', message: 'Some fields need attention.', fields: { number: TOO_LONG } } });
      }
      assert.equal(health?.status, 200);
      // The same attack on a form without a schema is refused by the global limit.
      const schemaless = await seedAccount(opened.db, { schema: null });
      const loose = await send(`${app.url}/v1/f/${schemaless.formId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body,
      });
      assert.equal(loose.status, 422);
      assert.deepEqual(errorOf(loose).fields, { number: TOO_LONG });
    });

    it('has an adversary for every field of the form, and the form a field of every built-in type', () => {
      assert.deepEqual(ADVERSARIES.map((adversary) => adversary.field).sort(), EVERY_TYPE.fields.map((field) => field.name).sort());
      assert.deepEqual([...new Set(EVERY_TYPE.fields.map((field) => field.type))].sort(), [...FIELD_TYPES].sort());
    });

    for (const { field, value, format } of ADVERSARIES) {
      it(`refuses long adversarial values of the ${field} field with 422 naming it (too long, or ${format})`, async () => {
        await fc.assert(
          fc.asyncProperty(sample(value), async ({ sent }) => {
            const answer = await postJson(app.url, owner.formId, { [field]: sent });
            const expected = { error: { code: 'validation_failed', message: 'Some fields need attention.', fields: { [field]: expectedMessage(sent, format) } } };
            assert.deepEqual({ status: answer.status, body: answer.body }, { status: 422, body: expected }, `${shortly(sent)}: ${answer.status} ${answer.text.slice(0, 300)}`);
          }),
          { numRuns: Number(process.env['ADVERSARIAL_RUNS'] ?? 12), includeErrorInReport: true, ...(seed === undefined ? {} : { seed }) },
        );
      });
    }

    it('refuses a field name or a list over its limit with 400 invalid_body, in JSON and in a form post', async () => {
      const names = 'Field names must be 1 to 100 characters of valid text.';
      for (const name of ['n'.repeat(MAX_FIELD_NAME_LENGTH + 1), '9'.repeat(LONGEST)]) {
        const answer = await postJson(app.url, owner.formId, { [name]: 'x' });
        assert.equal(answer.status, 400);
        assert.deepEqual(answer.body, { error: { code: 'invalid_body', message: names } });
      }
      const list = `A list may hold at most ${MAX_ARRAY_ITEMS} items.`;
      const json = await postJson(app.url, owner.formId, { tags: Array.from({ length: MAX_ARRAY_ITEMS + 1 }, () => 'a') });
      assert.equal(json.status, 400);
      assert.deepEqual(json.body, { error: { code: 'invalid_body', message: list } });
      // A form post repeats a name for each ticked box: 12,000 of them are one list, refused.
      const form = await send(`${app.url}/v1/f/${owner.formId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: Array.from({ length: 12_000 }, () => 'tags=a').join('&'),
      });
      assert.equal(form.status, 400);
      assert.equal(errorOf(form).code, 'invalid_body');
      assert.equal(errorOf(form).message, list);
    });

    it('still stores a form whose every field holds a value at the length limit', async () => {
      const longest = 'a'.repeat(MAX_VALUE_LENGTH);
      const answer = await postJson(app.url, owner.formId, { text: longest, textarea: longest, hidden: longest, tags: [longest], checkbox: longest, number: '1'.repeat(300) });
      assert.equal(answer.status, 201, answer.text);
      const [row] = await opened.db.query<{ data: Record<string, unknown> }>('select data from submissions where id = $1', [(answer.body as { id: string }).id]);
      assert.equal(row?.data['text'], longest);
      assert.equal(row?.data['number'], Number('1'.repeat(300)));
    });
  });
}
