// GET|POST /api/forms, GET|PATCH|DELETE /api/forms/:formId, POST /api/forms/:formId/whatsapp-test,
// POST /api/forms/:formId/webhook-secret, scoped to the signed-in user's account.
// Secrets in settings (the webhook signing secret, the captcha secret key) are write-only: no
// answer carries them, except the one answer of the request that made a webhook secret.

import type { RequestHandler } from 'express';
import { z } from 'zod';
import { PG_UNIQUE_VIOLATION, pgErrorCode, type Database } from '../db/database.ts';
import { AppError, ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import { accountOf } from '../http/console-session.ts';
import { parseInput } from '../http/input.ts';
import type { FormDirectory } from '../services/form-directory.ts';
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
export function formRoutes(db: Database, directory: FormDirectory, embedFor: (formId: string) => object, whatsappTest: WhatsappTester, allowPrivateWebhooks = false) {
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
    const form = await updateFormForAccount(db, accountId, formId, {
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.schema !== undefined ? { schema: input.schema } : {}),
      ...(settings !== undefined ? { settings } : {}),
    });
    if (!form) throw formNotFound(formId);
    directory.invalidate(formId);
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
