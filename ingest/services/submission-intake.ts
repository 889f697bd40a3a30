// What happens to a parsed submission: the idempotency lookup, spam checks, the shared validator,
// the outbox jobs the form's settings call for, then the group-committed write.

import { LRUCache } from 'lru-cache';
import type { Queryable } from '../db/database.ts';
import { formatFieldError, messagesFor } from '../../widget/i18n.ts';
import { validateSubmission, type CleanData, type FieldError } from '../../widget/validate.ts';
import { ForbiddenError, ValidationError, type ErrorFields } from '../errors.ts';
import type { PublicForm } from '../store/forms.ts';
import { findSubmissionIdsByKeys, idempotencyMapKey, type JobKind, type NewSubmission, type SubmissionMeta } from '../store/submissions.ts';
import type { CaptchaVerifier } from './captcha.ts';
import { newSubmissionId } from './ids.ts';
import { matchPatternSafely } from './safe-pattern.ts';
import { hashIp, type Secrets } from './secrets.ts';
import type { SubmissionBody } from './submission-body.ts';
import type { SubmissionWriter } from './submission-writer.ts';
import { checkTimeToken } from './time-trap.ts';
import { submitterEmail } from './submitter.ts';

export interface SubmissionContext {
  ip: string | undefined;
  userAgent: string | undefined;
  origin: string | undefined;
  referer: string | undefined;
  idempotencyKey: string | null;
  /** The visitor's language (the widget sends its own), for the 422 messages. */
  lang?: string | undefined;
  /** The widget sends this submission again (`?retry=`): an earlier attempt failed or its answer was lost. */
  retry?: boolean | undefined;
}

/** `status` is this post's own verdict; a duplicate (the first answer replayed) reports 'new'. */
export type IntakeOutcome = { id: string; status: 'new' | 'spam'; duplicate: boolean };

