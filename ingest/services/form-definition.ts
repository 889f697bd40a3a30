// The shapes the console API accepts for sites and forms, with a maximum on every string.
// The form schema's TypeScript type lives in widget/schema.ts; this checks that what an owner
// saves really has that type, and that the validator can run it safely.

import { z } from 'zod';
import { FIELD_TYPES, RESERVED_PREFIX, type FieldDefinition, type FormSchema } from '../../widget/schema.ts';
import { isEmail, isValidDate } from '../../widget/validate.ts';
import type { ErrorFields } from '../errors.ts';
import { webhookTargetProblem } from '../notify/webhook.ts';
import type { FormSettings } from '../store/forms.ts';
import { normalizeEmail } from './email-address.ts';
import { patternProblem } from './safe-pattern.ts';

const MAX_FORM_FIELDS = 100;
const MAX_OPTIONS = 200;
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
export const E164 = /^\+[1-9]\d{6,14}$/;

const text = (max: number) => z.string().trim().min(1).max(max);
const httpUrl = (protocols: readonly string[]) =>
  z
    .string()
    .max(2048)
    .refine((value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    }, `must be a URL starting with ${protocols.map((p) => p + '//').join(' or ')}`);

const fieldSchema = z
  .object({
    name: z.string().regex(FIELD_NAME, 'must start with a letter and hold only letters, digits, _ . - (64 at most)'),
    type: z.enum(FIELD_TYPES),
    label: z.string().max(200).optional(),
    placeholder: z.string().max(200).optional(),
    required: z.boolean().optional(),
    minLength: z.number().int().min(0).max(10_000).optional(),
    maxLength: z.number().int().min(1).max(10_000).optional(),
    pattern: z.string().max(500).optional(),
    min: z.union([z.number(), z.string().max(10)]).optional(),
    max: z.union([z.number(), z.string().max(10)]).optional(),
    options: z.array(z.string().max(200)).min(1).max(MAX_OPTIONS).optional(),
    value: z.string().max(1000).optional(),
  })
  .strict()
  .superRefine((field, ctx) => {
    const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (field.minLength !== undefined && field.maxLength !== undefined && field.minLength > field.maxLength) {
      problem('minLength', 'must not exceed maxLength');
    }
    if (['select', 'radio', 'checkboxes'].includes(field.type) && !field.options) {
      problem('options', `a ${field.type} field needs options`);
    }
    if (field.type === 'number') {
      for (const key of ['min', 'max'] as const) {
        if (field[key] !== undefined && typeof field[key] !== 'number') problem(key, 'must be a number');
      }
    }
    if (field.type === 'date') {
      for (const key of ['min', 'max'] as const) {
        const bound = field[key];
        if (bound !== undefined && (typeof bound !== 'string' || !isValidDate(bound))) problem(key, 'must be a date as YYYY-MM-DD');
      }
    }
    if (field.min !== undefined && field.max !== undefined && field.min > field.max) problem('min', 'must not exceed max');
    if (field.pattern !== undefined) {
      const why = patternProblem(field.pattern);
      if (why) problem('pattern', why);
    }
  }) satisfies z.ZodType<FieldDefinition>;

export const formSchemaSchema = z
  .object({
    fields: z.array(fieldSchema).min(1).max(MAX_FORM_FIELDS),
    submitLabel: z.string().max(100).optional(),
    successMessage: z.string().max(2000).optional(),
    locale: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag such as "en" or "pt-BR"').optional(),
    messages: z.record(z.string().max(64), z.string().max(500)).optional(),
  })
  .strict()
  .superRefine((schema, ctx) => {
    const seen = new Set<string>();
    schema.fields.forEach((field, index) => {
      if (seen.has(field.name)) {
        ctx.addIssue({ code: 'custom', path: ['fields', index, 'name'], message: `"${field.name}" is used twice` });
      }
      seen.add(field.name);
      if (field.name.startsWith(RESERVED_PREFIX)) {
        ctx.addIssue({ code: 'custom', path: ['fields', index, 'name'], message: 'names starting with "_" are reserved' });
      }
    });
  }) satisfies z.ZodType<FormSchema>;

const settingsFields = {
  redirectUrl: httpUrl(['http:', 'https:']).nullable(),
  // Kept as services/email-address.ts normalizeEmail (NFKC, lower case): what alert_recipients holds and the worker matches.
  notifyEmails: z.array(z.string().trim().transform(normalizeEmail).refine(isEmail, 'must be an email address')).max(20),
  notifyWhatsapp: z.array(z.string().regex(E164, 'must be an E.164 phone number such as +14155550100')).max(10),
  webhookUrl: httpUrl(['http:', 'https:']).nullable(),
  webhookSecret: z.string().regex(/^[\x21-\x7e]{16,200}$/, 'must be 16 to 200 visible ASCII characters').nullable(),
  whatsappContentSid: z.string().regex(/^HX[0-9a-f]{32}$/, 'must be a Twilio Content SID (HX followed by 32 hex digits)').nullable(),
  retentionDays: z.number().int().min(1).max(3650).nullable(),
  autoresponse: z
    .object({ subject: z.string().trim().min(1).max(200), message: z.string().trim().min(1).max(5000) })
    .strict()
    .nullable(),
  captcha: z
    .object({
      provider: z.enum(['turnstile', 'hcaptcha']),
      siteKey: z.string().trim().regex(/^[\w.-]{1,200}$/, 'must be the site key the captcha provider gave you'),
      secretKey: z.string().trim().min(1).max(500),
    })
    .strict()
    .nullable(),
};

