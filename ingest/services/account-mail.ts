// The emails the service sends about accounts: address verification, password reset and
// invitations. Queued in the outbox (enqueueAccountEmail), so they wait out an SMTP outage.
// Every value from a user is escaped in the HTML part, and names people chose (accounts) appear
// only as quoted data, never as the sentence's own words. The emails a stranger can trigger
// (verification, reset, invitation) are capped per recipient per hour, whatever the IP.

import type { Queryable } from '../db/database.ts';
import { escapeHtml } from '../notify/email.ts';
import { countAccountEmailsSince, lockAccountEmailRecipient } from '../store/account-mail-caps.ts';
import { enqueueAccountEmail, type AccountEmail } from '../store/jobs.ts';
import { normalizeEmail } from './email-address.ts';

const HOUR = 3_600_000;

/**
 * A name someone chose, as quoted data: control and format characters and line breaks go (no
 * forged headers or lines), spaces are collapsed, it is cut to 80 characters and put in quotes.
 */
export function quoted(name: string): string {
  const plain = name
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+/gu, ' ')
    .replace(/[“”"]/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
  const short = [...plain].length > 80 ? `${[...plain].slice(0, 79).join('')}…` : plain;
  return `“${short}”`;
}

/** Past the per-recipient cap: nothing was queued; the next one may go after `retryAfterSeconds`. */
export class RecipientCapReached extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('account email cap reached for this recipient');
  }
}

function compose(lines: { intro: string; link: string; action: string; outro: string }): Pick<AccountEmail, 'text' | 'html'> {
  const text = `${lines.intro}\n\n${lines.action}: ${lines.link}\n\n${lines.outro}\n`;
  const html = `<!doctype html><html><body style="font:15px/1.5 system-ui,sans-serif;color:#1f2937">
<p>${escapeHtml(lines.intro)}</p>
<p><a href="${escapeHtml(lines.link)}">${escapeHtml(lines.action)}</a></p>
<p style="color:#6b7280">${escapeHtml(lines.outro)}</p>
</body></html>`;
  return { text, html };
}

export class AccountMail {
  private readonly consoleUrl: string;

  constructor(
    publicUrl: string,
    private readonly perRecipientPerHour = 5,
  ) {
    this.consoleUrl = `${publicUrl}/console/`;
  }

  /**
   * Queues an email a stranger could trigger, unless the recipient already had the hour's cap;
   * then throws RecipientCapReached and queues nothing. `db` must be a transaction (the lock).
   */
  private async enqueueCapped(db: Queryable, to: string, mail: AccountEmail): Promise<void> {
    const address = normalizeEmail(to);
    await lockAccountEmailRecipient(db, address);
    const since = new Date(Date.now() - HOUR);
    const { count, oldest } = await countAccountEmailsSince(db, address, since);
    if (count >= this.perRecipientPerHour) {
      const freeAt = (oldest?.getTime() ?? Date.now()) + HOUR;
      throw new RecipientCapReached(Math.max(1, Math.ceil((freeAt - Date.now()) / 1000)));
    }
    await enqueueAccountEmail(db, address, mail);
  }

  verificationLink(token: string): string {
    return `${this.consoleUrl}#/verify?token=${token}`;
  }

  resetLink(token: string): string {
    return `${this.consoleUrl}#/reset?token=${token}`;
  }

  invitationLink(token: string): string {
    return `${this.consoleUrl}#/invite?token=${token}`;
  }

  async sendVerification(db: Queryable, to: string, token: string): Promise<void> {
    await this.enqueueCapped(db, to, {
      subject: 'Confirm your email address for Formline',
      ...compose({
        intro: 'Welcome to Formline. Confirm that this address is yours, so we can send you your submissions.',
        action: 'Confirm my email address',
        link: this.verificationLink(token),
        outro:
          'The link works for 7 days; it asks you to sign in if this browser is not signed in as you. If you did not sign up, someone else used your address: reset the password from the sign-in page to take the account back, or ignore this email.',
      }),
    });
  }

  async sendPasswordReset(db: Queryable, to: string, token: string): Promise<void> {
    await this.enqueueCapped(db, to, {
      subject: 'Reset your Formline password',
      ...compose({
        intro: 'Someone (hopefully you) asked to reset the password of your Formline account.',
        action: 'Choose a new password',
        link: this.resetLink(token),
        outro: 'The link works once, for one hour. If you did not ask, ignore this email: your password stays as it is.',
      }),
    });
  }

  async sendInvitation(db: Queryable, to: string, token: string, invite: { accountName: string; invitedBy: string; role: string }): Promise<void> {
    await this.enqueueCapped(db, to, {
      subject: `You are invited to join the account ${quoted(invite.accountName)} on Formline`,
      ...compose({
        intro: `You are invited to join the account ${quoted(invite.accountName)} on Formline as ${invite.role === 'owner' ? 'an owner' : 'a member'}. The invitation was sent by ${quoted(invite.invitedBy)}, an owner of that account.`,
        action: 'Accept the invitation',
        link: this.invitationLink(token),
        outro: 'The link works for 7 days.',
      }),
    });
  }

  billingLink(): string {
    return `${this.consoleUrl}#/billing`;
  }

  async sendQuotaAlert(
    db: Queryable,
    to: string,
    alert: { accountName: string; planName: string; percent: number; used: number; included: number; holds: boolean },
  ): Promise<void> {
    const full = alert.percent >= 100;
    const next = full
      ? alert.holds
        ? 'New submissions are kept but held, unseen and not notified, until you upgrade; upgrading reveals them.'
        : 'Further submissions this month are billed as overage at your plan\'s rate.'
      : alert.holds
        ? 'When the included submissions are used up, new ones are held until you upgrade.'
        : 'Past the included submissions, each one is billed as overage at your plan\'s rate.';
    await enqueueAccountEmail(db, to, {
      subject: `Formline account ${quoted(alert.accountName)}: ${alert.percent}% of this month's submissions used`,
      ...compose({
        intro: `The account ${quoted(alert.accountName)} has received ${alert.used} of the ${alert.included} submissions the ${alert.planName} plan includes this month (${alert.percent}%). ${next}`,
        action: 'See usage and plans',
        link: this.billingLink(),
        outro: 'You get this email once per threshold each month.',
      }),
    });
  }

  async sendPaymentFailed(db: Queryable, to: string, failure: { accountName: string; graceDays: number }): Promise<void> {
    await enqueueAccountEmail(db, to, {
      subject: `Formline account ${quoted(failure.accountName)}: a payment failed`,
      ...compose({
        intro: `The latest payment for the account ${quoted(failure.accountName)} did not go through. Please update the payment method within ${failure.graceDays} days; after that the account is held to the free plan's limits until a payment succeeds.`,
        action: 'Update the payment method',
        link: this.billingLink(),
        outro: 'Nothing is lost meanwhile: submissions keep being stored.',
      }),
    });
  }
}
