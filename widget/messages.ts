// Message texts of the form: one per validation error code ("{n}" stands for the limit) and the
// few the embed shows itself. The embed carries only two English texts (EN_OFFLINE); the whole
// catalog in the visitor's language (i18n.ts) comes with the form definition, so the script
// stays small. A form definition may override any text through `schema.messages`.

import type { FieldErrorCode } from './validate.ts';

export type UiMessageKey = 'send' | 'sending' | 'sent' | 'invalid' | 'saved' | 'failed' | 'choose' | 'unavailable';
export type MessageKey = FieldErrorCode | UiMessageKey;
export type MessageCatalog = Record<MessageKey, string>;

export const EN_ERRORS: Record<FieldErrorCode, string> = {
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

/** What the embed can still say when even its form's catalog could not be loaded (offline): short, as every byte of the embed counts. */
export const EN_OFFLINE = {
  saved: 'Saved; it will be sent later.',
  failed: 'Could not send.',
  unavailable: 'Form unavailable.',
  invalid: 'Check the marked fields.',
  sending: 'Sending…',
  sent: 'Thanks!',
};
