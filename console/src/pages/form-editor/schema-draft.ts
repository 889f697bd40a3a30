// The editor works on a draft: every input's text as typed (a half-typed "1" + "0" must not turn
// into a number and back). Drafts become a FormSchema and form settings here: for the live preview
// (forgiving: what cannot be read yet is left out) and for saving (strict: it says what is wrong,
// by the same paths the API's 422 uses, e.g. "schema.fields.2.maxLength").

import type { FieldDefinition, FieldType, FormSchema } from '../../../../widget/schema.ts';
import type { Form, FormSettingsInput } from '../../api-types.ts';
import { lines } from '../../controls.tsx';

export const TYPE_LABELS: Record<FieldType, string> = {
  text: 'Text',
  email: 'Email',
  tel: 'Phone',
  url: 'Web address',
  number: 'Number',
  textarea: 'Long text',
  select: 'Drop-down',
  radio: 'Choice (radio buttons)',
  checkbox: 'Checkbox (yes/no)',
  checkboxes: 'Checkboxes (several)',
  date: 'Date',
  hidden: 'Hidden value',
};

/** Which settings of a field mean something for its type. */
const TEXT_TYPES: readonly FieldType[] = ['text', 'email', 'tel', 'url', 'textarea'];
export const takes = {
  label: (type: FieldType) => type !== 'hidden',
  required: (type: FieldType) => type !== 'hidden',
  placeholder: (type: FieldType) => [...TEXT_TYPES, 'number'].includes(type),
  length: (type: FieldType) => TEXT_TYPES.includes(type),
  pattern: (type: FieldType) => TEXT_TYPES.includes(type),
  range: (type: FieldType) => type === 'number' || type === 'date',
  options: (type: FieldType) => type === 'select' || type === 'radio' || type === 'checkboxes',
  value: (type: FieldType) => type === 'hidden',
};

export interface FieldDraft {
  /** Identity in the list while fields move (names change as they are typed). */
  key: number;
  name: string;
  type: FieldType;
  label: string;
  placeholder: string;
  required: boolean;
  minLength: string;
  maxLength: string;
  pattern: string;
  min: string;
  max: string;
  /** One option per line. */
  options: string;
  value: string;
}

export interface SettingsDraft {
  redirectUrl: string;
  notifyEmails: string;
  notifyWhatsapp: string;
  whatsappContentSid: string;
  webhookUrl: string;
  retentionDays: string;
  autoresponse: boolean;
  autoresponseSubject: string;
  autoresponseMessage: string;
  captchaProvider: '' | 'turnstile' | 'hcaptcha';
  captchaSiteKey: string;
  /** A new secret key as typed; empty keeps the stored one (never shown). */
  captchaSecretKey: string;
}

export interface FormDraft {
  name: string;
  fields: FieldDraft[];
  submitLabel: string;
  successMessage: string;
  locale: string;
  /** Message overrides the form already has (kept as they are; not edited here). */
  messages: Record<string, string> | undefined;
  settings: SettingsDraft;
}

export const STARTER_SCHEMA: FormSchema = {
  fields: [
    { name: 'name', type: 'text', label: 'Your name', required: true, maxLength: 100 },
    { name: 'email', type: 'email', label: 'Email', required: true },
    { name: 'message', type: 'textarea', label: 'Message', required: true, minLength: 10 },
  ],
  submitLabel: 'Send',
  successMessage: 'Thanks! We will be in touch.',
};

let keys = 0;

const text = (value: string | number | undefined) => (value === undefined ? '' : String(value));

export function fieldDraft(field: FieldDefinition): FieldDraft {
  return {
    key: ++keys,
    name: field.name,
    type: field.type,
    label: field.label ?? '',
    placeholder: field.placeholder ?? '',
    required: field.required ?? false,
    minLength: text(field.minLength),
    maxLength: text(field.maxLength),
    pattern: field.pattern ?? '',
    min: text(field.min),
    max: text(field.max),
    options: (field.options ?? []).join('\n'),
    value: field.value ?? '',
  };
}

/** A new text field with a name no other field has. */
export function newField(existing: readonly FieldDraft[]): FieldDraft {
  const names = new Set(existing.map((field) => field.name));
  let n = existing.length + 1;
  while (names.has(`field${n}`)) n++;
  return fieldDraft({ name: `field${n}`, type: 'text', label: `Field ${n}` });
}

/** A field changing type keeps what still applies; a list type gets two options to start from. */
export function withType(field: FieldDraft, type: FieldType): FieldDraft {
  const next = { ...field, type };
  if (takes.options(type) && !lines(field.options).length) next.options = 'Option 1\nOption 2';
  if (takes.range(field.type) && takes.range(type) && field.type !== type) {
    next.min = '';
    next.max = '';
  }
  return next;
}

