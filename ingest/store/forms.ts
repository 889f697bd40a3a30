// Forms: console queries scoped by account, and the public lookup the submission path uses.

import type { Queryable } from '../db/database.ts';
import type { FormSchema } from '../../widget/schema.ts';

/** A Turnstile or hCaptcha challenge on the form; the secret key stays on the server. */
export interface CaptchaSettings {
  provider: 'turnstile' | 'hcaptcha';
  siteKey: string;
  secretKey: string;
}

/** An email sent back to whoever submitted the form (opt-in); `{name}`-style fields are filled in. */
export interface AutoresponseSettings {
  subject: string;
  message: string;
}

export interface FormSettings {
  redirectUrl: string | null;
  notifyEmails: string[];
  notifyWhatsapp: string[];
  webhookUrl: string | null;
  /** Signs each webhook (Formline-Signature); made by the service when a webhook URL is set. */
  webhookSecret: string | null;
  /** An approved WhatsApp template (Twilio ContentSid) for this form's alerts, over the service's. */
  whatsappContentSid: string | null;
  retentionDays: number | null;
  captcha: CaptchaSettings | null;
  autoresponse: AutoresponseSettings | null;
}

export const DEFAULT_FORM_SETTINGS: Readonly<FormSettings> = Object.freeze({
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

export interface Form {
  id: string;
  siteId: string;
  accountId: string;
  name: string;
  schema: FormSchema | null;
  settings: FormSettings;
  createdAt: Date;
  updatedAt: Date;
}

/** What the submission path needs: the form with its site's allowed origins. */
export interface PublicForm extends Form {
  allowedOrigins: string[];
}

interface FormRow extends Record<string, unknown> {
  id: string;
  site_id: string;
  account_id: string;
  name: string;
  schema: FormSchema | null;
  settings: Partial<FormSettings>;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'f.id, f.site_id, f.account_id, f.name, f.schema, f.settings, f.created_at, f.updated_at';

/** SQL NULL for a missing schema; JSON.stringify(null) would store a JSON null instead. */
function toJsonb(value: FormSchema | null): string | null {
  return value === null ? null : JSON.stringify(value);
}

function toForm(row: FormRow): Form {
  return {
    id: row.id,
    siteId: row.site_id,
    accountId: row.account_id,
    name: row.name,
    schema: row.schema,
    // Settings written by older versions may lack newer keys.
    settings: { ...DEFAULT_FORM_SETTINGS, ...row.settings },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function saveForm(
  db: Queryable,
  input: { id: string; siteId: string; accountId: string; name: string; schema: FormSchema | null; settings: FormSettings },
): Promise<Form> {
  const [row] = await db.query<FormRow>(
    `insert into forms as f (id, site_id, account_id, name, schema, settings)
     values ($1, $2, $3, $4, $5::jsonb, $6::jsonb)
     returning ${COLUMNS}`,
    [input.id, input.siteId, input.accountId, input.name, toJsonb(input.schema), JSON.stringify(input.settings)],
  );
  if (!row) throw new Error('insert into forms returned no row');
  return toForm(row);
}

export async function listFormsByAccount(db: Queryable, accountId: string, siteId?: string): Promise<Form[]> {
  const rows = await db.query<FormRow>(
    `select ${COLUMNS} from forms f
      where f.account_id = $1 and ($2::uuid is null or f.site_id = $2::uuid)
      order by f.created_at, f.id`,
    [accountId, siteId ?? null],
  );
  return rows.map(toForm);
}

export async function getFormForAccount(db: Queryable, accountId: string, formId: string): Promise<Form | null> {
  const [row] = await db.query<FormRow>(`select ${COLUMNS} from forms f where f.account_id = $1 and f.id = $2`, [
    accountId,
    formId,
  ]);
  return row ? toForm(row) : null;
}

export async function updateFormForAccount(
  db: Queryable,
  accountId: string,
  formId: string,
  changes: { name?: string; schema?: FormSchema | null; settings?: FormSettings },
): Promise<Form | null> {
  const [row] = await db.query<FormRow>(
    `update forms f set
        name = coalesce($3, f.name),
        schema = case when $4::boolean then $5::jsonb else f.schema end,
        settings = coalesce($6::jsonb, f.settings),
        updated_at = now()
      where f.account_id = $1 and f.id = $2
      returning ${COLUMNS}`,
    [
      accountId,
      formId,
      changes.name ?? null,
      changes.schema !== undefined,
      toJsonb(changes.schema ?? null),
      changes.settings ? JSON.stringify(changes.settings) : null,
    ],
  );
  return row ? toForm(row) : null;
}

/** Replaces the webhook signing secret; false when the account has no such form. */
export async function setFormWebhookSecret(db: Queryable, accountId: string, formId: string, secret: string): Promise<boolean> {
  const rows = await db.query(
    `update forms set settings = jsonb_set(settings, '{webhookSecret}', to_jsonb($3::text)), updated_at = now()
      where account_id = $1 and id = $2
      returning id`,
    [accountId, formId, secret],
  );
  return rows.length > 0;
}

export async function getPublicForm(db: Queryable, formId: string): Promise<PublicForm | null> {
  const [row] = await db.query<FormRow & { allowed_origins: string[] }>(
    `select ${COLUMNS}, s.allowed_origins
       from forms f join sites s on s.id = f.site_id
      where f.id = $1`,
    [formId],
  );
  return row ? { ...toForm(row), allowedOrigins: row.allowed_origins } : null;
}

export async function deleteFormForAccount(db: Queryable, accountId: string, formId: string): Promise<boolean> {
  const rows = await db.query('delete from forms where account_id = $1 and id = $2 returning id', [accountId, formId]);
  return rows.length > 0;
}

/** Forms that keep submissions for a limited time, with that time in days. */
export async function listFormsWithRetention(db: Queryable): Promise<{ id: string; accountId: string; retentionDays: number }[]> {
  const rows = await db.query<{ id: string; account_id: string; days: number }>(
    `select id, account_id, (settings->>'retentionDays')::int as days
       from forms
      where jsonb_typeof(settings->'retentionDays') = 'number'`,
  );
  return rows.filter((row) => row.days > 0).map((row) => ({ id: row.id, accountId: row.account_id, retentionDays: row.days }));
}

/**
 * Takes one address off the alert recipients (settings.notifyEmails) of every form of the
 * account, as when its person leaves the account; returns the ids of the forms that listed it.
 * Stored recipients are well-formed ASCII addresses, so lower() matches the service's normalised form.
 */
export async function removeNotifyEmailFromAccountForms(db: Queryable, accountId: string, email: string): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    `update forms f
        set settings = jsonb_set(f.settings, '{notifyEmails}', coalesce(
              (select jsonb_agg(e.value order by e.ordinality) from jsonb_array_elements_text(f.settings -> 'notifyEmails') with ordinality as e(value, ordinality)
                where lower(e.value) <> $2), '[]'::jsonb)),
            updated_at = now()
      where f.account_id = $1
        and jsonb_typeof(f.settings -> 'notifyEmails') = 'array'
        and exists (select 1 from jsonb_array_elements_text(f.settings -> 'notifyEmails') as e(value) where lower(e.value) = $2)
      returning f.id`,
    [accountId, email.normalize('NFKC').trim().toLowerCase()],
  );
  return rows.map((row) => row.id).sort();
}
