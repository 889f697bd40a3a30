// The form language shared by the embed, the console and the ingestion service.
// Browser-safe and dependency-free: the widget bundle includes what it uses of this file.

export const FIELD_TYPES = [
  'text',
  'email',
  'tel',
  'url',
  'number',
  'textarea',
  'select',
  'radio',
  'checkbox',
  'checkboxes',
  'date',
  'hidden',
] as const;

export type FieldType = (typeof FIELD_TYPES)[number];

export interface FieldDefinition {
  name: string;
  type: FieldType;
  label?: string;
  placeholder?: string;
  required?: boolean;
  minLength?: number;
  maxLength?: number;
  /** A regular expression the whole value must match, as in HTML's `pattern` attribute. */
  pattern?: string;
  /** Numbers: the smallest/largest value. Dates: the earliest/latest day, as YYYY-MM-DD. */
  min?: number | string;
  max?: number | string;
  /** select, radio and checkboxes: the allowed values. */
  options?: string[];
  /** hidden: the value the widget sends. */
  value?: string;
}

export interface FormSchema {
  fields: FieldDefinition[];
  submitLabel?: string;
  successMessage?: string;
  locale?: string;
  /** Overrides of the widget's and validator's message texts, by message key. */
  messages?: Record<string, string>;
}

/** A value as it arrives in a submission body, before validation. */
export type RawValue = string | number | boolean | null | RawValue[] | { [key: string]: RawValue };
export type SubmissionData = Record<string, RawValue>;

/**
 * Limits for every submission, with or without a schema. Exported as named constants so the
 * minifier can inline them; the service enforces them, the widget only needs them to explain.
 */
export const MAX_FIELDS = 100;
export const MAX_FIELD_NAME_LENGTH = 100;
export const MAX_VALUE_LENGTH = 10_000;
export const MAX_ARRAY_ITEMS = 100;
export const MAX_DEPTH = 4;

/** Fields with these names carry the service's own signals and are never stored as data. */
export const HONEYPOT_FIELD = '_gotcha';
export const TIME_TRAP_FIELD = '_t';
/** The captcha token, when the form has a challenge (Turnstile or hCaptcha). */
export const CAPTCHA_FIELD = '_captcha';
export const RESERVED_PREFIX = '_';

/** Keys that would reach an object's prototype machinery if copied naively. */
export const FORBIDDEN_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];
