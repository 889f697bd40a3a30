// Double opt-in for alert recipients. A form's alert recipients (settings.notifyEmails and
// notifyWhatsapp) that are not a verified member's own address confirm once, per account, before
// anything is sent to them: an email address gets one email with a single-use link (through the
// outbox, like every account email), a WhatsApp number one message with the same kind of link
// (sent at once through Twilio, when it is configured). The link opens a page whose button
// confirms (a POST), so a mail scanner that fetches links confirms nothing. Until then their
// alerts wait in the outbox, unclaimed, and go out once confirmed. At most `perDay` confirmation
// messages go to one recipient in a day, however often the owner saves or presses "resend".

import type { Queryable } from '../db/database.ts';
import { ConflictError, NotFoundError, TooManyRequestsError } from '../errors.ts';
import type { ChannelResult } from '../notify/channel.ts';
import { enqueueAccountEmail } from '../store/jobs.ts';
import {
  confirmRecipientByToken,
  getRecipient,
  issueRecipientToken,
  listVerifiedMemberEmails,
  saveRecipient,
  type Recipient,
  type RecipientChannel,
} from '../store/recipients.ts';
import { quoted } from './quoted.ts';
import { randomToken } from './ids.ts';
import { sha256 } from './secrets.ts';
import { normalizeEmail } from './email-address.ts';

/** Sends a number its confirmation link (notify/whatsapp.ts whatsappConfirmation); null when Twilio is not configured. */
export type WhatsappConfirmation = ((to: string, accountName: string, link: string) => Promise<ChannelResult>) | null;

export class AlertRecipients {
  constructor(
    private readonly publicUrl: string,
    private readonly sendWhatsapp: WhatsappConfirmation,
    private readonly perDay: number,
  ) {}

  confirmLink(token: string): string {
    return `${this.publicUrl}/v1/recipients/confirm?token=${token}`;
  }

  /**
   * Records the form's recipients for the account: a verified member's own address is confirmed
   * at once; any other new one is sent its confirmation. Known ones are left as they are (a
   * resend is the owner's explicit action).
   */
  async register(db: Queryable, accountId: string, accountName: string, settings: { notifyEmails: readonly string[]; notifyWhatsapp: readonly string[] }): Promise<void> {
    const members = new Set(await listVerifiedMemberEmails(db, accountId));
    const wanted: { channel: RecipientChannel; address: string }[] = [
      ...settings.notifyEmails.map((address) => ({ channel: 'email' as const, address: normalizeEmail(address) })),
      ...settings.notifyWhatsapp.map((address) => ({ channel: 'whatsapp' as const, address })),
    ];
    for (const { channel, address } of wanted) {
      const confirmed = channel === 'email' && members.has(address);
      const recipient = await saveRecipient(db, { accountId, channel, address, confirmed });
      if (recipient.created && !recipient.confirmedAt) await this.invite(db, recipient, accountName);
    }
  }

  /** "Resend the confirmation" from the console: 404 unknown, 409 confirmed already, 429 past the daily cap. */
  async resend(db: Queryable, accountId: string, accountName: string, channel: RecipientChannel, address: string): Promise<void> {
    const recipient = await getRecipient(db, accountId, channel, channel === 'email' ? normalizeEmail(address) : address);
    if (!recipient) throw new NotFoundError('recipient_not_found', `${address} is not an alert recipient of this account.`);
    if (recipient.confirmedAt) throw new ConflictError('recipient_confirmed', `${address} has confirmed already.`);
    if (channel === 'whatsapp' && !this.sendWhatsapp) {
      throw new ConflictError('whatsapp_not_configured', 'WhatsApp is not set up on this service (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_WHATSAPP_FROM).');
    }
    if (!(await this.invite(db, recipient, accountName))) {
      throw new TooManyRequestsError(3600, `At most ${this.perDay} confirmations a day go to one recipient; try again tomorrow.`);
    }
  }

  /** The recipient's own click: confirms it (its waiting alerts then go out); null for an unknown or spent link. */
  confirm(db: Queryable, token: string): Promise<Recipient | null> {
    return confirmRecipientByToken(db, sha256(token));
  }

  /** Sends one confirmation message, within the daily cap; false when the cap is reached. */
  private async invite(db: Queryable, recipient: Recipient, accountName: string): Promise<boolean> {
    // (A number cannot be asked while WhatsApp is not set up: nothing is counted then.)
    if (recipient.channel === 'whatsapp' && !this.sendWhatsapp) return false;
    const token = randomToken(32);
    const issued = await issueRecipientToken(db, recipient.id, sha256(token), this.perDay);
    if (!issued) return false;
    const link = this.confirmLink(token);
    const account = quoted(accountName, 80);
    if (recipient.channel === 'email') {
      await enqueueAccountEmail(db, recipient.address, {
        subject: `Confirm alerts from ${account} on Formline`,
        text:
          `The Formline account ${account} wants to send form submissions to this address.\n\n` +
          `Nothing is sent until you confirm. To receive them, open this link and press the button: ${link}\n\n` +
          `If you do not know this account, ignore this email: you will get nothing from it.\n`,
      });
    } else if (this.sendWhatsapp) {
      // (Failures are not retried: the owner can resend, within the same cap.)
      await this.sendWhatsapp(recipient.address, accountName, link);
    }
    return true;
  }
}
