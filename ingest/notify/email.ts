// The owner's email notification, sent with nodemailer over SMTP_URL: the form and site in the
// subject, the fields as a table (every value escaped) in HTML and as plain text, Reply-To the
// submitter's address when the form has one, and a link to the submission in the console.

import nodemailer from 'nodemailer';
import { quoted } from '../services/quoted.ts';
import { submitterEmail } from '../services/submitter.ts';
import type { ClaimedAccountEmail, ClaimedJob, JobSubject } from '../store/jobs.ts';
import { fieldRows, waitingChannel, type Channel, type ChannelResult } from './channel.ts';
import { SMTP_MISSING } from './waiting.ts';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

/** One line, no control characters: safe in a header. */
function headerText(text: string, max = 150): string {
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim().slice(0, max);
}

export interface OwnerEmail {
  subject: string;
  text: string;
  html: string;
  replyTo: string | undefined;
}

export function renderOwnerEmail(subject: JobSubject, consoleUrl: string): OwnerEmail {
  const rows = fieldRows(subject);
  const link = `${consoleUrl}#/submissions/${subject.submissionId}`;
  // The form's and site's names are the owner's (or an attacker's) words: quoted data, never the sentence's.
  const form = quoted(subject.formName, 80);
  const site = quoted(subject.siteName, 80);
  const title = headerText(`New submission: ${form} (${site})`, 200);
  const text = [
    `New submission to ${form} on ${site}, ${subject.createdAt.toISOString()}`,
    '',
    ...rows.map((row) => `${row.label}: ${row.value}`),
    '',
    `See it in the console: ${link}`,
  ].join('\n');
  const cell = 'style="padding:6px 10px;border-bottom:1px solid #e5e7eb;vertical-align:top;text-align:left"';
  const html = `<!doctype html><html><body style="font:15px/1.5 system-ui,sans-serif;color:#1f2937">
<p>New submission to <strong>${escapeHtml(form)}</strong> on ${escapeHtml(site)}, ${escapeHtml(subject.createdAt.toISOString())}</p>
<table style="border-collapse:collapse">
${rows.map((row) => `<tr><th ${cell}>${escapeHtml(row.label)}</th><td ${cell}>${escapeHtml(row.value).replace(/\n/g, '<br>')}</td></tr>`).join('\n')}
</table>
<p><a href="${escapeHtml(link)}">See it in the console</a></p>
</body></html>`;
  return { subject: title, text, html, replyTo: submitterEmail(subject.schema, subject.data) };
}

/** A nodemailer SMTP transport with bounded waits (read from the URL's query), unless the URL sets its own. */
function smtpTransport(smtpUrl: string) {
  const url = new URL(smtpUrl);
  for (const [name, ms] of [['connectionTimeout', '10000'], ['greetingTimeout', '10000'], ['socketTimeout', '30000']] as const) {
    if (!url.searchParams.has(name)) url.searchParams.set(name, ms);
  }
  return nodemailer.createTransport(url.toString());
}

/**
 * Whether an SMTP failure is about this recipient or this message, so that sending the same
 * again cannot help: a 550–554 answer to RCPT TO (no such mailbox, relaying denied for it) or to
 * the message itself (DATA: refused content, too big). Anything else is about the service's own
 * setup or the server's state (530/535 authentication, a refused sender, a 554 greeting, 4xx,
 * no connection) and is retried: a wrong password must not kill every notification at once.
 */
export function isRecipientOrMessageRefusal(error: unknown): boolean {
  const { responseCode, command } = error as { responseCode?: unknown; command?: unknown };
  return typeof responseCode === 'number' && responseCode >= 550 && responseCode <= 554 && (command === 'RCPT TO' || command === 'DATA');
}

function failure(error: unknown, what: string): ChannelResult {
  const message = error instanceof Error ? error.message : String(error);
  return { outcome: 'failed', error: `${what}: ${message}`, permanent: isRecipientOrMessageRefusal(error) };
}


