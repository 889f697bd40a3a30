// Alert recipients' double opt-in: the public confirmation page (GET shows a button, POST
// confirms, so a mail scanner that fetches the link confirms nothing), and the console's list of
// the account's recipients with "resend the confirmation".

import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Database } from '../db/database.ts';
import { accountOf, sessionOf } from '../http/console-session.ts';
import { escapeHtml } from '../http/html-pages.ts';
import { parseInput } from '../http/input.ts';
import type { AlertRecipients } from '../services/alert-recipients.ts';
import { quoted } from '../services/quoted.ts';
import { sha256 } from '../services/secrets.ts';
import { findRecipientByToken, listRecipients } from '../store/recipients.ts';

const TOKEN = /^[A-Za-z0-9_-]{20,100}$/;
const resendInput = z.object({ channel: z.enum(['email', 'whatsapp']), address: z.string().trim().min(1).max(254) }).strict();

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1f2933}h1{font-size:1.5rem}button{font:inherit;padding:.5rem 1rem}</style>
</head><body>${body}</body></html>`;
}

const gone = () =>
  page('This link does not work', '<h1>This link does not work</h1><p>It was used already, or replaced by a newer one. Nothing more is needed from you.</p>');

export function recipientRoutes(db: Database, recipients: AlertRecipients) {
  /** GET /v1/recipients/confirm?token=: what confirming means, and the button that does it. */
  const confirmPage: RequestHandler = async (req, res) => {
    const token = typeof req.query['token'] === 'string' ? req.query['token'] : '';
    const recipient = TOKEN.test(token) ? await findRecipientByToken(db, sha256(token)) : null;
    res.set('Cache-Control', 'no-store');
    if (!recipient) {
      res.status(404).type('html').send(gone());
      return;
    }
    res.type('html').send(
      page(
        'Confirm form alerts',
        `<h1>Confirm form alerts</h1>
<p>The Formline account ${escapeHtml(quoted(recipient.accountName, 80))} wants to send its form submissions to ${escapeHtml(recipient.address)}.</p>
<p>Nothing is sent until you confirm. If you do not know this account, close this page: you will get nothing from it.</p>
<form method="post" action="/v1/recipients/confirm"><input type="hidden" name="token" value="${escapeHtml(token)}"><button type="submit">Confirm</button></form>`,
      ),
    );
  };

  /** POST /v1/recipients/confirm (token=...): the recipient's own click; its waiting alerts go out. */
  const confirm: RequestHandler = async (req, res) => {
    const raw: unknown = (req.body as { token?: unknown } | undefined)?.token;
    const token = typeof raw === 'string' && TOKEN.test(raw) ? raw : null;
    const recipient = token ? await recipients.confirm(db, token) : null;
    res.set('Cache-Control', 'no-store');
    if (!recipient) {
      res.status(404).type('html').send(gone());
      return;
    }
    res.type('html').send(page('Confirmed', `<h1>Confirmed</h1><p>${escapeHtml(recipient.address)} now receives this account's form alerts, starting with those that were waiting.</p>`));
  };

  /** GET /api/recipients: the account's alert recipients, confirmed or not. */
  const list: RequestHandler = async (_req, res) => {
    const { accountId } = accountOf(res);
    const items = await listRecipients(db, accountId);
    res.json({
      items: items.map((r) => ({
        channel: r.channel,
        address: r.address,
        confirmed: r.confirmedAt !== null,
        confirmedAt: r.confirmedAt?.toISOString() ?? null,
        invitesSent: r.invitesSent,
        lastSentAt: r.lastSentAt?.toISOString() ?? null,
      })),
    });
  };

  /** POST /api/recipients/resend {channel, address}: one more confirmation (202), within the daily cap (429). */
  const resend: RequestHandler = async (req, res) => {
    const { accountId } = accountOf(res);
    const { channel, address } = parseInput(resendInput, req.body);
    await recipients.resend(db, accountId, sessionOf(res).accountName ?? '', channel, address);
    res.status(202).json({ sent: true });
  };

  return { confirmPage, confirm, list, resend };
}
