// GET|POST /api/forms, GET|PATCH|DELETE /api/forms/:formId, POST /api/forms/:formId/whatsapp-test,
// POST /api/forms/:formId/webhook-secret, scoped to the signed-in user's account.
// Secrets in settings (the webhook signing secret, the captcha secret key) are write-only: no
// answer carries them, except the one answer of the request that made a webhook secret.

import type { RequestHandler } from 'express';
import { z } from 'zod';
import { PG_UNIQUE_VIOLATION, pgErrorCode, type Database } from '../db/database.ts';
import { AppError, ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import { accountOf, sessionOf } from '../http/console-session.ts';
import { parseInput } from '../http/input.ts';
import type { AlertRecipients } from '../services/alert-recipients.ts';
import type { FormDirectory } from '../services/form-directory.ts';
import { normalizeEmail } from '../services/email-address.ts';
import { E164, createFormInput, updateFormInput, webhookUrlProblems } from '../services/form-definition.ts';
import { FORM_ID_PATTERN, isUuid, newFormId, randomToken } from '../services/ids.ts';
import type { ChannelResult } from '../notify/channel.ts';
import { saveAuditEntry } from '../store/audit.ts';
import {
  deleteFormForAccount,
  getFormForAccount,
  listFormsByAccount,
  saveForm,
  setFormWebhookSecret,
  updateFormForAccount,
  type CaptchaSettings,
  type Form,
  type FormSettings,
} from '../store/forms.ts';
import { getSiteForAccount } from '../store/sites.ts';

/**
 * A form as every answer shows it: whether each secret is set, never its value. `newWebhookSecret`:
 * the secret this very request made, shown this once (the owner copies it to the receiver).
 */
export function presentForm(form: Form, newWebhookSecret?: string) {
  const { webhookSecret, captcha, ...settings } = form.settings;
  return {
    id: form.id,
    siteId: form.siteId,
    name: form.name,
    schema: form.schema,
    settings: {
      ...settings,
      webhookSecretSet: webhookSecret !== null,
      ...(newWebhookSecret ? { webhookSecret: newWebhookSecret } : {}),
      captcha: captcha && { provider: captcha.provider, siteKey: captcha.siteKey, secretKeySet: Boolean(captcha.secretKey) },
    },
    createdAt: form.createdAt.toISOString(),
    updatedAt: form.updatedAt.toISOString(),
  };
}

const newWebhookSecret = () => `whsec_${randomToken(24)}`;

const listQuery = z.object({ siteId: z.string().max(100).optional() });
const whatsappTestInput = z.object({ to: z.string().trim().regex(E164, 'must be an E.164 number such as +14155550100') }).strict();

/** Sends a test WhatsApp alert for a form; null when Twilio is not configured. */
export type WhatsappTester = ((to: string, form: { id: string; name: string; whatsappContentSid: string | null }) => Promise<ChannelResult>) | null;

export function formNotFound(formId: string): NotFoundError {
  return new NotFoundError('form_not_found', `There is no form ${formId} in this account.`);
}

/** The :formId of a console route, if it can be a form id at all (else it is simply not found). */
export function formIdParam(value: unknown): string {
  const formId = String(value);
  if (!FORM_ID_PATTERN.test(formId)) throw formNotFound(formId.slice(0, 40));
  return formId;
}

/**
 * `embedFor`: the snippets an owner pastes for a form (script tag with SRI, render and enhance forms).
 * `allowPrivateWebhooks`: WEBHOOK_ALLOW_PRIVATE (development), which lets a webhook URL be internal.
 */
export function formRoutes(
  db: Database,
  directory: FormDirectory,
  embedFor: (formId: string) => object,
  whatsappTest: WhatsappTester,
  allowPrivateWebhooks: boolean,
  recipients: AlertRecipients,
  /** The WhatsApp test's per-account hourly limit (a rate limiter), asked once the form and the user pass. */
  whatsappTestLimit: RequestHandler,
) {
  /** A webhook URL the worker would never deliver to is refused when saved. */
  const checkWebhookUrl = (settings: { webhookUrl?: string | null | undefined } | undefined) => {
    const problems = webhookUrlProblems(settings, allowPrivateWebhooks);
    if (problems) throw new ValidationError(problems, 'Some values need attention.');
  };

  const list: RequestHandler = async (req, res) => {
    const { accountId } = accountOf(res);
    const { siteId } = parseInput(listQuery, req.query);
    if (siteId !== undefined && !isUuid(siteId)) {
      res.json({ items: [] });
      return;
    }
    const forms = await listFormsByAccount(db, accountId, siteId);
    res.json({ items: forms.map((form) => presentForm(form)) });
  };

  const create: RequestHandler = async (req, res) => {
    const { accountId } = accountOf(res);
    const input = parseInput(createFormInput, req.body);
    checkWebhookUrl(input.settings);
    const settings = withWebhookSecret(input.settings);
    const made = settings.webhookSecret !== input.settings.webhookSecret ? (settings.webhookSecret ?? undefined) : undefined;
    checkNewRecipients(res, null, input.settings);
    const site = isUuid(input.siteId) ? await getSiteForAccount(db, accountId, input.siteId) : null;
    if (!site) throw new NotFoundError('site_not_found', `There is no site ${input.siteId} in this account.`);
    for (let attempt = 1; ; attempt++) {
      try {
        const form = await saveForm(db, {
          id: newFormId(),
          siteId: site.id,
          accountId,
          name: input.name,
          schema: input.schema,
          settings,
        });
        await recipients.register(db, accountId, sessionOf(res).accountName ?? '', form.settings);
        res.status(201).json(presentForm(form, made));
        return;
      } catch (error) {
        // A random id already taken: astronomically rare, and another draw fixes it.
        if (pgErrorCode(error) !== PG_UNIQUE_VIOLATION || attempt >= 3) throw error;
      }
    }
  };

  const get: RequestHandler = async (req, res) => {
    const { accountId } = accountOf(res);
    const formId = formIdParam(req.params['formId']);
    const form = await getFormForAccount(db, accountId, formId);
    if (!form) throw formNotFound(formId);
    res.json(presentForm(form));
  };

  /** GET /api/forms/:formId/embed: what the owner pastes into a page. */
  const embed: RequestHandler = async (req, res) => {
    const { accountId } = accountOf(res);
    const formId = formIdParam(req.params['formId']);
    const form = await getFormForAccount(db, accountId, formId);
    if (!form) throw formNotFound(formId);
    res.json(embedFor(form.id));
  };

  const update: RequestHandler = async (req, res) => {
    const { accountId, role } = accountOf(res);
    const formId = formIdParam(req.params['formId']);
    const input = parseInput(updateFormInput, req.body);
    checkWebhookUrl(input.settings);
    // Choosing the signing secret is choosing what the receiver trusts: an owner's call, like rotating it.
    if (input.settings?.webhookSecret != null && role !== 'owner') {
      throw new ForbiddenError('owner_required', 'Only an owner of this account can set the webhook signing secret.');
    }
    const current = await getFormForAccount(db, accountId, formId);
    if (!current) throw formNotFound(formId);
    let made: string | undefined;
    let settings: FormSettings | undefined;
    if (input.settings !== undefined) {
      const { captcha, ...rest } = dropUndefined(input.settings);
      const merged = { ...current.settings, ...rest, ...(captcha !== undefined ? { captcha: withStoredSecretKey(captcha, current.settings.captcha) } : {}) };
      settings = withWebhookSecret(merged);
      if (settings.webhookSecret !== merged.webhookSecret) made = settings.webhookSecret ?? undefined;
    }
    checkNewRecipients(res, current.settings, input.settings);
    const form = await updateFormForAccount(db, accountId, formId, {
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.schema !== undefined ? { schema: input.schema } : {}),
      ...(settings !== undefined ? { settings } : {}),
    });
    if (!form) throw formNotFound(formId);
    directory.invalidate(formId);
    if (input.settings !== undefined) {
      await recipients.register(db, accountId, sessionOf(res).accountName ?? '', form.settings);
      const changes = settingsChanges(current.settings, form.settings);
      if (Object.keys(changes).length > 0) {
        await saveAuditEntry(db, { accountId, actor: accountOf(res), action: 'form.settings', target: formId, details: { changes } });
      }
    }
    res.json(presentForm(form, made));
  };

  /**
   * POST /api/forms/:formId/webhook-secret (owner-only): a new signing secret, answered this once;
   * deliveries from now on are signed with it, so signatures made with the old one stop verifying.
   */
  const rotateWebhookSecret: RequestHandler = async (req, res) => {
    const actor = accountOf(res);
    const formId = formIdParam(req.params['formId']);
    const webhookSecret = newWebhookSecret();
    if (!(await setFormWebhookSecret(db, actor.accountId, formId, webhookSecret))) throw formNotFound(formId);
    directory.invalidate(formId);
    await saveAuditEntry(db, { accountId: actor.accountId, actor, action: 'form.webhook_secret.rotate', target: formId });
    res.json({ webhookSecret });
  };

  /** Deletes the form and every submission to it (owner-only). */
  const remove: RequestHandler = async (req, res) => {
    const actor = accountOf(res);
    const formId = formIdParam(req.params['formId']);
    const form = await getFormForAccount(db, actor.accountId, formId);
    if (!form || !(await deleteFormForAccount(db, actor.accountId, formId))) throw formNotFound(formId);
    directory.invalidate(formId);
    await saveAuditEntry(db, { accountId: actor.accountId, actor, action: 'form.delete', target: formId, details: { name: form.name } });
    res.status(204).end();
  };

  /** POST /api/forms/:formId/whatsapp-test {to}: one test alert, sent now, so an owner sees the number works. */
  const testWhatsapp: RequestHandler = async (req, res) => {
    const { accountId } = accountOf(res);
    const formId = formIdParam(req.params['formId']);
    const { to } = parseInput(whatsappTestInput, req.body);
    const form = await getFormForAccount(db, accountId, formId);
    if (!form) throw formNotFound(formId);
    // Each test is a paid message to a number of the user's choosing: verified users only, a few an hour per account.
    if (!sessionOf(res).emailVerified) {
      throw new ForbiddenError('email_unverified', 'Confirm your email address first: WhatsApp tests are for verified accounts.');
    }
    await new Promise<void>((resolve, reject) => void whatsappTestLimit(req, res, (error?: unknown) => (error ? reject(error) : resolve())));
    if (!whatsappTest) {
      throw new ConflictError('whatsapp_not_configured', 'WhatsApp is not set up on this service (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_WHATSAPP_FROM).');
    }
    const result = await whatsappTest(to, { id: form.id, name: form.name, whatsappContentSid: form.settings.whatsappContentSid });
    if (result.outcome === 'failed') {
      // Twilio refused it (a number it does not know, a template it does not have) or could not be reached.
      if (result.permanent) throw new ValidationError({ to: result.error }, 'WhatsApp did not take the test message.');
      throw new AppError(422, 'whatsapp_failed', `WhatsApp could not send the test message now: ${result.error}`);
    }
    res.json({ sent: true });
  };

  return { list, create, get, embed, update, remove, testWhatsapp, rotateWebhookSecret };
}

