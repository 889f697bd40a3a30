// What visitors and form owners notice of the form language: which values a form accepts, what is
// stored (cleaned) and which error each refusal carries (widget/validate.ts), how errors read
// (widget/messages.ts), and what an owner may save as a form, its settings and a site
// (ingest/services/form-definition.ts). Pure functions: no database, no server.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { z } from 'zod';
import { createSiteInput, formSchemaSchema, formSettingsSchema } from '../ingest/services/form-definition.ts';
import { matchPatternSafely } from '../ingest/services/safe-pattern.ts';
import { EN_MESSAGES, formatFieldError } from '../widget/i18n.ts';
import {
  FIELD_TYPES,
  MAX_ARRAY_ITEMS,
  MAX_VALUE_LENGTH,
  type FieldDefinition,
  type FormSchema,
  type RawValue,
  type SubmissionData,
} from '../widget/schema.ts';
import { hasBadCharacters, validateSubmission, type CleanData, type FieldError } from '../widget/validate.ts';

const form = (...fields: FieldDefinition[]): FormSchema => ({ fields });

/** The cleaned data of a submission that must be accepted. */
function accepted(schema: FormSchema | null, input: SubmissionData): CleanData {
  const result = validateSubmission(schema, input);
  if (!result.ok) assert.fail(`expected the submission to be accepted, got ${JSON.stringify(result.errors)}`);
  return result.data;
}

/** The errors of a submission that must be refused. */
function refused(schema: FormSchema | null, input: SubmissionData): Record<string, FieldError> {
  const result = validateSubmission(schema, input);
  if (result.ok) assert.fail(`expected the submission to be refused, got ${JSON.stringify(result.data)}`);
  return result.errors;
}

/** The one error of a one-field form given one value. */
function errorFor(field: FieldDefinition, value: RawValue): FieldError | undefined {
  return refused(form(field), { [field.name]: value })[field.name];
}

/** The stored value of a one-field form given one value (or none). */
function storedFor(field: FieldDefinition, value?: RawValue): CleanData[string] | undefined {
  return accepted(form(field), value === undefined ? {} : { [field.name]: value })[field.name];
}

/** "path: message" for each issue zod reports, so a failing assertion shows what was said. */
function issuesOf(schema: z.ZodType, input: unknown): string[] {
  const result = schema.safeParse(input);
  if (result.success) return [];
  return result.error.issues.map((issue) => `${issue.path.map(String).join('.')}: ${issue.message}`);
}

function assertRefusedAt(schema: z.ZodType, input: unknown, path: string, message?: RegExp): void {
  const issues = issuesOf(schema, input);
  const atPath = issues.filter((issue) => issue.startsWith(`${path}: `));
  assert.ok(atPath.length > 0, `expected an issue at "${path}", got ${JSON.stringify(issues)}`);
  if (message) assert.ok(atPath.some((issue) => message.test(issue)), `expected ${message} at "${path}", got ${JSON.stringify(atPath)}`);
}

const LONE_HIGH_SURROGATE = '\ud800';
const LONE_LOW_SURROGATE = '\udc00';

