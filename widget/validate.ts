// The one validator: the widget runs it before sending, the service runs it on what arrives.
// Browser-safe and dependency-free. It never throws on any input.

import {
  FORBIDDEN_KEYS,
  MAX_ARRAY_ITEMS,
  MAX_VALUE_LENGTH,
  type FieldDefinition,
  type FieldType,
  type FormSchema,
  type RawValue,
  type SubmissionData,
} from './schema.ts';

export type FieldErrorCode =
  | 'required'
  | 'too_short'
  | 'too_long'
  | 'pattern'
  | 'email'
  | 'url'
  | 'tel'
  | 'number'
  | 'date'
  | 'too_small'
  | 'too_large'
  | 'option'
  | 'type'
  | 'characters';

export interface FieldError {
  code: FieldErrorCode;
  /** The bound that was crossed (length, min, max), for the message. */
  limit?: number | string;
}

export type CleanValue = string | number | boolean | null | CleanValue[] | { [key: string]: CleanValue };
export type CleanData = Record<string, CleanValue>;

export type ValidationResult =
  | { ok: true; data: CleanData }
  | { ok: false; errors: Record<string, FieldError> };

/** Whether the whole value matches a field's pattern. */
export type PatternMatcher = (pattern: string, value: string) => boolean;

export interface ValidateOptions {
  /**
   * How patterns are matched. The browser uses its own RegExp; the service passes a
   * linear-time engine, so no pattern an owner saves can stall it on a visitor's input.
   */
  matchPattern?: PatternMatcher;
}

// The WHATWG definition of a valid e-mail address, with a dot required in the domain: "me@gmail"
// passes HTML's check but is never what a visitor meant. (Read in one pass: the local part stops
// at the @, and a label can only end where a dot or the end comes; and never over 254 characters.)
const EMAIL = /^[\w.!#$%&'*+/=?^`{|}~-]+@[a-z\d]([a-z\d-]{0,61}[a-z\d])?(\.[a-z\d]([a-z\d-]{0,61}[a-z\d])?)+$/i;
const TEL = /^\+?[\d ().-]+$/;
// Like every pattern here, read in one pass: no two parts can take the same characters (the old
// `\d+\.?\d*` could split a run of digits n ways, and tried each on 99,000 digits and an x).
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;
const DATE = /^\d{4}-\d\d-\d\d$/;
// NUL cannot be stored in PostgreSQL text or jsonb, and a lone surrogate is not text at all.
// (In unicode mode a surrogate pair is one code point, so \p{Cs} matches only a lone half.)
const BAD_CHARACTERS = /\0|\p{Cs}/u;

export function hasBadCharacters(value: string): boolean {
  return BAD_CHARACTERS.test(value);
}

/**
 * HTML's `pattern` semantics: the whole value must match; an invalid pattern matches anything.
 * (The browser's matcher; the service passes its own linear-time one.)
 */
const matchWithRegExp: PatternMatcher = (pattern, value) => {
  try {
    return new RegExp('^(?:' + pattern + ')$', 'u').test(value);
  } catch {
    return true;
  }
};

export function isValidDate(value: string): boolean {
  // A day that does not exist (2025-02-30) is invalid or comes back as another day.
  const time = Date.parse(value);
  return DATE.test(value) && time === time && new Date(time).toISOString().slice(0, 10) === value;
}

export function isEmail(value: string): boolean {
  return value.length <= 254 && EMAIL.test(value);
}

export function isTel(value: string): boolean {
  // 6 to 15 digits (E.164 allows 15).
  return TEL.test(value) && /^\d{6,15}$/.test(value.replace(/\D/g, ''));
}

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return /^https?:$/.test(url.protocol) && url.hostname !== '';
  } catch {
    return false;
  }
}

/** One scalar as text, or undefined when the value is not a scalar. */
function asText(value: RawValue | undefined): string | undefined {
  return value === undefined || value === null ? '' : typeof value === 'object' ? undefined : String(value);
}

/** What an unchecked checkbox may be sent as (any letter case). */
const FALSE_WORDS = /^(|false|off|no|0)$/i;

/** Types whose text has a format of its own; a value out of format fails with the type's name as code. */
const FORMATS: Partial<Record<FieldType, (text: string) => boolean>> = { email: isEmail, url: isHttpUrl, tel: isTel, date: isValidDate };

type Checked = { value: CleanValue } | { error: FieldError };

/** A refusal (with the crossed bound, when there is one). */
const fail = (code: FieldErrorCode, limit?: number | string): Checked => ({ error: limit === undefined ? { code } : { code, limit } });

