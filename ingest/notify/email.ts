// The owner's email notification, sent with nodemailer over SMTP_URL: the form and site in the
// subject, the fields as a table (every value escaped) in HTML and as plain text, Reply-To the
// submitter's address when the form has one, and a link to the submission in the console.

import nodemailer from 'nodemailer';
import { isEmail } from '../../widget/validate.ts';
import type { ClaimedJob, JobSubject } from '../store/jobs.ts';
import { fieldRows, waitingChannel, type Channel, type ChannelResult } from './channel.ts';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

/** One line, no control characters: safe in a header. */
function headerText(text: string, max = 150): string {
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim().slice(0, max);
}

/** The submitter's address: the schema's first email field with a valid value, else a field named "email". */
export function replyToOf(subject: JobSubject): string | undefined {
  const candidates = subject.schema ? subject.schema.fields.filter((f) => f.type === 'email').map((f) => f.name) : ['email'];
  for (const name of candidates) {
    const value = subject.data[name];
    if (typeof value === 'string' && isEmail(value)) return value;
  }
  return undefined;
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
  const title = headerText(`New submission: ${subject.formName} (${subject.siteName})`);
  const text = [
    `New submission to ${subject.formName} on ${subject.siteName}, ${subject.createdAt.toISOString()}`,
    '',
    ...rows.map((row) => `${row.label}: ${row.value}`),
    '',
    `See it in the console: ${link}`,
  ].join('\n');
  const cell = 'style="padding:6px 10px;border-bottom:1px solid #e5e7eb;vertical-align:top;text-align:left"';
  const html = `<!doctype html><html><body style="font:15px/1.5 system-ui,sans-serif;color:#1f2937">
<p>New submission to <strong>${escapeHtml(subject.formName)}</strong> on ${escapeHtml(subject.siteName)}, ${escapeHtml(subject.createdAt.toISOString())}</p>
<table style="border-collapse:collapse">
${rows.map((row) => `<tr><th ${cell}>${escapeHtml(row.label)}</th><td ${cell}>${escapeHtml(row.value).replace(/\n/g, '<br>')}</td></tr>`).join('\n')}
</table>
<p><a href="${escapeHtml(link)}">See it in the console</a></p>
</body></html>`;
  return { subject: title, text, html, replyTo: replyToOf(subject) };
}

export function emailChannel(options: { smtpUrl: string | undefined; from: string; consoleUrl: string }): Channel {
  if (!options.smtpUrl) return waitingChannel('waiting: SMTP_URL is not set, so email cannot be sent');
  // Bounded waits (nodemailer reads options from the URL's query), unless the URL sets its own.
  const url = new URL(options.smtpUrl);
  for (const [name, ms] of [['connectionTimeout', '10000'], ['greetingTimeout', '10000'], ['socketTimeout', '30000']] as const) {
    if (!url.searchParams.has(name)) url.searchParams.set(name, ms);
  }
  const transport = nodemailer.createTransport(url.toString());
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
        const code = (error as { responseCode?: number }).responseCode;
        const message = error instanceof Error ? error.message : String(error);
        // 5xx from the server about this message or recipient: retrying the same thing will not help.
        return { outcome: 'failed', error: `email: ${message}`, permanent: code !== undefined && code >= 500 && code < 600 };
      }
    },
    close: () => transport.close(),
  };
}
