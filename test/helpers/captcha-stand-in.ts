// A stand-in for a captcha provider (Turnstile and hCaptcha answer alike) on 127.0.0.1:
// POST /siteverify answers as the providers document ({"success": bool, "error-codes": [...]})
// and records what it was asked; GET /api.js is a provider script that "solves" every challenge
// element on the page by adding the hidden response input the real one adds.
// Like the real providers, it accepts each token once: asked again about a token it already
// confirmed, it answers `timeout-or-duplicate`.

import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What every token the stand-in issues starts with. */
export const TOKEN_PREFIX = 'XXXX.DUMMY.TOKEN.';
/** A fresh token, good for one verification (what solving a challenge gives a visitor). */
export const goodToken = (): string => TOKEN_PREFIX + randomUUID();
/** A token for which the stand-in answers 500, as a provider having an outage would. */
export const OUTAGE_TOKEN = 'provider-outage';

export interface CaptchaStandIn {
  verifyUrl: string;
  scriptUrl: string;
  /** The form fields of every siteverify request, in order. */
  verifications: Record<string, string>[];
  close(): Promise<void>;
}

const SCRIPT = `for (const slot of document.querySelectorAll('.cf-turnstile, .h-captcha')) {
  const input = document.createElement('input');
  input.type = 'hidden';
  input.name = slot.classList.contains('h-captcha') ? 'h-captcha-response' : 'cf-turnstile-response';
  input.value = ${JSON.stringify(TOKEN_PREFIX)} + Math.random().toString(36).slice(2) + Date.now();
  slot.dataset.solvedFor = slot.dataset.sitekey;
  slot.append(input);
}`;

export async function startCaptchaStandIn(): Promise<CaptchaStandIn> {
  const verifications: Record<string, string>[] = [];
  const spent = new Set<string>();
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/api.js') {
      res.writeHead(200, { 'content-type': 'text/javascript', 'access-control-allow-origin': '*' }).end(SCRIPT);
      return;
    }
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const fields = Object.fromEntries(new URLSearchParams(body));
      verifications.push(fields);
      const token = fields['response'] ?? '';
      if (token === OUTAGE_TOKEN) {
        res.writeHead(500).end('upstream trouble');
        return;
      }
      const errors = !token.startsWith(TOKEN_PREFIX) || fields['secret'] === undefined ? ['invalid-input-response'] : spent.has(token) ? ['timeout-or-duplicate'] : [];
      spent.add(token);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(errors.length === 0 ? { success: true, hostname: 'localhost' } : { success: false, 'error-codes': errors }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    verifyUrl: `http://127.0.0.1:${port}/siteverify`,
    scriptUrl: `http://127.0.0.1:${port}/api.js`,
    verifications,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