// (Written for size as well: the embed bundles this function, and each visitor downloads it.)
function checkField(field: FieldDefinition, raw: RawValue | undefined, matchPattern: PatternMatcher): Checked {
  const { type, required, options, min, max } = field;
  if (type === 'checkboxes') {
    const items = raw === undefined || raw === null || raw === '' ? [] : Array.isArray(raw) ? raw : [raw];
    if (items.length > MAX_ARRAY_ITEMS) return fail('too_long', MAX_ARRAY_ITEMS);
    const values: string[] = [];
    for (const item of items) {
      const text = asText(item);
      if (text === undefined || typeof item === 'boolean') return fail('type');
      if (text.length > MAX_VALUE_LENGTH) return fail('too_long', MAX_VALUE_LENGTH);
      if (hasBadCharacters(text)) return fail('characters');
      if (text && options && !options.includes(text)) return fail('option');
      if (text && !values.includes(text)) values.push(text);
    }
    return required && !values.length ? fail('required') : { value: values };
  }
  // A list or an object where one value belongs.
  const text = asText(raw);
  if (text === undefined) return fail('type');
  // Whatever the type, a value's length is bounded before any pattern reads it.
  if (text.length > MAX_VALUE_LENGTH) return fail('too_long', MAX_VALUE_LENGTH);
  if (type === 'number') {
    const trimmed = text.trim();
    if (!trimmed) return required ? fail('required') : { value: null };
    const value = Number(trimmed);
    if (!NUMBER.test(trimmed) || !Number.isFinite(value)) return fail('number');
    if (typeof min === 'number' && value < min) return fail('too_small', min);
    if (typeof max === 'number' && value > max) return fail('too_large', max);
    return { value };
  }
  if (hasBadCharacters(text)) return fail('characters');
  if (type === 'checkbox') {
    // As in HTML, a checkbox is checked when it is sent with any value of its own
    // ("on", "yes", "subscribed"); missing or a "no" word means unchecked.
    const checked = !FALSE_WORDS.test(text.trim());
    return required && !checked ? fail('required') : { value: checked };
  }
  // Single-line values lose stray whitespace; a message keeps its own (but a message of nothing
  // but whitespace is no message).
  const value = type === 'textarea' ? text : text.trim();
  if (!value.trim()) return required ? fail('required') : { value };
  // (The text is within MAX_VALUE_LENGTH already: only an owner's smaller limit can fail here.)
  if (value.length > (field.maxLength ?? MAX_VALUE_LENGTH)) return fail('too_long', field.maxLength);
  if (field.minLength !== undefined && value.length < field.minLength) return fail('too_short', field.minLength);
  const format = FORMATS[type];
  if (format && !format(value)) return fail(type as FieldErrorCode);
  if (type === 'date') {
    if (typeof min === 'string' && value < min) return fail('too_small', min);
    if (typeof max === 'string' && value > max) return fail('too_large', max);
  }
  if ((type === 'select' || type === 'radio') && options && !options.includes(value)) return fail('option');
  if (field.pattern !== undefined && !matchPattern(field.pattern, value)) return fail('pattern');
  return { value };
}

/** A value of a form without a schema: any JSON within the global limits. */
function checkUnstructured(raw: RawValue): FieldError | null {
  if (typeof raw === 'string') {
    if (raw.length > MAX_VALUE_LENGTH) return { code: 'too_long', limit: MAX_VALUE_LENGTH };
    if (hasBadCharacters(raw)) return { code: 'characters' };
    return null;
  }
  if (typeof raw === 'number') return Number.isFinite(raw) ? null : { code: 'number' };
  if (raw === null || typeof raw === 'boolean') return null;
  if (!Array.isArray(raw) && Object.keys(raw).some((key) => FORBIDDEN_KEYS.includes(key) || hasBadCharacters(key))) {
    return { code: 'characters' };
  }
  const items = Array.isArray(raw) ? raw : Object.values(raw);
  if (items.length > MAX_ARRAY_ITEMS) return { code: 'too_long', limit: MAX_ARRAY_ITEMS };
  for (const item of items) {
    const error = checkUnstructured(item);
    if (error) return error;
  }
  return null;
}

/** An own property even for a name like "__proto__", which plain assignment would turn into a prototype. */
function setOwn<T>(target: Record<string, T>, name: string, value: T): void {
  Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Validates a submission against a form's schema and returns the cleaned data: only the schema's
 * fields, each normalised to its type (numbers as numbers, a checkbox as a boolean, checkboxes as
 * a list). Without a schema every field is kept as sent, within the global limits.
 * Fields whose names start with "_" are the service's own and must be removed before this call.
 */
export function validateSubmission(
  schema: FormSchema | null,
  input: SubmissionData,
  options: ValidateOptions = {},
): ValidationResult {
  return schema ? validateFields(schema, input, options) : validateUnstructured(input);
}

/** A form without a schema: every field is kept as sent, within the global limits. */
function validateUnstructured(input: SubmissionData): ValidationResult {
  const errors: Record<string, FieldError> = {};
  const data: CleanData = {};
  let failed = false;
  for (const name of Object.keys(input)) {
    const raw = input[name] as RawValue;
    // Never assign "__proto__" and friends onto a plain object (the body parser refuses them too).
    const error = FORBIDDEN_KEYS.includes(name) || hasBadCharacters(name) ? { code: 'characters' as const } : checkUnstructured(raw);
    if (error) {
      setOwn(errors, name, error);
      failed = true;
    } else {
      setOwn(data, name, raw);
    }
  }
  return failed ? { ok: false, errors } : { ok: true, data };
}

/** The schema part of validateSubmission (what the embed bundles: it always has a schema). */
export function validateFields(schema: FormSchema, input: SubmissionData, options: ValidateOptions = {}): ValidationResult {
  const matchPattern = options.matchPattern ?? matchWithRegExp;
  const errors: Record<string, FieldError> = {};
  const data: CleanData = {};
  let failed = false;
  for (const field of schema.fields) {
    const raw = Object.hasOwn(input, field.name) ? input[field.name] : undefined;
    const result = checkField(field, raw, matchPattern);
    if ('error' in result) {
      errors[field.name] = result.error;
      failed = true;
    } else {
      data[field.name] = result.value;
    }
  }
  return failed ? { ok: false, errors } : { ok: true, data };
}