/**
 * Until the acting user has verified their own email address, the only alert recipient they may
 * add is that address (a sign-up with someone else's address must not mail strangers); what the
 * form had before stays. Verified users may add anyone: each new recipient still confirms once.
 */
function checkNewRecipients(res: Parameters<RequestHandler>[1], current: FormSettings | null, next: { notifyEmails?: string[] | undefined; notifyWhatsapp?: string[] | undefined } | undefined): void {
  const session = sessionOf(res);
  if (session.emailVerified || !next) return;
  const own = normalizeEmail(session.email);
  const had = new Set([...(current?.notifyEmails ?? []).map(normalizeEmail), ...(current?.notifyWhatsapp ?? [])]);
  const added = [...(next.notifyEmails ?? []).map(normalizeEmail), ...(next.notifyWhatsapp ?? [])].filter((address) => !had.has(address));
  if (added.some((address) => address !== own)) {
    throw new ForbiddenError('email_unverified', 'Confirm your email address first: until then alerts can go only to your own address.');
  }
}

/** What a settings change changed, for the audit log: old and new values; secrets only as "rotated" (or "removed"). */
export function settingsChanges(before: FormSettings, after: FormSettings): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  const secret = (value: string | null | undefined) => (value ? 'rotated' : 'removed');
  for (const key of Object.keys(after) as (keyof FormSettings)[]) {
    if (key === 'webhookSecret') {
      if (!same(before.webhookSecret, after.webhookSecret)) changes['webhookSecret'] = secret(after.webhookSecret);
    } else if (key === 'captcha') {
      const visible = (captcha: FormSettings['captcha']) => (captcha ? { provider: captcha.provider, siteKey: captcha.siteKey } : null);
      if (!same(visible(before.captcha), visible(after.captcha))) changes['captcha'] = { old: visible(before.captcha), new: visible(after.captcha) };
      if (!same(before.captcha?.secretKey, after.captcha?.secretKey)) changes['captcha.secretKey'] = secret(after.captcha?.secretKey);
    } else if (!same(before[key], after[key])) {
      changes[key] = { old: before[key] ?? null, new: after[key] ?? null };
    }
  }
  return changes;
}

/** A form with a webhook gets a signing secret (whsec_...) when it has none. */
function withWebhookSecret(settings: FormSettings): FormSettings {
  return settings.webhookUrl && !settings.webhookSecret ? { ...settings, webhookSecret: newWebhookSecret() } : settings;
}

/**
 * A captcha change that leaves the secret key out keeps the stored one (answers never show it,
 * so a client cannot send it back); without a stored one, the key is required.
 */
function withStoredSecretKey(captcha: { provider: CaptchaSettings['provider']; siteKey: string; secretKey?: string | undefined } | null, stored: CaptchaSettings | null): CaptchaSettings | null {
  if (captcha === null) return null;
  const secretKey = captcha.secretKey ?? stored?.secretKey;
  if (!secretKey) throw new ValidationError({ 'settings.captcha.secretKey': 'is required' }, 'Some values need attention.');
  return { provider: captcha.provider, siteKey: captcha.siteKey, secretKey };
}

function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