describe('submitting to a form with a schema', () => {
  describe('single-line text (text, email, tel, url, hidden)', () => {
    it('a text field stores the value without surrounding whitespace', () => {
      assert.equal(storedFor({ name: 'name', type: 'text' }, '  Ada Lovelace \n'), 'Ada Lovelace');
    });

    it('a hidden field stores what the page sent, trimmed', () => {
      assert.equal(storedFor({ name: 'plan', type: 'hidden', value: 'pro' }, ' pro '), 'pro');
    });

    it('a text field stores a number or boolean sent by a JSON client as text', () => {
      assert.equal(storedFor({ name: 'zip', type: 'text' }, 12345), '12345');
      assert.equal(storedFor({ name: 'flag', type: 'text' }, true), 'true');
    });

    it('a required text field refuses a missing, null, empty or whitespace-only value', () => {
      const field: FieldDefinition = { name: 'name', type: 'text', required: true };
      assert.deepEqual(refused(form(field), {}), { name: { code: 'required' } });
      for (const value of [null, '', '   \t\n']) assert.deepEqual(errorFor(field, value), { code: 'required' }, JSON.stringify(value));
    });

    it('an optional text field left empty is accepted and stored as an empty string', () => {
      assert.equal(storedFor({ name: 'company', type: 'text' }), '');
      assert.equal(storedFor({ name: 'company', type: 'text' }, null), '');
    });

    it('minLength and maxLength are inclusive and report their limit', () => {
      const field: FieldDefinition = { name: 'code', type: 'text', minLength: 3, maxLength: 5 };
      assert.equal(storedFor(field, 'abc'), 'abc');
      assert.equal(storedFor(field, 'abcde'), 'abcde');
      assert.deepEqual(errorFor(field, 'ab'), { code: 'too_short', limit: 3 });
      assert.deepEqual(errorFor(field, 'abcdef'), { code: 'too_long', limit: 5 });
    });

    it('lengths are counted after trimming, so padding cannot satisfy minLength', () => {
      assert.deepEqual(errorFor({ name: 'code', type: 'text', minLength: 3 }, '  ab  '), { code: 'too_short', limit: 3 });
      assert.equal(storedFor({ name: 'code', type: 'text', maxLength: 3 }, '  abc  '), 'abc');
    });

    it('minLength does not make an optional empty field fail (as in HTML)', () => {
      assert.equal(storedFor({ name: 'code', type: 'text', minLength: 3 }, ''), '');
    });

    it('a text field without maxLength still refuses values over the global limit', () => {
      const field: FieldDefinition = { name: 'bio', type: 'text' };
      assert.equal(storedFor(field, 'a'.repeat(MAX_VALUE_LENGTH)), 'a'.repeat(MAX_VALUE_LENGTH));
      assert.deepEqual(errorFor(field, 'a'.repeat(MAX_VALUE_LENGTH + 1)), { code: 'too_long', limit: MAX_VALUE_LENGTH });
    });

    it('an email field accepts an address, trimmed, and refuses what is not one', () => {
      const field: FieldDefinition = { name: 'email', type: 'email' };
      assert.equal(storedFor(field, ' ada@example.com '), 'ada@example.com');
      assert.equal(storedFor(field, "o'neil+forms@mail.example.co.uk"), "o'neil+forms@mail.example.co.uk");
      for (const value of ['ada', 'ada@', '@example.com', 'ada@example', 'ada @example.com', 'ada@exa mple.com']) {
        assert.deepEqual(errorFor(field, value), { code: 'email' }, value);
      }
    });

    it('an email field refuses addresses longer than 254 characters', () => {
      const address = (labels: number) => `${'a'.repeat(60)}@${Array.from({ length: labels }, () => 'b'.repeat(60)).join('.')}.com`;
      assert.equal(address(3).length, 247);
      assert.equal(storedFor({ name: 'email', type: 'email' }, address(3)), address(3));
      assert.equal(address(4).length, 308);
      assert.deepEqual(errorFor({ name: 'email', type: 'email' }, address(4)), { code: 'email' });
    });

    it('a tel field accepts international and local notations with 6 to 15 digits', () => {
      const field: FieldDefinition = { name: 'phone', type: 'tel' };
      for (const value of ['+14155550100', '+1 (415) 555-0100', '020 7946 0958', '123456', '+123456789012345']) {
        assert.equal(storedFor(field, value), value);
      }
      for (const value of ['call me', '12345', '+1234567890123456', '+1 415 555 0100 ext. 12']) {
        assert.deepEqual(errorFor(field, value), { code: 'tel' }, value);
      }
    });

    it('a url field accepts only http and https addresses', () => {
      const field: FieldDefinition = { name: 'site', type: 'url' };
      assert.equal(storedFor(field, ' https://example.com/about?x=1 '), 'https://example.com/about?x=1');
      assert.equal(storedFor(field, 'http://localhost:8080'), 'http://localhost:8080');
      for (const value of ['example.com', 'javascript:alert(1)', 'ftp://example.com/file', 'mailto:ada@example.com', 'https://']) {
        assert.deepEqual(errorFor(field, value), { code: 'url' }, value);
      }
    });
  });

  describe('pattern', () => {
    it('the pattern must match the whole value, as in HTML', () => {
      const field: FieldDefinition = { name: 'zip', type: 'text', pattern: '[0-9]{5}' };
      assert.equal(storedFor(field, '12345'), '12345');
      assert.deepEqual(errorFor(field, '123456'), { code: 'pattern' });
      assert.deepEqual(errorFor(field, 'x12345'), { code: 'pattern' });
    });

    it('an alternation in a pattern is anchored as a whole', () => {
      const field: FieldDefinition = { name: 'size', type: 'text', pattern: 'S|M|L' };
      assert.equal(storedFor(field, 'M'), 'M');
      assert.deepEqual(errorFor(field, 'SM'), { code: 'pattern' });
      assert.deepEqual(errorFor(field, 'XL'), { code: 'pattern' });
    });

    it('patterns understand Unicode property escapes (HTML compiles them in Unicode mode)', () => {
      const field: FieldDefinition = { name: 'initial', type: 'text', pattern: '\\p{Lu}' };
      assert.equal(storedFor(field, 'É'), 'É');
      assert.deepEqual(errorFor(field, 'é'), { code: 'pattern' });
    });

    it('the pattern is checked on the trimmed value and not on an optional empty one', () => {
      const field: FieldDefinition = { name: 'zip', type: 'text', pattern: '[0-9]{5}' };
      assert.equal(storedFor(field, ' 12345 '), '12345');
      assert.equal(storedFor(field, ''), '');
    });

    it('a pattern also applies to email fields, after the email check', () => {
      const field: FieldDefinition = { name: 'email', type: 'email', pattern: '.+@example\\.com' };
      assert.equal(storedFor(field, 'ada@example.com'), 'ada@example.com');
      assert.deepEqual(errorFor(field, 'ada@other.com'), { code: 'pattern' });
      assert.deepEqual(errorFor(field, 'not-an-email'), { code: 'email' });
    });
  });

  describe('textarea', () => {
    it('a textarea keeps the visitor\'s own whitespace and line breaks', () => {
      const message = '  Hello,\n\n  indented line\n';
      assert.equal(storedFor({ name: 'message', type: 'textarea' }, message), message);
    });

    it('a required textarea refuses a whitespace-only message', () => {
      assert.deepEqual(errorFor({ name: 'message', type: 'textarea', required: true }, ' \n\t '), { code: 'required' });
    });

    it('textarea minLength and maxLength report their limit', () => {
      const field: FieldDefinition = { name: 'message', type: 'textarea', minLength: 10, maxLength: 20 };
      assert.deepEqual(errorFor(field, 'Too short'), { code: 'too_short', limit: 10 });
      assert.deepEqual(errorFor(field, 'This message is far too long'), { code: 'too_long', limit: 20 });
      assert.equal(storedFor(field, 'Long enough!'), 'Long enough!');
    });
  });

  describe('number', () => {
    it('a number field stores numbers, not strings', () => {
      const field: FieldDefinition = { name: 'guests', type: 'number' };
      assert.equal(storedFor(field, '42'), 42);
      assert.equal(storedFor(field, ' 3.5 '), 3.5);
      assert.equal(storedFor(field, '-7'), -7);
      assert.equal(storedFor(field, '1e3'), 1000);
      assert.equal(storedFor(field, 7), 7);
    });

    it('a number field refuses text that is not a plain decimal number', () => {
      const field: FieldDefinition = { name: 'guests', type: 'number' };
      for (const value of ['abc', '12abc', '1,5', '0x10', 'Infinity', 'NaN', '1e400', '--1', true]) {
        assert.deepEqual(errorFor(field, value), { code: 'number' }, JSON.stringify(value));
      }
    });

    it('min and max are inclusive and report their limit', () => {
      const field: FieldDefinition = { name: 'guests', type: 'number', min: 1, max: 10 };
      assert.equal(storedFor(field, '1'), 1);
      assert.equal(storedFor(field, '10'), 10);
      assert.deepEqual(errorFor(field, '0'), { code: 'too_small', limit: 1 });
      assert.deepEqual(errorFor(field, '10.5'), { code: 'too_large', limit: 10 });
    });

    it('a minimum of 0 is enforced (zero is a real bound)', () => {
      const field: FieldDefinition = { name: 'amount', type: 'number', min: 0 };
      assert.equal(storedFor(field, '0'), 0);
      assert.deepEqual(errorFor(field, '-0.01'), { code: 'too_small', limit: 0 });
    });

    it('an optional empty number is stored as null, a required one is refused', () => {
      assert.equal(storedFor({ name: 'guests', type: 'number' }, ''), null);
      assert.equal(storedFor({ name: 'guests', type: 'number' }), null);
      assert.deepEqual(errorFor({ name: 'guests', type: 'number', required: true }, '  '), { code: 'required' });
      assert.deepEqual(refused(form({ name: 'guests', type: 'number', required: true }), {}), { guests: { code: 'required' } });
    });
  });

  describe('date', () => {
    it('a date field accepts real days as YYYY-MM-DD', () => {
      const field: FieldDefinition = { name: 'day', type: 'date' };
      assert.equal(storedFor(field, '2024-02-29'), '2024-02-29');
      assert.equal(storedFor(field, ' 2025-12-31 '), '2025-12-31');
    });

    it('a date field refuses days that do not exist and other notations', () => {
      const field: FieldDefinition = { name: 'day', type: 'date' };
      for (const value of ['2023-02-29', '2024-13-01', '2024-04-31', '2024-00-10', '29/02/2024', '2024-2-3', '20240203', 'tomorrow']) {
        assert.deepEqual(errorFor(field, value), { code: 'date' }, value);
      }
    });

    it('date min and max are inclusive and report the day', () => {
      const field: FieldDefinition = { name: 'day', type: 'date', min: '2025-01-01', max: '2025-12-31' };
      assert.equal(storedFor(field, '2025-01-01'), '2025-01-01');
      assert.equal(storedFor(field, '2025-12-31'), '2025-12-31');
      assert.deepEqual(errorFor(field, '2024-12-31'), { code: 'too_small', limit: '2025-01-01' });
      assert.deepEqual(errorFor(field, '2026-01-01'), { code: 'too_large', limit: '2025-12-31' });
    });
  });

  describe('select and radio', () => {
    for (const type of ['select', 'radio'] as const) {
      it(`a ${type} field accepts only one of its options, exactly as written`, () => {
        const field: FieldDefinition = { name: 'topic', type, options: ['Sales', 'Support'] };
        assert.equal(storedFor(field, 'Support'), 'Support');
        assert.equal(storedFor(field, ' Sales '), 'Sales');
        assert.deepEqual(errorFor(field, 'Billing'), { code: 'option' });
        assert.deepEqual(errorFor(field, 'sales'), { code: 'option' });
      });

      it(`a required ${type} field refuses no choice, an optional one stores an empty string`, () => {
        const options = ['Sales', 'Support'];
        assert.deepEqual(errorFor({ name: 'topic', type, options, required: true }, ''), { code: 'required' });
        assert.equal(storedFor({ name: 'topic', type, options }), '');
      });
    }

    it('an option that looks like a number matches a number sent by a JSON client', () => {
      assert.equal(storedFor({ name: 'rating', type: 'radio', options: ['1', '2', '3'] }, 2), '2');
    });
  });

  describe('checkbox', () => {
    it('a ticked checkbox is stored as true, whichever way it was sent', () => {
      const field: FieldDefinition = { name: 'consent', type: 'checkbox' };
      for (const value of [true, 'true', 'on', 'ON', 'yes', 'Yes', '1', 1, ' on ']) {
        assert.equal(storedFor(field, value), true, JSON.stringify(value));
      }
    });

    it('an unticked checkbox is stored as false, including when the browser sent nothing', () => {
      const field: FieldDefinition = { name: 'newsletter', type: 'checkbox' };
      assert.equal(storedFor(field), false);
      for (const value of [false, null, '', 'off', 'false', 'no', '0', 0]) {
        assert.equal(storedFor(field, value), false, JSON.stringify(value));
      }
    });

    it('a required checkbox must be ticked', () => {
      const field: FieldDefinition = { name: 'consent', type: 'checkbox', required: true };
      assert.deepEqual(refused(form(field), {}), { consent: { code: 'required' } });
      assert.deepEqual(errorFor(field, 'off'), { code: 'required' });
      assert.deepEqual(errorFor(field, false), { code: 'required' });
      assert.equal(storedFor(field, 'on'), true);
    });

    it('a checkbox sent with a value of its own (value="subscribed") counts as ticked, as in HTML', () => {
      const field: FieldDefinition = { name: 'newsletter', type: 'checkbox', required: true };
      assert.equal(storedFor(field, 'subscribed'), true);
      assert.equal(storedFor(field, '2'), true);
    });

    it('a checkbox refuses lists and objects', () => {
      const field: FieldDefinition = { name: 'consent', type: 'checkbox' };
      for (const value of [['on'], { checked: true }]) {
        assert.deepEqual(errorFor(field, value), { code: 'type' }, JSON.stringify(value));
      }
    });
  });

  describe('checkboxes', () => {
    const topics: FieldDefinition = { name: 'topics', type: 'checkboxes', options: ['Sales', 'Support', 'Press'] };

    it('checkboxes are stored as a list without duplicates, in the order sent', () => {
      assert.deepEqual(storedFor(topics, ['Support', 'Sales', 'Support']), ['Support', 'Sales']);
    });

    it('a single ticked box (one value, not a list) is stored as a list of one', () => {
      assert.deepEqual(storedFor(topics, 'Press'), ['Press']);
    });

    it('no ticked box is stored as an empty list', () => {
      assert.deepEqual(storedFor(topics), []);
      assert.deepEqual(storedFor(topics, ''), []);
      assert.deepEqual(storedFor(topics, []), []);
    });

    it('checkboxes refuse a value that is not one of the options', () => {
      assert.deepEqual(errorFor(topics, ['Sales', 'Billing']), { code: 'option' });
    });

    it('required checkboxes need at least one ticked box', () => {
      const field: FieldDefinition = { ...topics, required: true };
      assert.deepEqual(errorFor(field, []), { code: 'required' });
      assert.deepEqual(refused(form(field), {}), { topics: { code: 'required' } });
    });

    it('checkboxes refuse items that are not text', () => {
      for (const value of [[true], [{ a: 'Sales' }], [['Sales']], { Sales: true }]) {
        assert.deepEqual(errorFor(topics, value), { code: 'type' }, JSON.stringify(value));
      }
    });

    it(`checkboxes refuse more than ${MAX_ARRAY_ITEMS} items`, () => {
      const field: FieldDefinition = { name: 'tags', type: 'checkboxes' };
      const items = Array.from({ length: MAX_ARRAY_ITEMS + 1 }, (_, index) => `tag${index}`);
      assert.deepEqual(errorFor(field, items), { code: 'too_long', limit: MAX_ARRAY_ITEMS });
      assert.equal((storedFor(field, items.slice(0, MAX_ARRAY_ITEMS)) as string[]).length, MAX_ARRAY_ITEMS);
    });
  });

  describe('characters that cannot be stored', () => {
    it('a NUL character is refused in every kind of text field', () => {
      for (const type of ['text', 'email', 'tel', 'url', 'textarea', 'hidden', 'date'] as const) {
        assert.deepEqual(errorFor({ name: 'x', type }, 'a\u0000b'), { code: 'characters' }, type);
      }
      assert.deepEqual(errorFor({ name: 'x', type: 'select', options: ['a\u0000'] }, 'a\u0000'), { code: 'characters' });
    });

    it('a lone surrogate (not text at all) is refused', () => {
      assert.deepEqual(errorFor({ name: 'message', type: 'textarea' }, `hi ${LONE_HIGH_SURROGATE}`), { code: 'characters' });
      assert.deepEqual(errorFor({ name: 'name', type: 'text' }, `${LONE_LOW_SURROGATE}x`), { code: 'characters' });
      assert.deepEqual(errorFor({ name: 'tags', type: 'checkboxes' }, [`a${LONE_HIGH_SURROGATE}`]), { code: 'characters' });
    });

    it('emoji and other characters outside the basic plane are accepted', () => {
      assert.equal(storedFor({ name: 'message', type: 'textarea' }, 'Merci 🎉 𝔘𝔫𝔦𝔠𝔬𝔡𝔢'), 'Merci 🎉 𝔘𝔫𝔦𝔠𝔬𝔡𝔢');
    });
  });

  describe('values of the wrong shape', () => {
    it('objects and lists where one value is expected are refused with "type", never thrown', () => {
      const scalars: FieldDefinition[] = [
        { name: 'x', type: 'text' },
        { name: 'x', type: 'email' },
        { name: 'x', type: 'tel' },
        { name: 'x', type: 'url' },
        { name: 'x', type: 'number' },
        { name: 'x', type: 'textarea' },
        { name: 'x', type: 'select', options: ['a'] },
        { name: 'x', type: 'radio', options: ['a'] },
        { name: 'x', type: 'checkbox' },
        { name: 'x', type: 'date' },
        { name: 'x', type: 'hidden' },
      ];
      for (const field of scalars) {
        for (const value of [['a'], { a: 'b' }, [], {}] as RawValue[]) {
          assert.deepEqual(errorFor(field, value), { code: 'type' }, `${field.type} given ${JSON.stringify(value)}`);
        }
      }
    });

    it('no value of any shape makes the validator throw, for any field type', () => {
      const unit = fc.oneof(fc.string({ unit: 'binary' }), fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)));
      const raw: fc.Arbitrary<RawValue> = fc.oneof(
        fc.jsonValue() as fc.Arbitrary<RawValue>,
        fc.string({ unit, maxLength: 50 }),
        fc.constantFrom<RawValue>('on', 'off', '', ' ', '1e400', '2024-02-30', 'Sales', '\u0000'),
      );
      const field: fc.Arbitrary<FieldDefinition> = fc.record(
        {
          name: fc.constant('x'),
          type: fc.constantFrom(...FIELD_TYPES),
          required: fc.boolean(),
          minLength: fc.nat(20),
          maxLength: fc.integer({ min: 1, max: 40 }),
          pattern: fc.constantFrom('[a-z]+', '\\d{1,3}', 'S|M|L'),
          min: fc.oneof(fc.integer(), fc.constant('2024-01-01')),
          max: fc.oneof(fc.integer(), fc.constant('2025-01-01')),
          options: fc.array(fc.string({ maxLength: 5 }), { minLength: 1, maxLength: 4 }),
        },
        { requiredKeys: ['name', 'type'] },
      );
      fc.assert(
        fc.property(field, raw, (definition, value) => {
          const result = validateSubmission(form(definition), { x: value });
          if (result.ok) assert.ok('x' in result.data);
          else assert.equal(typeof result.errors['x']?.code, 'string');
        }),
        { numRuns: 2000 },
      );
    });
  });

  describe('the submission as a whole', () => {
    const contact = form(
      { name: 'name', type: 'text', required: true, maxLength: 100 },
      { name: 'email', type: 'email', required: true },
      { name: 'guests', type: 'number', min: 1 },
      { name: 'consent', type: 'checkbox', required: true },
    );

    it('fields that are not in the schema are dropped from what is stored', () => {
      const data = accepted(contact, { name: 'Ada', email: 'ada@example.com', consent: 'on', isAdmin: 'true', guests: '2' });
      assert.deepEqual(data, { name: 'Ada', email: 'ada@example.com', guests: 2, consent: true });
    });

    it('every invalid field gets its own error, and valid fields get none', () => {
      const errors = refused(contact, { name: 'Ada', email: 'ada@', guests: '0' });
      assert.deepEqual(errors, {
        email: { code: 'email' },
        guests: { code: 'too_small', limit: 1 },
        consent: { code: 'required' },
      });
    });

    it('a body without a prototype (as the service parses it) is validated like any other', () => {
      const input: SubmissionData = Object.create(null) as SubmissionData;
      input['name'] = 'Ada';
      input['email'] = 'ada@example.com';
      input['consent'] = 'yes';
      assert.deepEqual(accepted(contact, input), { name: 'Ada', email: 'ada@example.com', guests: null, consent: true });
    });

    it('a field named like an Object.prototype member is not read from the prototype', () => {
      const schema = form({ name: 'constructor', type: 'text', required: true });
      assert.deepEqual(refused(schema, {}), { constructor: { code: 'required' } });
    });
  });
});

