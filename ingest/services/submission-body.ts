// Turns the raw bytes of a submission into fields, whatever the content type, and enforces the
// global limits every form has (schema or not): field count, name length, nesting depth,
// forbidden keys. Values are copied into prototype-less objects; nothing from the body is ever
// merged into a live object.

import { parse as parseContentType, type ContentType } from 'content-type';
import {
  CAPTCHA_FIELD,
  FORBIDDEN_KEYS,
  HONEYPOT_FIELD,
  MAX_ARRAY_ITEMS,
  MAX_DEPTH,
  MAX_FIELD_NAME_LENGTH,
  MAX_FIELDS,
  RESERVED_PREFIX,
  TIME_TRAP_FIELD,
  type RawValue,
  type SubmissionData,
} from '../../widget/schema.ts';
import { hasBadCharacters } from '../../widget/validate.ts';
import { BadRequestError, UnsupportedMediaTypeError, ValidationError } from '../errors.ts';
import { CAPTCHA_RESPONSE_FIELDS } from './captcha.ts';

export type BodyKind = 'json' | 'form';

export interface SubmissionBody {
  kind: BodyKind;
  fields: SubmissionData;
  /** The honeypot's value: anything but empty means a bot filled it. */
  honeypot: string;
  timeToken: string | undefined;
  /** The captcha token: `_captcha`, or a provider's own field (a plain form with the challenge in it). */
  captchaToken: string | undefined;
}

const ACCEPTED = 'Send application/json, text/plain holding JSON, or application/x-www-form-urlencoded.';

function bodyKind(header: string | undefined): BodyKind {
  if (!header) throw new UnsupportedMediaTypeError(`The request has no Content-Type. ${ACCEPTED}`);
  let parsed: ContentType;
  try {
    parsed = parseContentType(header);
  } catch {
    throw new UnsupportedMediaTypeError(`The Content-Type header is malformed. ${ACCEPTED}`);
  }
  const charset = parsed.parameters['charset']?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new UnsupportedMediaTypeError(`Charset "${charset}" is not supported; send UTF-8.`);
  }
  switch (parsed.type) {
    case 'application/json':
    case 'text/plain':
      return 'json';
    case 'application/x-www-form-urlencoded':
      return 'form';
    case 'multipart/form-data':
      throw new UnsupportedMediaTypeError(`multipart/form-data (file uploads) is not supported yet. ${ACCEPTED}`);
    default:
      throw new UnsupportedMediaTypeError(`Content-Type ${parsed.type} is not supported. ${ACCEPTED}`);
  }
}

function checkName(name: string): void {
  if (FORBIDDEN_KEYS.includes(name)) throw new BadRequestError('invalid_body', `The field name "${name}" is not allowed.`);
  if (name.length === 0 || name.length > MAX_FIELD_NAME_LENGTH || hasBadCharacters(name)) {
    throw new BadRequestError(
      'invalid_body',
      `Field names must be 1 to ${MAX_FIELD_NAME_LENGTH} characters of valid text.`,
    );
  }
}

const tooManyItems = () => new BadRequestError('invalid_body', `A list may hold at most ${MAX_ARRAY_ITEMS} items.`);

/** A JSON value within the depth and size limits, rebuilt without prototypes. */
function copyValue(value: unknown, depth: number): RawValue {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (depth >= MAX_DEPTH) throw new BadRequestError('invalid_body', `Values may nest at most ${MAX_DEPTH} levels deep.`);
  if (Array.isArray(value)) {
    if (value.length > MAX_ARRAY_ITEMS) throw tooManyItems();
    return value.map((item) => copyValue(item, depth + 1));
  }
  const source = value as Record<string, unknown>;
  const names = Object.keys(source);
  if (names.length > MAX_ARRAY_ITEMS) {
    throw new BadRequestError('invalid_body', `An object may hold at most ${MAX_ARRAY_ITEMS} keys.`);
  }
  const copy: Record<string, RawValue> = Object.create(null);
  for (const name of names) {
    checkName(name);
    copy[name] = copyValue(source[name], depth + 1);
  }
  return copy;
}

function splitReserved(entries: [string, unknown][]): Omit<SubmissionBody, 'kind'> {
  const fields: SubmissionData = Object.create(null);
  let honeypot = '';
  let timeToken: string | undefined;
  let captchaToken: string | undefined;
  let count = 0;
  for (const [name, value] of entries) {
    checkName(name);
    if (name === CAPTCHA_FIELD || CAPTCHA_RESPONSE_FIELDS.includes(name)) {
      if (typeof value === 'string' && value) captchaToken = value;
      continue;
    }
    if (name.startsWith(RESERVED_PREFIX)) {
      if (name === HONEYPOT_FIELD) honeypot = typeof value === 'string' ? value : JSON.stringify(value) ?? '';
      else if (name === TIME_TRAP_FIELD && typeof value === 'string') timeToken = value;
      continue;
    }
    if (++count > MAX_FIELDS) throw new BadRequestError('invalid_body', `A submission may have at most ${MAX_FIELDS} fields.`);
    fields[name] = copyValue(value, 1);
  }
  return { fields, honeypot, timeToken, captchaToken };
}

function parseJson(text: string): Omit<SubmissionBody, 'kind'> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // A RangeError here means nesting deep enough to exhaust the parser: malformed for our purposes.
    const detail = error instanceof SyntaxError ? ` (${error.message})` : '';
    throw new BadRequestError('invalid_json', `The body is not valid JSON${detail}.`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new BadRequestError('invalid_body', 'The body must be a JSON object of field names to values.');
  }
  return splitReserved(Object.entries(value));
}

function parseForm(text: string): Omit<SubmissionBody, 'kind'> {
  // Repeated names (a group of checkboxes) become lists; PHP-style "name[]" means the same.
  const grouped = new Map<string, string | string[]>();
  for (const [rawName, value] of new URLSearchParams(text)) {
    const name = rawName.endsWith('[]') ? rawName.slice(0, -2) : rawName;
    const previous = grouped.get(name);
    if (previous === undefined) {
      grouped.set(name, rawName.endsWith('[]') ? [value] : value);
    } else if (Array.isArray(previous)) {
      // Refused as soon as it is too long, not once a body of one repeated name has been gathered.
      if (previous.length >= MAX_ARRAY_ITEMS) throw tooManyItems();
      previous.push(value);
    } else {
      grouped.set(name, [previous, value]);
    }
    if (grouped.size > MAX_FIELDS + 8) {
      throw new BadRequestError('invalid_body', `A submission may have at most ${MAX_FIELDS} fields.`);
    }
  }
  return splitReserved([...grouped]);
}

/**
 * A submission with no fields of its own (nothing, or only the service's `_` fields) has nothing
 * to store or tell anyone about: it is refused rather than stored, counted and notified.
 */
function requireSomeField(body: SubmissionBody): SubmissionBody {
  if (Object.keys(body.fields).length === 0) {
    // No field to name: `fields` is empty, as DESIGN's 422 always carries it.
    throw new ValidationError({}, 'The submission is empty: send at least one field.');
  }
  return body;
}

export function parseSubmissionBody(header: string | undefined, raw: Buffer | undefined): SubmissionBody {
  const kind = bodyKind(header);
  const text = raw && raw.length > 0 ? raw.toString('utf8') : '';
  if (kind === 'json') {
    if (text.trim() === '') throw new BadRequestError('invalid_json', 'The body is empty; send a JSON object of fields.');
    return requireSomeField({ kind, ...parseJson(text) });
  }
  return requireSomeField({ kind, ...parseForm(text) });
}
