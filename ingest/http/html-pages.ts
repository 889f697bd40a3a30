// The few HTML pages the submission path answers a browser posting without JavaScript: a hosted
// thank-you page and error pages. Every text is escaped; no script, so a strict CSP applies.

import type { AppError } from '../errors.ts';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1f2933}h1{font-size:1.5rem}li{margin:.25rem 0}</style>
</head><body>${body}</body></html>`;
}

export function renderThanksPage(message: string, backUrl: string | undefined): string {
  const back = backUrl ? `<p><a href="${escapeHtml(backUrl)}">Go back</a></p>` : '';
  return page('Thank you', `<h1>Thank you</h1><p>${escapeHtml(message)}</p>${back}`);
}

export function renderErrorPage(error: AppError, backUrl?: string): string {
  const fields = error.fields
    ? `<ul>${Object.entries(error.fields)
        .map(([name, message]) => `<li><strong>${escapeHtml(name)}</strong>: ${escapeHtml(message)}</li>`)
        .join('')}</ul>`
    : '';
  const back = backUrl ? `<p><a href="${escapeHtml(backUrl)}">Go back and correct the form</a></p>` : '';
  return page('The form was not sent', `<h1>The form was not sent</h1><p>${escapeHtml(error.message)}</p>${fields}${back}`);
}
