// The emails the service sends about accounts: address verification, password reset and
// invitations. Queued in the outbox (enqueueAccountEmail), so they wait out an SMTP outage.
// Every value from a user is escaped in the HTML part.

import type { Queryable } from '../db/database.ts';
import { escapeHtml } from '../notify/email.ts';
import { enqueueAccountEmail, type AccountEmail } from '../store/jobs.ts';

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

  constructor(publicUrl: string) {
    this.consoleUrl = `${publicUrl}/console/`;
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
    await enqueueAccountEmail(db, to, {
      subject: 'Confirm your email address for Formline',
      ...compose({
        intro: 'Welcome to Formline. Confirm that this address is yours, so we can send you your submissions.',
        action: 'Confirm my email address',
        link: this.verificationLink(token),
        outro: 'The link works for 7 days. If you did not sign up, ignore this email.',
      }),
    });
  }

  async sendPasswordReset(db: Queryable, to: string, token: string): Promise<void> {
    await enqueueAccountEmail(db, to, {
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
    await enqueueAccountEmail(db, to, {
      subject: `${invite.invitedBy} invited you to ${invite.accountName} on Formline`,
      ...compose({
        intro: `${invite.invitedBy} invited you to join ${invite.accountName} on Formline as ${invite.role === 'owner' ? 'an owner' : 'a member'}.`,
        action: 'Accept the invitation',
        link: this.invitationLink(token),
        outro: 'The link works for 7 days.',
      }),
    });
  }
}
