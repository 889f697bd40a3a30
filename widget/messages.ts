// Message texts for validation errors, keyed by FieldErrorCode. "{n}" stands for the limit.
// A form definition may override any of them through `schema.messages`.

import type { FieldError, FieldErrorCode } from './validate.ts';

export type MessageCatalog = Record<FieldErrorCode, string>;

export const EN_MESSAGES: MessageCatalog = {
  required: 'This field is required.',
  too_short: 'Use at least {n} characters.',
  too_long: 'Use at most {n} characters.',
  pattern: 'Match the requested format.',
  email: 'Enter a valid email address.',
  url: 'Enter a valid web address starting with http:// or https://.',
  tel: 'Enter a valid phone number.',
  number: 'Enter a number.',
  date: 'Enter a valid date (YYYY-MM-DD).',
  too_small: 'Enter {n} or more.',
  too_large: 'Enter {n} or less.',
  option: 'Choose one of the listed options.',
  type: 'This value has the wrong type.',
  characters: 'This value contains characters that are not allowed.',
};

export function formatFieldError(
  error: FieldError,
  catalog: MessageCatalog = EN_MESSAGES,
  overrides?: Record<string, string>,
): string {
  const text = overrides?.[error.code] ?? catalog[error.code];
  return text.replaceAll('{n}', String(error.limit ?? ''));
}