/**
 * A webhook URL being saved must be one the worker will deliver to: https, with no credentials,
 * on a host that is not an internal address or name (SSRF), unless WEBHOOK_ALLOW_PRIVATE is set.
 * Said at once (422 naming settings.webhookUrl), not later by dead deliveries; where a host name
 * resolves is checked again on every delivery.
 */
export function webhookUrlProblems(settings: { webhookUrl?: string | null | undefined } | undefined, allowPrivate: boolean): ErrorFields | null {
  const url = settings?.webhookUrl;
  const problem = url ? webhookTargetProblem(url, allowPrivate) : null;
  return problem ? { 'settings.webhookUrl': `must be an https URL on a public host (${problem.replace(/^refused: /, '')})` } : null;
}

/** Settings of a new form: what is left out takes its default. */
export const formSettingsSchema = z
  .object({
    redirectUrl: settingsFields.redirectUrl.default(null),
    notifyEmails: settingsFields.notifyEmails.default([]),
    notifyWhatsapp: settingsFields.notifyWhatsapp.default([]),
    webhookUrl: settingsFields.webhookUrl.default(null),
    webhookSecret: settingsFields.webhookSecret.default(null),
    whatsappContentSid: settingsFields.whatsappContentSid.default(null),
    retentionDays: settingsFields.retentionDays.default(null),
    captcha: settingsFields.captcha.default(null),
    autoresponse: settingsFields.autoresponse.default(null),
  })
  .strict() satisfies z.ZodType<FormSettings, unknown>;

/**
 * A change to settings: what is left out stays as it is (no defaults here), the captcha secret
 * key included (answers never show it, so a client resending the rest cannot send it back).
 */
const formSettingsPatch = z
  .object({ ...settingsFields, captcha: settingsFields.captcha.unwrap().extend({ secretKey: settingsFields.captcha.unwrap().shape.secretKey.optional() }).strict().nullable() })
  .partial()
  .strict();

export const createFormInput = z
  .object({
    siteId: z.string().max(100),
    name: text(200),
    schema: formSchemaSchema.nullable().default(null),
    settings: formSettingsSchema.default(formSettingsSchema.parse({})),
  })
  .strict();

export const updateFormInput = z
  .object({
    name: text(200).optional(),
    schema: formSchemaSchema.nullable().optional(),
    settings: formSettingsPatch.optional(),
  })
  .strict();

const ORIGIN_PATTERN = /^https?:\/\/[^/?#\s]+$/i;

/** "https://example.com/" and "HTTPS://Example.com" both mean the origin https://example.com. */
function toOrigin(value: string): string | null {
  if (value === '*') return '*';
  if (!ORIGIN_PATTERN.test(value.replace(/\/$/, ''))) return null;
  try {
    const url = new URL(value);
    if (url.username || url.password) return null;
    return url.origin === 'null' ? null : url.origin;
  } catch {
    return null;
  }
}

const siteFields = {
  name: text(200),
  domain: z
    .string()
    .trim()
    .toLowerCase()
    .max(253)
    .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*(:\d{1,5})?$/, 'must be a domain name such as example.com'),
  allowedOrigins: z
    .array(
      z
        .string()
        .max(300)
        .transform((value, ctx) => {
          const origin = toOrigin(value.trim());
          if (origin === null) {
            ctx.addIssue({ code: 'custom', message: 'must be an origin such as https://example.com, or "*"' });
            return z.NEVER;
          }
          return origin;
        }),
    )
    .max(50),
};

export const createSiteInput = z
  .object({ ...siteFields, allowedOrigins: siteFields.allowedOrigins.optional() })
  .strict()
  .transform((site) => ({
    name: site.name,
    domain: site.domain,
    // Without a list, the site's own domain over HTTPS is what a site owner means.
    allowedOrigins: [...new Set(site.allowedOrigins ?? [`https://${site.domain}`])],
  }));

export const updateSiteInput = z
  .object({ name: siteFields.name.optional(), domain: siteFields.domain.optional(), allowedOrigins: siteFields.allowedOrigins.optional() })
  .strict()
  .transform((site) => ({ ...site, allowedOrigins: site.allowedOrigins && [...new Set(site.allowedOrigins)] }));
