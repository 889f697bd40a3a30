// Why a channel's notifications wait: its settings are missing. The worker does not claim such
// jobs at all (they cost nothing while they wait) and says so in its log; the console's delivery
// list shows the reason on each waiting job.

import type { Config } from '../config.ts';
import type { OutboxKind } from '../store/jobs.ts';

export const SMTP_MISSING = 'waiting: SMTP_URL is not set, so email cannot be sent';
export const TWILIO_MISSING = 'waiting: TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_WHATSAPP_FROM must be set to send WhatsApp alerts';

/** An email or WhatsApp alert to someone who has not confirmed yet (double opt-in): it waits, unclaimed, and goes out once they do. */
export const RECIPIENT_UNCONFIRMED = 'waiting for the recipient to confirm';

export function waitingReasons(config: Readonly<Config>): Partial<Record<OutboxKind, string>> {
  const reasons: Partial<Record<OutboxKind, string>> = {};
  if (!config.smtpUrl) reasons.email = reasons.autoresponse = reasons.account_email = SMTP_MISSING;
  if (!config.twilio.accountSid || !config.twilio.authToken || !config.twilio.whatsappFrom) reasons.whatsapp = TWILIO_MISSING;
  return reasons;
}
