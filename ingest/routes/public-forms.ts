// The public, cookie-less routes a visitor's browser talks to: the form definition the widget
// renders from, and the submission endpoint (JSON, text/plain JSON, or a plain HTML form post).

import { createHash } from 'node:crypto';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { FORM_CSS } from '../../widget/embed/styles.ts';
import { messagesFor } from '../../widget/i18n.ts';
import { HONEYPOT_FIELD, TIME_TRAP_FIELD } from '../../widget/schema.ts';
import { BadRequestError, ForbiddenError, NotFoundError } from '../errors.ts';
import { renderThanksPage } from '../http/html-pages.ts';
import '../http/locals.ts';
import { CAPTCHA_PROVIDERS } from '../services/captcha.ts';
import type { FormDirectory } from '../services/form-directory.ts';
import type { Secrets } from '../services/secrets.ts';
import { parseSubmissionBody } from '../services/submission-body.ts';
import type { SubmissionIntake } from '../services/submission-intake.ts';
import { issueTimeToken } from '../services/time-trap.ts';
import type { PublicForm } from '../store/forms.ts';

export interface PublicFormDeps {
  forms: FormDirectory;
  intake: SubmissionIntake;
  secrets: Secrets;
  maxBodyBytes: number;
  /** helmet's headers for pages (CSP and the rest), for the HTML this module answers. */
  documentHeaders: RequestHandler;
  /** Where the captcha provider's script is loaded from, when not the provider itself. */
  captchaScriptUrl?: string | undefined;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
/** Part of every definition's ETag: a release that changes the rendered form's stylesheet is not answered 304. */
const CSS_VERSION = createHash('sha256').update(FORM_CSS).digest('base64url').slice(0, 8);
const EXPOSED_HEADERS = 'Retry-After, Idempotent-Replayed, X-Request-Id';

function originOf(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    return new URL(value).origin;
  } catch {
    return 'null';
  }
}

/** The page the request came from: its Origin header, else its Referer's origin, else none (not a browser). */
function requestOrigin(req: Request): string | undefined {
  return req.get('origin') ?? originOf(req.get('referer'));
}

function isAllowed(form: PublicForm, origin: string | undefined): boolean {
  if (origin === undefined) return true;
  return form.allowedOrigins.includes('*') || (origin !== 'null' && form.allowedOrigins.includes(origin));
}

function httpUrlOrUndefined(value: string | undefined): string | undefined {
  return value && /^https?:\/\//i.test(value) ? value : undefined;
}

/** A plain HTML form posted without JavaScript wants a page back, not JSON. */
function isPlainFormPost(req: Request): boolean {
  const type = req.headers['content-type'];
  // A cheap look first: JSON posts (the common case) skip content negotiation entirely.
  if (!type || !/^\s*(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type)) return false;
  return req.accepts(['json', 'html']) === 'html';
}

/** What the widget needs to show the form's challenge (never the secret key). */
function captchaOf(form: PublicForm, scriptUrl: string | undefined) {
  const captcha = form.settings.captcha;
  if (!captcha) return null;
  const provider = CAPTCHA_PROVIDERS[captcha.provider];
  return { provider: captcha.provider, siteKey: captcha.siteKey, script: scriptUrl ?? provider.script, className: provider.className };
}