// More links than this in one submission is what link spam looks like, not a contact request.
const MAX_LINKS = 5;
const LINK = /https?:\/\/|www\./gi;
const MARKUP_SPAM = /\[url=|<a\s+href=/i;
const MAX_META_LENGTH = 512;

function contentSpamReason(fields: CleanData): string | null {
  let links = 0;
  const visit = (value: unknown): boolean => {
    if (typeof value === 'string') {
      if (MARKUP_SPAM.test(value)) return true;
      links += value.match(LINK)?.length ?? 0;
      return links > MAX_LINKS;
    }
    if (value && typeof value === 'object') return Object.values(value).some(visit);
    return false;
  };
  return Object.values(fields).some(visit) ? 'content_links' : null;
}

function clip(value: string | undefined): string | undefined {
  return value === undefined ? undefined : value.slice(0, MAX_META_LENGTH);
}

function jobsFor(form: PublicForm, data: CleanData): { kind: JobKind; target: string }[] {
  const jobs: { kind: JobKind; target: string }[] = [];
  if (form.settings.autoresponse) {
    const submitter = submitterEmail(form.schema, data);
    if (submitter) jobs.push({ kind: 'autoresponse', target: submitter });
  }
  for (const email of form.settings.notifyEmails) jobs.push({ kind: 'email', target: email });
  for (const phone of form.settings.notifyWhatsapp) jobs.push({ kind: 'whatsapp', target: phone });
  if (form.settings.webhookUrl) jobs.push({ kind: 'webhook', target: form.settings.webhookUrl });
  return jobs;
}

export class SubmissionIntake {
  // A busy visitor (or a bot) posts again and again: hash each address once in a while, not per post.
  private readonly ipHashes = new LRUCache<string, string>({ max: 10_000 });

  constructor(
    private readonly writer: SubmissionWriter,
    private readonly secrets: Secrets,
    private readonly verifyCaptcha: CaptchaVerifier,
    /** Where a repeated Idempotency-Key is looked up before anything else. */
    private readonly db?: Queryable,
  ) {}

  private hashIp(ip: string): string {
    let hash = this.ipHashes.get(ip);
    if (hash === undefined) {
      hash = hashIp(this.secrets.ipHashKey, ip);
      this.ipHashes.set(ip, hash);
    }
    return hash;
  }

  async accept(form: PublicForm, body: SubmissionBody, context: SubmissionContext): Promise<IntakeOutcome> {
    // A repeated Idempotency-Key gets the first answer, whatever else has changed since: a
    // captcha token spent by the first attempt, an expired time token, an edited schema. Asked
    // up front only for a retry (the widget marks them) or a form with a captcha: a first post
    // without one costs no extra query (the write itself keeps a key stored once).
    const key = context.idempotencyKey;
    if (key !== null && this.db && (context.retry || form.settings.captcha)) {
      const stored = await findSubmissionIdsByKeys(this.db, [{ formId: form.id, idempotencyKey: key }]);
      const id = stored.get(idempotencyMapKey(form.id, key));
      if (id !== undefined) return { id, status: 'new', duplicate: true };
    }

    let spamReason: string | null = body.honeypot.trim() !== '' ? 'honeypot' : null;
    if (!spamReason) {
      const verdict = checkTimeToken(this.secrets.timeTrapKey, form.id, body.timeToken);
      if (verdict.spam) spamReason = verdict.reason;
    }

    // A form with a challenge: a missing or failed token is refused (the visitor, still on the
    // page, can solve it again). A provider that cannot be asked, or a failed token on a retry,
    // files the submission as spam rather than lose it: a retry may come long after the visitor
    // left (sent from the widget's queue), with a token that expired meanwhile (Turnstile and
    // hCaptcha tokens work once, for about five minutes), or spent by an attempt whose answer
    // was lost. The owner finds it among spam, with the reason.
    if (!spamReason && form.settings.captcha) {
      const verdict = await this.verifyCaptcha(form.settings.captcha, body.captchaToken, context.ip);
      if (verdict === 'bad' && !context.retry) throw new ForbiddenError('captcha_failed', 'The captcha was not solved; please try again.');
      if (verdict !== 'good') spamReason = verdict === 'bad' ? 'captcha_expired' : 'captcha_unverified';
    }

    let data: CleanData;
    const result = validateSubmission(form.schema, body.fields, { matchPattern: matchPatternSafely });
    if (result.ok) {
      data = result.data;
    } else if (spamReason) {
      // A bot that tripped a trap is answered like everyone else and filed away with what it sent,
      // as long as that is storable at all.
      const raw = validateSubmission(null, body.fields);
      if (!raw.ok) throw this.validationError(form, raw.errors, context.lang);
      data = raw.data;
    } else {
      throw this.validationError(form, result.errors, context.lang);
    }
    spamReason ??= contentSpamReason(data);

    const meta: SubmissionMeta = {
      via: body.kind,
      ...(context.ip ? { ipHash: this.hashIp(context.ip) } : {}),
      ...(context.userAgent ? { userAgent: clip(context.userAgent) } : {}),
      ...(context.origin ? { origin: clip(context.origin) } : {}),
      ...(context.referer ? { referer: clip(context.referer) } : {}),
      ...(spamReason ? { spamReason } : {}),
    };
    const status = spamReason ? 'spam' : 'new';
    const submission: NewSubmission = {
      id: newSubmissionId(),
      formId: form.id,
      siteId: form.siteId,
      accountId: form.accountId,
      data,
      meta,
      status,
      idempotencyKey: context.idempotencyKey,
      createdAt: new Date(),
      // Spam notifies nobody.
      jobs: status === 'spam' ? [] : jobsFor(form, data),
    };
    const outcome = await this.writer.write(submission);
    return { id: outcome.id, status, duplicate: outcome.duplicate };
  }

  private validationError(form: PublicForm, errors: Record<string, FieldError>, lang: string | undefined): ValidationError {
    const { messages } = messagesFor([lang, form.schema?.locale], form.schema?.messages);
    const fields: ErrorFields = {};
    for (const [name, error] of Object.entries(errors)) {
      fields[name] = formatFieldError(error, messages);
    }
    return new ValidationError(fields);
  }
}
