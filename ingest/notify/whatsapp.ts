// WhatsApp alerts through Twilio's Messages API (the `twilio` package), from TWILIO_WHATSAPP_FROM
// to each admin number of the form. An alert is business-initiated, so it goes out as an approved
// template (ContentSid + ContentVariables: 1 the form's name, 2 a short summary, 3 the console
// link), the form's own or the service's; a free-form Body only when no template is configured
// (Twilio's sandbox, or an admin who wrote within the last 24 hours).
//
// Twilio accepts most messages first (201 queued) and says later whether they went out: each
// message carries a StatusCallback (PUBLIC_URL/v1/twilio/status, see routes/twilio-status.ts) and
// its SID is recorded with the attempt. 63016 (free-form outside the 24-hour window), whether
// Twilio answers it at once (400) or reports it later, makes the delivery dead with the reason that
// a template must be configured: retrying the same message cannot help. A recipient Twilio cannot
// reach is dead at once too; 429, 5xx and bad credentials (401/403: a setting to fix, not a reason
// to give up on every alert) are retried by the worker.

import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import type { Config } from '../config.ts';
import type { ClaimedJob, JobSubject } from '../store/jobs.ts';
import { quoted } from '../services/quoted.ts';
import { fieldRows, waitingChannel, type Channel, type ChannelResult } from './channel.ts';
import { TWILIO_MISSING } from './waiting.ts';

const OUTSIDE_WINDOW = 63016;
const SUMMARY_LENGTH = 120;

/** Why a free-form message outside the 24-hour window was refused, and what to do about it. */
export const OUTSIDE_WINDOW_REASON =
  "whatsapp 63016: outside the 24-hour window a free-form message is refused; configure an approved template (TWILIO_WHATSAPP_CONTENT_SID, or the form's whatsappContentSid)";

/**
 * Twilio error codes about the recipient or the message that no retry can fix: not a valid
 * number (21211, 21614), opted out (21610), not reachable on WhatsApp (63003), an invalid
 * recipient (63024).
 */
const HOPELESS_CODES = new Set([21211, 21610, 21614, 63003, 63024]);

/** What a failure Twilio reported (at once or later, by its error code) means for the delivery. */
export function twilioFailure(code: number | undefined, text: string): ChannelResult & { outcome: 'failed' } {
  if (code === OUTSIDE_WINDOW) return { outcome: 'failed', permanent: true, error: OUTSIDE_WINDOW_REASON };
  return { outcome: 'failed', permanent: code !== undefined && HOPELESS_CODES.has(code), error: text };
}

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

type WhatsappMessage = { body: string } | { contentSid: string; contentVariables: string };
/** `statusCallback`: where Twilio reports what became of the message (unset for a console test). */
type WhatsappSend = (to: string, message: WhatsappMessage, statusCallback?: string) => Promise<ChannelResult>;

/** Sends one WhatsApp message through Twilio and says what came of it; null when Twilio is not configured. */
export function whatsappSender(settings: WhatsappSettings): WhatsappSend | null {
  const { accountSid, authToken, whatsappFrom } = settings;
  if (!accountSid || !authToken || !whatsappFrom) return null;
  const client = twilio(accountSid, authToken, settings.apiBase ? { httpClient: new RebasedRequestClient(settings.apiBase) } : { autoRetry: false });
  const address = (number: string) => (number.startsWith('whatsapp:') ? number : `whatsapp:${number}`);
  return async (to, message, statusCallback) => {
    try {
      const sent = await client.messages.create({ from: address(whatsappFrom), to: address(to), ...message, ...(statusCallback ? { statusCallback } : {}) });
      return { outcome: 'sent', providerId: sent.sid };
    } catch (error) {
      const { status, code, message: text } = error as { status?: number; code?: number; message?: string };
      const reason = `whatsapp${status ? ` ${status}` : ''}${code ? ` (${code})` : ''}: ${text ?? String(error)}`;
      const failure = twilioFailure(code, reason);
      if (failure.permanent) return failure;
      // 429, 5xx, no answer, and bad credentials (401/403: fixed in the settings, then the alerts
      // go out) are worth another try; any other refusal of this message (a 400) is not.
      const retryable = status === undefined || status === 401 || status === 403 || status === 429 || status >= 500;
      return { ...failure, permanent: !retryable };
    }
  };
}

/** The alert's message: the approved template with its variables, or a free-form body without one. */
function alertMessage(contentSid: string | null | undefined, formName: string, summary: string, link: string, body: string): WhatsappMessage {
  return contentSid ? { contentSid, contentVariables: JSON.stringify({ 1: clip(formName, 60), 2: summary, 3: link }) } : { body };
}

/** `statusCallbackUrl`: PUBLIC_URL/v1/twilio/status, where Twilio reports each message's fate. */
export function whatsappChannel(settings: WhatsappSettings, consoleUrl: string, statusCallbackUrl: string): Channel {
  const send = whatsappSender(settings);
  if (!send) return waitingChannel(TWILIO_MISSING);
  return {
    digestSeconds: settings.digestSeconds,
    async deliver(job: ClaimedJob, subject: JobSubject, digest: JobSubject[] = []): Promise<ChannelResult> {
      const count = digest.length + 1;
      const link = count > 1 ? `${consoleUrl}#/forms/${subject.formId}` : `${consoleUrl}#/submissions/${subject.submissionId}`;
      const summary = count > 1 ? `${count} new submissions` : summaryOf(subject);
      const form = quoted(subject.formName, 60);
      const body = count > 1 ? `${count} new submissions to ${form}.\n${link}` : `New submission to ${form}: ${summary}\n${link}`;
      return send(job.target, alertMessage(subject.whatsappContentSid ?? settings.whatsappContentSid, subject.formName, summary, link, body), statusCallbackUrl);
    },
  };
}

/** The console's "send a test" button: one alert, as the form's would go out, marked as a test. */
export function whatsappTest(settings: WhatsappSettings, consoleUrl: string): ((to: string, form: { id: string; name: string; whatsappContentSid: string | null }) => Promise<ChannelResult>) | null {
  const send = whatsappSender(settings);
  if (!send) return null;
  return (to, form) => {
    const link = `${consoleUrl}#/forms/${form.id}`;
    const summary = 'A test alert: this is how new submissions will reach you.';
    return send(to, alertMessage(form.whatsappContentSid ?? settings.whatsappContentSid, form.name, summary, link, `Test alert for ${quoted(form.name, 60)}: ${summary}\n${link}`));
  };
}

/**
 * The confirmation an alert recipient's number gets (services/alert-recipients.ts): the service's
 * approved template when there is one (1 the account's name, 2 what to do, 3 the link), else a
 * free-form text, which Twilio delivers only inside the 24-hour window (the number wrote first).
 */
export function whatsappConfirmation(settings: WhatsappSettings): ((to: string, accountName: string, link: string) => Promise<ChannelResult>) | null {
  const send = whatsappSender(settings);
  if (!send) return null;
  return (to, accountName, link) => {
    const summary = 'Confirm to receive its form alerts here; nothing is sent until you do.';
    return send(to, alertMessage(settings.whatsappContentSid, accountName, summary, link, `Formline account ${quoted(accountName, 60)} wants to send you form alerts. Nothing is sent until you confirm: ${link}`));
  };
}
