// WhatsApp alerts through Twilio's Messages API (the `twilio` package), from TWILIO_WHATSAPP_FROM
// to each admin number of the form. An alert is business-initiated, so it goes out as an approved
// template (ContentSid + ContentVariables: 1 the form's name, 2 a short summary, 3 the console
// link), the form's own or the service's; a free-form Body only when no template is configured
// (Twilio's sandbox, or an admin who wrote within the last 24 hours). Twilio's 63016 (free-form
// outside the 24-hour window) is recorded as needing a template, not retried blindly; a number
// Twilio rejects (400) is dead at once; 429 and 5xx are retried by the worker.

import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import type { Config } from '../config.ts';
import type { ClaimedJob, JobSubject } from '../store/jobs.ts';
import { fieldRows, waitingChannel, type Channel, type ChannelResult } from './channel.ts';
import { TWILIO_MISSING } from './waiting.ts';

const OUTSIDE_WINDOW = 63016;
const SUMMARY_LENGTH = 120;

/** A Twilio request client that sends to another base URL (a stand-in in tests, a proxy). */
class RebasedRequestClient extends twilio.RequestClient {
  constructor(private readonly base: string) {
    super({ autoRetry: false, timeout: 15_000 });
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    return super.request<TData>({ ...opts, uri: opts.uri.replace(/^https:\/\/[^/]+/, this.base.replace(/\/$/, '')) });
  }
}

/** The service's Twilio settings (TWILIO_*), as configured. */
export type WhatsappSettings = Readonly<Config['twilio']>;

function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? flat.slice(0, max - 1) + '…' : flat;
}

/** The first few values, as one short line. */
export function summaryOf(subject: JobSubject): string {
  return clip(
    fieldRows(subject)
      .filter((row) => row.value !== '')
      .slice(0, 3)
      .map((row) => `${row.label}: ${row.value}`)
      .join(' · '),
    SUMMARY_LENGTH,
  );
}

export function whatsappChannel(settings: WhatsappSettings, consoleUrl: string): Channel {
  const { accountSid, authToken, whatsappFrom } = settings;
  if (!accountSid || !authToken || !whatsappFrom) {
    return waitingChannel(TWILIO_MISSING);
  }
  const client = twilio(accountSid, authToken, settings.apiBase ? { httpClient: new RebasedRequestClient(settings.apiBase) } : { autoRetry: false });
  const address = (number: string) => (number.startsWith('whatsapp:') ? number : `whatsapp:${number}`);

  return {
    digestSeconds: settings.digestSeconds,
    async deliver(job: ClaimedJob, subject: JobSubject, digest: JobSubject[] = []): Promise<ChannelResult> {
      const count = digest.length + 1;
      const link = count > 1 ? `${consoleUrl}#/forms/${subject.formId}` : `${consoleUrl}#/submissions/${subject.submissionId}`;
      const summary = count > 1 ? `${count} new submissions` : summaryOf(subject);
      const contentSid = subject.whatsappContentSid ?? settings.whatsappContentSid;
      const message = contentSid
        ? { contentSid, contentVariables: JSON.stringify({ 1: clip(subject.formName, 60), 2: summary, 3: link }) }
        : { body: count > 1 ? `${count} new submissions to ${subject.formName}.\n${link}` : `New submission to ${subject.formName}: ${summary}\n${link}` };
      try {
        await client.messages.create({ from: address(whatsappFrom), to: address(job.target), ...message });
        return { outcome: 'sent' };
      } catch (error) {
        const { status, code, message: text } = error as { status?: number; code?: number; message?: string };
        if (code === OUTSIDE_WINDOW) {
          return {
            outcome: 'failed',
            permanent: true,
            error: `whatsapp 63016: outside the 24-hour window a free-form message is refused; configure an approved template (TWILIO_WHATSAPP_CONTENT_SID, or the form's whatsappContentSid)`,
          };
        }
        const reason = `whatsapp${status ? ` ${status}` : ''}${code ? ` (${code})` : ''}: ${text ?? String(error)}`;
        // 429 and 5xx are worth another try; any other refusal (a bad number, 400) is not.
        const retryable = status === undefined || status === 429 || status >= 500;
        return { outcome: 'failed', error: reason, permanent: !retryable };
      }
    },
  };
}