export function formDraft(form: Form): FormDraft {
  const schema = form.schema;
  const settings = form.settings;
  return {
    name: form.name,
    fields: (schema?.fields ?? []).map(fieldDraft),
    submitLabel: schema?.submitLabel ?? '',
    successMessage: schema?.successMessage ?? '',
    locale: schema?.locale ?? '',
    messages: schema?.messages,
    settings: {
      redirectUrl: settings.redirectUrl ?? '',
      notifyEmails: settings.notifyEmails.join('\n'),
      notifyWhatsapp: settings.notifyWhatsapp.join('\n'),
      whatsappContentSid: settings.whatsappContentSid ?? '',
      webhookUrl: settings.webhookUrl ?? '',
      retentionDays: text(settings.retentionDays ?? undefined),
      autoresponse: settings.autoresponse !== null,
      autoresponseSubject: settings.autoresponse?.subject ?? '',
      autoresponseMessage: settings.autoresponse?.message ?? '',
      captchaProvider: settings.captcha?.provider ?? '',
      captchaSiteKey: settings.captcha?.siteKey ?? '',
      captchaSecretKey: '',
    },
  };
}

type Problems = Record<string, string>;

/** A whole number from an input's text: undefined when empty, NaN when it is not one. */
function wholeNumber(value: string): number | undefined {
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  return /^-?\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
}

function decimal(value: string): number | undefined {
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  const number = Number(trimmed);
  return Number.isFinite(number) ? number : Number.NaN;
}

/** A field as the form language has it; problems are noted under `path` (strict) or dropped (preview). */
function toField(draft: FieldDraft, path: string, problems: Problems | null): FieldDefinition {
  const field: FieldDefinition = { name: draft.name.trim(), type: draft.type };
  const { type } = draft;
  const note = (key: string, message: string) => problems && (problems[`${path}.${key}`] = message);
  if (takes.label(type) && draft.label.trim()) field.label = draft.label.trim();
  if (takes.required(type) && draft.required) field.required = true;
  if (takes.placeholder(type) && draft.placeholder.trim()) field.placeholder = draft.placeholder.trim();
  if (takes.length(type)) {
    for (const key of ['minLength', 'maxLength'] as const) {
      const value = wholeNumber(draft[key]);
      if (value === undefined) continue;
      if (Number.isNaN(value) || value < 0) note(key, 'must be a whole number');
      else field[key] = value;
    }
  }
  if (takes.pattern(type) && draft.pattern !== '') field.pattern = draft.pattern;
  if (takes.range(type)) {
    for (const key of ['min', 'max'] as const) {
      const raw = draft[key].trim();
      if (raw === '') continue;
      if (type === 'number') {
        const value = decimal(raw);
        if (value === undefined || Number.isNaN(value)) note(key, 'must be a number');
        else field[key] = value;
      } else {
        field[key] = raw;
      }
    }
  }
  if (takes.options(type)) {
    const options = lines(draft.options);
    if (options.length) field.options = options;
  }
  if (takes.value(type)) field.value = draft.value;
  return field;
}

/** The schema the draft stands for (null: no fields, so the form takes any fields). */
export function toSchema(draft: FormDraft, problems: Problems | null = null): FormSchema | null {
  if (draft.fields.length === 0) return null;
  const schema: FormSchema = { fields: draft.fields.map((field, index) => toField(field, `schema.fields.${index}`, problems)) };
  if (draft.submitLabel.trim()) schema.submitLabel = draft.submitLabel.trim();
  if (draft.successMessage.trim()) schema.successMessage = draft.successMessage.trim();
  if (draft.locale.trim()) schema.locale = draft.locale.trim();
  if (draft.messages) schema.messages = draft.messages;
  return schema;
}

/** The settings the draft stands for (secrets are never sent back: an empty captcha key keeps the stored one). */
export function toSettings(draft: SettingsDraft, problems: Problems): FormSettingsInput {
  const retention = wholeNumber(draft.retentionDays);
  if (retention !== undefined && (Number.isNaN(retention) || retention < 1)) problems['settings.retentionDays'] = 'must be a whole number of days (1 to 3650), or empty to keep submissions';
  const orNull = (value: string) => value.trim() || null;
  return {
    redirectUrl: orNull(draft.redirectUrl),
    notifyEmails: lines(draft.notifyEmails),
    notifyWhatsapp: lines(draft.notifyWhatsapp),
    whatsappContentSid: orNull(draft.whatsappContentSid),
    webhookUrl: orNull(draft.webhookUrl),
    retentionDays: retention === undefined || Number.isNaN(retention) ? null : retention,
    autoresponse: draft.autoresponse ? { subject: draft.autoresponseSubject.trim(), message: draft.autoresponseMessage.trim() } : null,
    captcha: draft.captchaProvider
      ? { provider: draft.captchaProvider, siteKey: draft.captchaSiteKey.trim(), ...(draft.captchaSecretKey.trim() ? { secretKey: draft.captchaSecretKey.trim() } : {}) }
      : null,
  };
}