export function publicFormRoutes(deps: PublicFormDeps) {
  const useForm = (form: PublicForm | null, formId: string, req: Request, res: Response, next: NextFunction) => {
    if (!form) {
      // Let the page's script read why (nothing about a missing form is secret).
      const origin = req.get('origin');
      if (origin) res.setHeader('Access-Control-Allow-Origin', origin);
      throw new NotFoundError('form_not_found', `There is no form ${formId}.`);
    }
    res.locals.form = form;
    next();
  };

  // A popular form is nearly always in the cache: then no promise is made at all.
  const loadForm: RequestHandler = (req, res, next) => {
    const formId = String(req.params['formId']);
    const cached = deps.forms.cached(formId);
    if (cached !== undefined) return useForm(cached, formId, req, res, next);
    return deps.forms.get(formId).then((form) => useForm(form, formId, req, res, next));
  };

  /** CORS from the site's allowed origins; a post from any other page is refused with 403. */
  const checkOrigin: RequestHandler = (req, res, next) => {
    const form = res.locals.form as PublicForm;
    const origin = requestOrigin(req);
    const browserOrigin = req.get('origin');
    if (browserOrigin) {
      res.setHeader('Vary', 'Origin');
      // Also on the 403, so the widget can show the owner's visitors why, instead of retrying.
      res.setHeader('Access-Control-Allow-Origin', browserOrigin);
      res.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    }
    if (!isAllowed(form, origin)) {
      throw new ForbiddenError('origin_not_allowed', `This form does not accept submissions from ${origin}.`);
    }
    next();
  };

  const preflight: RequestHandler = (req, res) => {
    const form = res.locals.form as PublicForm;
    const origin = req.get('origin');
    res.setHeader('Vary', 'Origin');
    if (!origin || !isAllowed(form, origin)) {
      res.status(403).json(new ForbiddenError('origin_not_allowed', `This form does not accept submissions from ${origin ?? 'here'}.`).toJSON());
      return;
    }
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST');
    res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Idempotency-Key');
    res.setHeader('Access-Control-Max-Age', '86400');
    res.status(204).end();
  };

  const rawBody = express.raw({ type: () => true, limit: deps.maxBodyBytes });

  /**
   * Marks the post so its outcome is counted whichever step answers it, spots a plain HTML form
   * post (it gets HTML answers), and reads the body within the size limit.
   */
  const receive: RequestHandler = (req, res, next) => {
    res.locals.isSubmission = true;
    if (isPlainFormPost(req)) {
      res.locals.respondWithHtml = true;
      deps.documentHeaders(req, res, () => {});
      const back = httpUrlOrUndefined(req.get('referer'));
      if (back) res.locals.backUrl = back;
    }
    // RFC 9110: a recipient should treat x-gzip as gzip.
    if (req.headers['content-encoding']?.toLowerCase() === 'x-gzip') req.headers['content-encoding'] = 'gzip';
    rawBody(req, res, next);
  };

  const submit: RequestHandler = async (req, res) => {
    const form = res.locals.form as PublicForm;
    const keyHeader = req.get('idempotency-key');
    if (keyHeader !== undefined && !IDEMPOTENCY_KEY.test(keyHeader)) {
      throw new BadRequestError('invalid_idempotency_key', 'Idempotency-Key must be 1 to 255 visible ASCII characters.');
    }
    const body = parseSubmissionBody(req.get('content-type'), Buffer.isBuffer(req.body) ? req.body : undefined);
    const outcome = await deps.intake.accept(form, body, {
      ip: res.locals.clientIp,
      userAgent: req.get('user-agent'),
      origin: req.get('origin'),
      referer: req.get('referer'),
      idempotencyKey: keyHeader ?? null,
      // (Express parses the query string on first read: most posts have none to parse.)
      lang: req.url.includes('lang=') && typeof req.query['lang'] === 'string' ? req.query['lang'] : undefined,
      retry: req.url.includes('retry=') && req.query['retry'] !== undefined && req.query['retry'] !== '0',
    });
    res.locals.outcome = outcome.duplicate ? 'duplicate' : outcome.status === 'spam' ? 'spam' : 'accepted';
    if (outcome.duplicate) res.setHeader('Idempotent-Replayed', 'true');
    if (res.locals.respondWithHtml) {
      res.redirect(303, form.settings.redirectUrl ?? `/v1/f/${encodeURIComponent(form.id)}/thanks`);
      return;
    }
    // Written directly: express's res.json() does content negotiation work a fixed answer does not need.
    const json = `{"id":"${outcome.id}"}`;
    res.writeHead(201, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': json.length }).end(json);
  };

  const definition: RequestHandler = (req, res) => {
    const form = res.locals.form as PublicForm;
    const asked = typeof req.query['lang'] === 'string' ? req.query['lang'] : undefined;
    // The visitor's language (the widget's data-lang, the page's lang, the browser's), else the form's.
    const { lang, messages } = messagesFor([asked, form.schema?.locale], form.schema?.messages);
    const etag = `W/"${form.id}-${form.updatedAt.getTime()}-${lang}-${CSS_VERSION}"`;
    res.setHeader('ETag', etag);
    // Revalidate every time: an edited form shows at once. A cached copy's older time token
    // only makes the time trap more lenient.
    res.setHeader('Cache-Control', 'no-cache');
    if (req.get('if-none-match') === etag) {
      res.status(304).end();
      return;
    }
    res.json({
      id: form.id,
      name: form.name,
      schema: form.schema,
      redirectUrl: form.settings.redirectUrl,
      successMessage: form.schema?.successMessage ?? messages.sent,
      lang,
      messages,
      // The stylesheet of a rendered form: sent here rather than in the script, which every page
      // loads, enhanced forms included (widget/embed/styles.ts).
      css: FORM_CSS,
      spam: {
        honeypot: HONEYPOT_FIELD,
        timeField: TIME_TRAP_FIELD,
        timeToken: issueTimeToken(deps.secrets.timeTrapKey, form.id),
      },
      captcha: captchaOf(form, deps.captchaScriptUrl),
    });
  };

  const thanks: RequestHandler = (req, res) => {
    const form = res.locals.form as PublicForm;
    deps.documentHeaders(req, res, () => {});
    res.type('html').send(renderThanksPage(form.schema?.successMessage ?? messagesFor([form.schema?.locale]).messages.sent, httpUrlOrUndefined(req.get('referer'))));
  };

  return { receive, loadForm, checkOrigin, preflight, submit, definition, thanks };
}