export function emailChannel(options: { smtpUrl: string | undefined; from: string; consoleUrl: string }): Channel {
  if (!options.smtpUrl) return waitingChannel(SMTP_MISSING);
  const transport = smtpTransport(options.smtpUrl);
  const messageHost = new URL(options.consoleUrl).hostname;
  return {
    async deliver(job: ClaimedJob, subject: JobSubject): Promise<ChannelResult> {
      const mail = renderOwnerEmail(subject, options.consoleUrl);
      try {
        await transport.sendMail({
          from: options.from,
          to: job.target,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          ...(mail.replyTo ? { replyTo: mail.replyTo } : {}),
          // One id per job: a retry after a lost acknowledgement is recognisably the same message.
          messageId: `<job-${job.id}.${subject.submissionId}@${messageHost}>`,
          headers: { 'X-Formline-Submission': subject.submissionId },
        });
        return { outcome: 'sent' };
      } catch (error) {
        return failure(error, 'email');
      }
    },
    close: () => transport.close(),
  };
}

/** "{name}" in an autoresponse becomes the submitted value of the field "name" (as plain text). */
export function fillIn(template: string, data: Readonly<Record<string, unknown>>, wrap: (value: string) => string = (value) => value): string {
  return template.replace(/\{([A-Za-z0-9_.-]{1,100})\}/g, (whole, name: string) => {
    const value = Object.hasOwn(data, name) ? data[name] : undefined;
    return value === undefined || value === null ? '' : wrap(Array.isArray(value) ? value.join(', ') : String(value));
  });
}

/**
 * The opt-in answer to whoever submitted the form: plain text, from MAIL_FROM. At most
 * `perAddressPerDay` to one address in 24 hours, so the form cannot be used to mail strangers.
 */
export function autoresponseChannel(options: {
  smtpUrl: string | undefined;
  from: string;
  perAddressPerDay: number;
  sentSince: (target: string, since: Date) => Promise<number>;
}): Channel {
  if (!options.smtpUrl) return waitingChannel(SMTP_MISSING);
  const transport = smtpTransport(options.smtpUrl);
  return {
    // (Several workers at once may each send one more than the limit; one worker never does:
    // see the `limitation:` test in test/notifications.test.ts.)
    onePerTargetAtATime: true,
    async deliver(job: ClaimedJob, subject: JobSubject): Promise<ChannelResult> {
      const settings = subject.autoresponse;
      if (!settings) return { outcome: 'failed', error: 'autoresponse: the form no longer sends one', permanent: true };
      const recent = await options.sentSince(job.target, new Date(Date.now() - 24 * 3600_000));
      if (recent >= options.perAddressPerDay) {
        return {
          outcome: 'failed',
          permanent: true,
          error: `autoresponse not sent: ${job.target} already had ${recent} in 24 hours (the limit is ${options.perAddressPerDay})`,
        };
      }
      try {
        await transport.sendMail({
          from: options.from,
          to: job.target,
          // What the visitor typed is quoted data in the subject, never words of the service's own.
          subject: headerText(fillIn(settings.subject, subject.data, (value) => quoted(value, 80)), 200),
          text: fillIn(settings.message, subject.data),
          headers: { 'X-Formline-Submission': subject.submissionId, 'Auto-Submitted': 'auto-replied' },
        });
        return { outcome: 'sent' };
      } catch (error) {
        return failure(error, 'autoresponse');
      }
    },
    close: () => transport.close(),
  };
}

/** Sends the emails about accounts (verification, password reset, invitations, quota warnings). */
export interface AccountMailer {
  deliver(job: ClaimedAccountEmail): Promise<ChannelResult>;
  /** Set when SMTP_URL is missing: why these emails wait. */
  waiting?: string;
  close?(): void;
}

export function accountMailer(options: { smtpUrl: string | undefined; from: string; consoleUrl: string }): AccountMailer {
  if (!options.smtpUrl) return { waiting: SMTP_MISSING, deliver: async () => ({ outcome: 'failed', error: SMTP_MISSING }) };
  const transport = smtpTransport(options.smtpUrl);
  const messageHost = new URL(options.consoleUrl).hostname;
  return {
    async deliver(job) {
      const mail = job.payload;
      if (!mail) return { outcome: 'failed', error: 'account email: the message is gone', permanent: true };
      try {
        await transport.sendMail({
          from: options.from,
          to: job.target,
          subject: headerText(mail.subject, 200),
          text: mail.text,
          ...(mail.html ? { html: mail.html } : {}),
          messageId: `<job-${job.id}@${messageHost}>`,
          headers: { 'Auto-Submitted': 'auto-generated' },
        });
        return { outcome: 'sent' };
      } catch (error) {
        return failure(error, 'account email');
      }
    },
    close: () => transport.close(),
  };
}