describe('values too long to read', () => {
  // The length limit comes before any pattern: a pattern that backtracks on a long run (the old
  // NUMBER did, on 99,000 digits and an x) never sees more than MAX_VALUE_LENGTH characters, and
  // every built-in pattern reads what it is given in one pass.
  const OPTIONS = ['Sales', 'Support'];
  const fieldOf = (type: FieldDefinition['type']): FieldDefinition =>
    type === 'select' || type === 'radio' || type === 'checkboxes' ? { name: 'f', type, options: OPTIONS } : { name: 'f', type };
  /** What a format check says of a value out of format, by type (null: any text within the limit is accepted). */
  const FORMAT_CODE: Record<FieldDefinition['type'], FieldError['code'] | null> = {
    text: null,
    textarea: null,
    hidden: null,
    checkbox: null,
    email: 'email',
    tel: 'tel',
    url: 'url',
    number: 'number',
    date: 'date',
    select: 'option',
    radio: 'option',
    checkboxes: 'option',
  };

  it(`every built-in type refuses 99,000 digits and an x as too long (over ${MAX_VALUE_LENGTH} characters)`, () => {
    const attack = '9'.repeat(99_000) + 'x';
    for (const type of FIELD_TYPES) {
      assert.deepEqual(errorFor(fieldOf(type), type === 'checkboxes' ? ['Sales', attack] : attack), { code: 'too_long', limit: MAX_VALUE_LENGTH }, type);
    }
  });

  it('a number of 9,999 digits and an x is not a number; 300 digits are one', () => {
    assert.deepEqual(errorFor({ name: 'n', type: 'number' }, '9'.repeat(9_999) + 'x'), { code: 'number' });
    assert.deepEqual(errorFor({ name: 'n', type: 'number' }, '1.' + '5'.repeat(9_000) + 'e'), { code: 'number' });
    assert.equal(storedFor({ name: 'n', type: 'number' }, '1'.repeat(300)), Number('1'.repeat(300)));
    assert.equal(storedFor({ name: 'n', type: 'number' }, '1.' + '5'.repeat(9_000)), 1.5555555555555556);
  });

  it('the global limit holds whatever maxLength the owner saved, and counts the value as sent', () => {
    const field: FieldDefinition = { name: 'bio', type: 'text', maxLength: 50_000 };
    assert.equal(storedFor(field, 'a'.repeat(MAX_VALUE_LENGTH)), 'a'.repeat(MAX_VALUE_LENGTH));
    assert.deepEqual(errorFor(field, 'a'.repeat(MAX_VALUE_LENGTH + 1)), { code: 'too_long', limit: MAX_VALUE_LENGTH });
    // Padding is no way past it either.
    assert.deepEqual(errorFor({ name: 'n', type: 'number' }, ' '.repeat(MAX_VALUE_LENGTH) + '1'), { code: 'too_long', limit: MAX_VALUE_LENGTH });
  });

  it('each item of checkboxes is held to the limit', () => {
    const tags: FieldDefinition = { name: 'tags', type: 'checkboxes' };
    assert.deepEqual(errorFor(tags, ['a', 'b'.repeat(MAX_VALUE_LENGTH + 1)]), { code: 'too_long', limit: MAX_VALUE_LENGTH });
    assert.deepEqual(storedFor(tags, ['a', 'b'.repeat(MAX_VALUE_LENGTH)]), ['a', 'b'.repeat(MAX_VALUE_LENGTH)]);
  });

  it('long runs of what each type is made of, with a wrong end, are too long or out of format, never anything else', () => {
    const runs = fc.record({
      type: fc.constantFrom(...FIELD_TYPES),
      head: fc.constantFrom('', '+', '-', '.', '1.', 'a@', 'http://', '2024-', '(', 'Sales'),
      unit: fc.constantFrom('9', '1.', '1e1', 'a.', '.a', '@a', 'a-', '%', '1:', ' 1', '2024-01-01', '中'),
      tail: fc.constantFrom('x', '@', '.', '-', 'e+', ' x', '..', '#'),
      count: fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 4_990, max: 5_010 }), fc.integer({ min: 9_990, max: 50_000 })),
    });
    fc.assert(
      fc.property(runs, ({ type, head, unit, tail, count }) => {
        // (After "http://" only a space keeps every run out of a valid address: "http://9x" is one.)
        const text = head + unit.repeat(count) + (type === 'url' ? ' x' : tail);
        const result = validateSubmission(form(fieldOf(type)), { f: type === 'checkboxes' ? [text] : text });
        if (text.length > MAX_VALUE_LENGTH) {
          assert.deepEqual(result.ok ? null : result.errors, { f: { code: 'too_long', limit: MAX_VALUE_LENGTH } });
        } else if (FORMAT_CODE[type] !== null) {
          assert.deepEqual(result.ok ? null : result.errors, { f: { code: FORMAT_CODE[type] } }, `${type} ${JSON.stringify(text.slice(0, 30))}`);
        } else {
          assert.ok(result.ok, type);
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe('submitting to a form without a schema', () => {
  it('every field is kept as sent, including lists and nested objects', () => {
    const input: SubmissionData = {
      name: '  Ada  ',
      age: 36,
      subscribed: false,
      nothing: null,
      tags: ['a', 'b', 'a'],
      address: { city: 'London', lines: ['12 St James Sq'] },
    };
    assert.deepEqual(accepted(null, input), input);
  });

  it('an empty submission is accepted', () => {
    assert.deepEqual(accepted(null, {}), {});
  });

  it('a "__proto__" field never reaches the prototype of the stored data', () => {
    const input = JSON.parse('{"__proto__": {"polluted": 1}, "ok": "yes"}') as SubmissionData;
    const result = validateSubmission(null, input);
    assert.equal(result.ok, false);
    assert.deepEqual(result.ok ? null : result.errors, JSON.parse('{"__proto__": {"code": "characters"}}'));
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });

  it(`a string up to ${MAX_VALUE_LENGTH} characters is accepted, a longer one fails "too_long"`, () => {
    assert.equal(accepted(null, { message: 'a'.repeat(MAX_VALUE_LENGTH) })['message'], 'a'.repeat(MAX_VALUE_LENGTH));
    assert.deepEqual(refused(null, { message: 'a'.repeat(MAX_VALUE_LENGTH + 1) }), {
      message: { code: 'too_long', limit: MAX_VALUE_LENGTH },
    });
  });

  it('the length limit applies inside lists and objects too', () => {
    const long = 'a'.repeat(MAX_VALUE_LENGTH + 1);
    assert.deepEqual(refused(null, { tags: ['ok', long] }), { tags: { code: 'too_long', limit: MAX_VALUE_LENGTH } });
    assert.deepEqual(refused(null, { address: { city: long } }), { address: { code: 'too_long', limit: MAX_VALUE_LENGTH } });
  });

  it('NUL characters and lone surrogates fail "characters", wherever they are', () => {
    assert.deepEqual(refused(null, { name: 'Ada\u0000' }), { name: { code: 'characters' } });
    assert.deepEqual(refused(null, { name: `Ada${LONE_HIGH_SURROGATE}` }), { name: { code: 'characters' } });
    assert.deepEqual(refused(null, { name: `${LONE_LOW_SURROGATE}Ada` }), { name: { code: 'characters' } });
    assert.deepEqual(refused(null, { tags: ['ok', '\u0000'] }), { tags: { code: 'characters' } });
    assert.deepEqual(refused(null, { address: { city: { name: LONE_LOW_SURROGATE } } }), { address: { code: 'characters' } });
  });

  it(`lists and objects over ${MAX_ARRAY_ITEMS} items fail "too_long"`, () => {
    const list = Array.from({ length: MAX_ARRAY_ITEMS + 1 }, (_, index) => index);
    assert.deepEqual(refused(null, { list }), { list: { code: 'too_long', limit: MAX_ARRAY_ITEMS } });
    const object = Object.fromEntries(list.map((index) => [`k${index}`, index]));
    assert.deepEqual(refused(null, { object }), { object: { code: 'too_long', limit: MAX_ARRAY_ITEMS } });
    assert.equal((accepted(null, { list: list.slice(1) })['list'] as number[]).length, MAX_ARRAY_ITEMS);
  });

  it('numbers that JSON cannot carry (Infinity, NaN) fail "number"', () => {
    assert.deepEqual(refused(null, { n: Number.POSITIVE_INFINITY, m: Number.NaN }), { n: { code: 'number' }, m: { code: 'number' } });
  });

  it('only the bad fields are reported', () => {
    assert.deepEqual(refused(null, { good: 'fine', bad: 'x\u0000' }), { bad: { code: 'characters' } });
  });
});

describe('error messages', () => {
  it('each error code has an English message', () => {
    assert.equal(formatFieldError({ code: 'required' }), 'This field is required.');
    assert.equal(formatFieldError({ code: 'email' }), 'Enter a valid email address.');
    assert.equal(formatFieldError({ code: 'option' }), 'Choose one of the listed options.');
  });

  it('the limit is written into the message in place of {n}', () => {
    assert.equal(formatFieldError({ code: 'too_short', limit: 10 }), 'Use at least 10 characters.');
    assert.equal(formatFieldError({ code: 'too_long', limit: 100 }), 'Use at most 100 characters.');
    assert.equal(formatFieldError({ code: 'too_small', limit: 1 }), 'Enter 1 or more.');
    assert.equal(formatFieldError({ code: 'too_large', limit: '2025-12-31' }), 'Enter 2025-12-31 or less.');
  });

  it('the messages of the validator\'s own errors read naturally end to end', () => {
    const errors = refused(form({ name: 'message', type: 'textarea', minLength: 10 }), { message: 'Hi' });
    const error = errors['message'];
    assert.ok(error);
    assert.equal(formatFieldError(error), 'Use at least 10 characters.');
  });

  it('a form\'s own message replaces the default one, with {n} filled in', () => {
    const overrides = { required: 'Bitte ausfüllen.', too_long: 'Höchstens {n} Zeichen.' };
    assert.equal(formatFieldError({ code: 'required' }, EN_MESSAGES, overrides), 'Bitte ausfüllen.');
    assert.equal(formatFieldError({ code: 'too_long', limit: 5 }, EN_MESSAGES, overrides), 'Höchstens 5 Zeichen.');
  });

  it('codes a form does not override keep the default message', () => {
    assert.equal(formatFieldError({ code: 'email' }, EN_MESSAGES, { required: 'Bitte ausfüllen.' }), 'Enter a valid email address.');
  });

  it('another language\'s catalogue can be passed in', () => {
    const french = { ...EN_MESSAGES, too_short: 'Utilisez au moins {n} caractères.' };
    assert.equal(formatFieldError({ code: 'too_short', limit: 3 }, french), 'Utilisez au moins 3 caractères.');
  });

  it('fills in every {n} of a message, not just the first', () => {
    assert.equal(formatFieldError({ code: 'too_long', limit: 5 }, EN_MESSAGES, { too_long: '{n} max ({n})' }), '5 max (5)');
  });
});

describe('saving a form definition', () => {
  const designExample = {
    fields: [
      { name: 'name', type: 'text', label: 'Your name', required: true, maxLength: 100 },
      { name: 'email', type: 'email', label: 'Email', required: true },
      { name: 'topic', type: 'select', label: 'Topic', options: ['Sales', 'Support'] },
      { name: 'message', type: 'textarea', label: 'Message', required: true, minLength: 10 },
      { name: 'consent', type: 'checkbox', label: 'I agree to be contacted', required: true },
    ],
    submitLabel: 'Send',
    successMessage: 'Thanks! We will be in touch.',
    locale: 'en',
  };
  const withField = (field: Record<string, unknown>) => ({ fields: [field] });

  it('the example schema of the design document is accepted unchanged', () => {
    const result = formSchemaSchema.safeParse(designExample);
    assert.ok(result.success, JSON.stringify(issuesOf(formSchemaSchema, designExample)));
    assert.deepEqual(result.data, designExample);
  });

  it('a schema using every field type and constraint is accepted', () => {
    const everything = {
      fields: [
        { name: 'name', type: 'text', required: true, minLength: 2, maxLength: 100, pattern: '[A-Za-z ]+' },
        { name: 'email', type: 'email' },
        { name: 'phone', type: 'tel', placeholder: '+1 415 555 0100' },
        { name: 'site', type: 'url' },
        { name: 'guests', type: 'number', min: 1, max: 10 },
        { name: 'message', type: 'textarea', maxLength: 2000 },
        { name: 'topic', type: 'select', options: ['Sales', 'Support'] },
        { name: 'size', type: 'radio', options: ['S', 'M', 'L'] },
        { name: 'consent', type: 'checkbox', required: true },
        { name: 'topics', type: 'checkboxes', options: ['a', 'b'] },
        { name: 'day', type: 'date', min: '2025-01-01', max: '2025-12-31' },
        { name: 'plan', type: 'hidden', value: 'pro' },
      ],
      messages: { required: 'Bitte ausfüllen.' },
      locale: 'pt-BR',
    };
    assert.deepEqual(issuesOf(formSchemaSchema, everything), []);
  });

  it('two fields with the same name are refused, pointing at the second', () => {
    const twice = { fields: [{ name: 'email', type: 'email' }, { name: 'email', type: 'text' }] };
    assertRefusedAt(formSchemaSchema, twice, 'fields.1.name', /"email" is used twice/);
  });

  it('field names starting with "_" (the service\'s own signals) are refused', () => {
    assertRefusedAt(formSchemaSchema, withField({ name: '_gotcha', type: 'text' }), 'fields.0.name');
    assertRefusedAt(formSchemaSchema, withField({ name: '_t', type: 'hidden' }), 'fields.0.name');
  });

  it('field names that are empty, start with a digit or hold spaces are refused', () => {
    for (const name of ['', '1st', 'first name', 'a'.repeat(65)]) {
      assertRefusedAt(formSchemaSchema, withField({ name, type: 'text' }), 'fields.0.name');
    }
  });

  for (const type of ['select', 'radio', 'checkboxes']) {
    it(`a ${type} field without options is refused`, () => {
      assertRefusedAt(formSchemaSchema, withField({ name: 'choice', type }), 'fields.0.options', new RegExp(`a ${type} field needs options`));
      assertRefusedAt(formSchemaSchema, withField({ name: 'choice', type, options: [] }), 'fields.0.options');
    });
  }

  it('minLength greater than maxLength is refused, equal is fine', () => {
    assertRefusedAt(formSchemaSchema, withField({ name: 'code', type: 'text', minLength: 6, maxLength: 5 }), 'fields.0.minLength', /must not exceed maxLength/);
    assert.deepEqual(issuesOf(formSchemaSchema, withField({ name: 'code', type: 'text', minLength: 5, maxLength: 5 })), []);
  });

  it('negative, fractional or oversized lengths are refused', () => {
    assertRefusedAt(formSchemaSchema, withField({ name: 'code', type: 'text', minLength: -1 }), 'fields.0.minLength');
    assertRefusedAt(formSchemaSchema, withField({ name: 'code', type: 'text', maxLength: 2.5 }), 'fields.0.maxLength');
    assertRefusedAt(formSchemaSchema, withField({ name: 'code', type: 'text', maxLength: MAX_VALUE_LENGTH + 1 }), 'fields.0.maxLength');
  });

  it('a pattern that is not a valid regular expression is refused', () => {
    for (const pattern of ['[a-z', '(abc', '*a', 'a{2,1}']) {
      assertRefusedAt(formSchemaSchema, withField({ name: 'code', type: 'text', pattern }), 'fields.0.pattern', /not a valid regular expression/);
    }
  });

  it('a pattern the service cannot match in linear time (lookaround, backreferences) is refused', () => {
    for (const pattern of ['a(?=b)', '(?<!x)y', '(a)\\1']) {
      assertRefusedAt(formSchemaSchema, withField({ name: 'code', type: 'text', pattern }), 'fields.0.pattern', /cannot be matched safely/);
    }
  });

  it('patterns that backtrack badly in JavaScript are matched by the service in linear time', () => {
    for (const pattern of ['(a|a)+$', '(a+)+$', 'a*a*a*a*a*$']) {
      assert.deepEqual(issuesOf(formSchemaSchema, withField({ name: 'code', type: 'text', pattern })), [], pattern);
      const field: FieldDefinition = { name: 'code', type: 'text', pattern };
      // 5,000 characters: a backtracking engine would not finish this in a human lifetime.
      const result = validateSubmission({ fields: [field] }, { code: 'a'.repeat(5_000) + 'b' }, { matchPattern: matchPatternSafely });
      assert.deepEqual(result, { ok: false, errors: { code: { code: 'pattern' } } }, pattern);
      assert.deepEqual(validateSubmission({ fields: [field] }, { code: 'aaaa' }, { matchPattern: matchPatternSafely }).ok, true);
    }
  });

  it('everyday patterns are accepted', () => {
    for (const pattern of [
      '[0-9]{5}',
      '[0-9]{5}(-[0-9]{4})?',
      '(\\d{4})?',
      '[A-Z]{2}[0-9]{2}(\\s?[0-9]{4}){4}',
      '[A-Z]{2}[0-9]{4}',
      '\\p{Lu}[a-z]+',
      '[a-z0-9._%+-]+@[a-z0-9.-]+\\.[a-z]{2,}',
    ]) {
      assert.deepEqual(issuesOf(formSchemaSchema, withField({ name: 'code', type: 'text', pattern })), [], pattern);
    }
  });

  it('date bounds must be real days written as YYYY-MM-DD', () => {
    for (const min of ['01/02/2025', '2025-1-2', '2025-02-30', 20250102]) {
      assertRefusedAt(formSchemaSchema, withField({ name: 'day', type: 'date', min }), 'fields.0.min', /YYYY-MM-DD/);
    }
    assertRefusedAt(formSchemaSchema, withField({ name: 'day', type: 'date', max: 'next year' }), 'fields.0.max', /YYYY-MM-DD/);
  });

  it('number bounds must be numbers, and min may not exceed max', () => {
    assertRefusedAt(formSchemaSchema, withField({ name: 'n', type: 'number', min: '5' }), 'fields.0.min', /must be a number/);
    assertRefusedAt(formSchemaSchema, withField({ name: 'n', type: 'number', min: 10, max: 1 }), 'fields.0.min', /must not exceed max/);
    assertRefusedAt(
      formSchemaSchema,
      withField({ name: 'day', type: 'date', min: '2025-12-31', max: '2025-01-01' }),
      'fields.0.min',
      /must not exceed max/,
    );
  });

  it('unknown keys are refused, so a typo such as "requird" is not silently ignored', () => {
    assertRefusedAt(formSchemaSchema, withField({ name: 'email', type: 'email', requird: true }), 'fields.0');
    assert.ok(issuesOf(formSchemaSchema, { ...designExample, theme: 'dark' }).length > 0);
  });

  it('an unknown field type is refused', () => {
    assertRefusedAt(formSchemaSchema, withField({ name: 'cv', type: 'file' }), 'fields.0.type');
  });

  it('a locale must be a language tag', () => {
    assertRefusedAt(formSchemaSchema, { ...designExample, locale: 'English' }, 'locale');
  });
});

describe('saving form settings', () => {
  it('empty settings get safe defaults', () => {
    assert.deepEqual(formSettingsSchema.parse({}), {
      redirectUrl: null,
      notifyEmails: [],
      notifyWhatsapp: [],
      webhookUrl: null,
      webhookSecret: null,
      whatsappContentSid: null,
      retentionDays: null,
      captcha: null,
      autoresponse: null,
    });
  });

  it('WhatsApp numbers must be in E.164 form', () => {
    assert.deepEqual(formSettingsSchema.parse({ notifyWhatsapp: ['+14155550100', '+919876543210'] }).notifyWhatsapp, ['+14155550100', '+919876543210']);
    for (const number of ['14155550100', '+1 415 555 0100', '+1-415-555-0100', '+01234567890', '+12345', '+1234567890123456']) {
      assertRefusedAt(formSettingsSchema, { notifyWhatsapp: [number] }, 'notifyWhatsapp.0', /E\.164/);
    }
  });

  it('notification addresses must be email addresses, and are stored trimmed and lower-cased', () => {
    assert.deepEqual(formSettingsSchema.parse({ notifyEmails: [' Owner@Shop.Example '] }).notifyEmails, ['owner@shop.example']);
    for (const address of ['owner', 'owner@shop', 'owner@@shop.example', '']) {
      assertRefusedAt(formSettingsSchema, { notifyEmails: [address] }, 'notifyEmails.0', /email address/);
    }
  });

  it('redirect and webhook URLs must be http or https', () => {
    const ok = formSettingsSchema.parse({ redirectUrl: 'https://shop.example/thanks', webhookUrl: 'http://hooks.example/in' });
    assert.equal(ok.redirectUrl, 'https://shop.example/thanks');
    assert.equal(ok.webhookUrl, 'http://hooks.example/in');
    for (const url of ['javascript:alert(1)', 'ftp://shop.example/x', 'data:text/html,hi', '/thanks', 'shop.example']) {
      assertRefusedAt(formSettingsSchema, { redirectUrl: url }, 'redirectUrl', /http/);
      assertRefusedAt(formSettingsSchema, { webhookUrl: url }, 'webhookUrl', /http/);
    }
  });

  it('unknown settings are refused', () => {
    assert.ok(issuesOf(formSettingsSchema, { notifySms: ['+14155550100'] }).length > 0);
  });
});

describe('creating a site', () => {
  it('an origin is normalised: lower-case host, no trailing slash, no default port', () => {
    const site = createSiteInput.parse({
      name: 'Shop',
      domain: 'example.com',
      allowedOrigins: ['https://Example.COM/', 'https://www.example.com:443', 'http://localhost:8080'],
    });
    assert.deepEqual(site.allowedOrigins, ['https://example.com', 'https://www.example.com', 'http://localhost:8080']);
  });

  it('the same origin written twice is kept once', () => {
    const site = createSiteInput.parse({ name: 'Shop', domain: 'example.com', allowedOrigins: ['https://example.com', 'https://example.com/'] });
    assert.deepEqual(site.allowedOrigins, ['https://example.com']);
  });

  it('without allowed origins, the site\'s own domain over HTTPS is allowed', () => {
    assert.deepEqual(createSiteInput.parse({ name: 'Shop', domain: 'Example.com' }), {
      name: 'Shop',
      domain: 'example.com',
      allowedOrigins: ['https://example.com'],
    });
  });

  it('an origin with a user name or password is refused', () => {
    assertRefusedAt(createSiteInput, { name: 'Shop', domain: 'example.com', allowedOrigins: ['https://user:pw@example.com'] }, 'allowedOrigins.0', /origin/);
  });

  it('an origin written in capitals, scheme included, means the lower-case origin', () => {
    const site = createSiteInput.parse({ name: 'Shop', domain: 'example.com', allowedOrigins: ['HTTPS://Example.COM/'] });
    assert.deepEqual(site.allowedOrigins, ['https://example.com']);
  });

  it('"*" allows every origin', () => {
    assert.deepEqual(createSiteInput.parse({ name: 'Shop', domain: 'example.com', allowedOrigins: ['*'] }).allowedOrigins, ['*']);
  });

  it('an origin with a path, query or fragment, or without a scheme, is refused', () => {
    for (const origin of ['https://example.com/contact', 'https://example.com?x=1', 'https://example.com#top', 'example.com', 'ftp://example.com', 'https://']) {
      assertRefusedAt(createSiteInput, { name: 'Shop', domain: 'example.com', allowedOrigins: [origin] }, 'allowedOrigins.0', /origin/);
    }
  });

  it('a domain must be a bare domain name', () => {
    for (const domain of ['https://example.com', 'example.com/contact', 'exa mple.com', '']) {
      assertRefusedAt(createSiteInput, { name: 'Shop', domain }, 'domain');
    }
  });
});

describe('characters that cannot be stored', () => {
  it('refuses NUL and lone surrogate halves, and keeps astral characters (surrogate pairs)', () => {
    for (const bad of ['a\u0000b', '\ud800', 'x\udfff', '\udfff\ud800', 'ok\ud83d']) assert.equal(hasBadCharacters(bad), true, JSON.stringify(bad));
    for (const good of ['plain', '😀 emoji', '𝄞 clef', 'é ñ 中文', '']) assert.equal(hasBadCharacters(good), false, good);
  });
});
