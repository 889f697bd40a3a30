// GET|POST /api/forms, GET|PATCH|DELETE /api/forms/:formId, POST /api/forms/:formId/whatsapp-test,
// scoped to the signed-in user's account.

import type { RequestHandler } from 'express';
import { z } from 'zod';
import { PG_UNIQUE_VIOLATION, pgErrorCode, type Database } from '../db/database.ts';
import { AppError, ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { accountOf } from '../http/console-session.ts';
import { parseInput } from '../http/input.ts';
import type { FormDirectory } from '../services/form-directory.ts';
import { E164, createFormInput, updateFormInput, webhookUrlProblems } from '../services/form-definition.ts';
import { FORM_ID_PATTERN, isUuid, newFormId, randomToken } from '../services/ids.ts';
import type { ChannelResult } from '../notify/channel.ts';
import { saveAuditEntry } from '../store/audit.ts';
import { deleteFormForAccount, getFormForAccount, listFormsByAccount, saveForm, updateFormForAccount, type Form, type FormSettings } from '../store/forms.ts';
import { getSiteForAccount } from '../store/sites.ts';

export function presentForm(form: Form) {
  return {
    id: form.id,
    siteId: form.siteId,
    name: form.name,
    schema: form.schema,
    settings: form.settings,
    createdAt: form.createdAt.toISOString(),
    updatedAt: form.updatedAt.toISOString(),
  };
}

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
    res.json({ items: forms.map(presentForm) });
  };

  const create: RequestHandler = async (req, res) => {
    const { accountId } = accountOf(res);
    const input = parseInput(createFormInput, req.body);
    checkWebhookUrl(input.settings);
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
          settings: withWebhookSecret(input.settings),
        });
        res.status(201).json(presentForm(form));
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
    const { accountId } = accountOf(res);
    const formId = formIdParam(req.params['formId']);
    const input = parseInput(updateFormInput, req.body);
    checkWebhookUrl(input.settings);
    const current = await getFormForAccount(db, accountId, formId);
    if (!current) throw formNotFound(formId);
    const form = await updateFormForAccount(db, accountId, formId, {
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.schema !== undefined ? { schema: input.schema } : {}),
      ...(input.settings !== undefined ? { settings: withWebhookSecret({ ...current.settings, ...dropUndefined(input.settings) }) } : {}),
    });
    if (!form) throw formNotFound(formId);
    directory.invalidate(formId);
    res.json(presentForm(form));
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

  return { list, create, get, embed, update, remove, testWhatsapp };
}

/** A form with a webhook gets a signing secret (whsec_...) when it has none. */
function withWebhookSecret(settings: FormSettings): FormSettings {
  return settings.webhookUrl && !settings.webhookSecret ? { ...settings, webhookSecret: `whsec_${randomToken(24)}` } : settings;
}

function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
