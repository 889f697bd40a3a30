// A stand-in for Twilio's Messages API on 127.0.0.1, answering as Twilio documents
// (POST /2010-04-01/Accounts/{AccountSid}/Messages.json, form-encoded, basic auth; 201 with the
// message resource, or an error {code, message, more_info, status}) and recording every request.
// Some numbers behave like Twilio's in trouble: see NUMBERS.

import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const NUMBERS = {
  /** 400, code 21211: not a valid phone number. */
  invalid: '+15005550001',
  /** 400, code 63016: free-form message outside the 24-hour window. */
  outsideWindow: '+15005550016',
  /** 429 once, then accepted. */
  busy: '+15005550429',
  /** 503 once, then accepted. */
  flaky: '+15005550503',
};

export interface TwilioRequest {
  accountSid: string;
  authorization: string;
  params: Record<string, string>;
  status: number;
}

export interface TwilioStandIn {
  apiBase: string;
  requests: TwilioRequest[];
  close(): Promise<void>;
}

export async function startTwilioStandIn(): Promise<TwilioStandIn> {
  const requests: TwilioRequest[] = [];
  const troubled = new Set<string>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const match = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(req.url ?? '');
      const params = Object.fromEntries(new URLSearchParams(body));
      const answer = (status: number, payload: object) => {
        requests.push({ accountSid: match?.[1] ?? '', authorization: String(req.headers.authorization ?? ''), params, status });
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
      };
      const error = (status: number, code: number, message: string) =>
        answer(status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
      if (req.method !== 'POST' || !match) return error(404, 20404, 'The requested resource was not found');
      const to = (params['To'] ?? '').replace(/^whatsapp:/, '');
      if (to === NUMBERS.invalid) return error(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
      if (to === NUMBERS.outsideWindow && params['Body'] !== undefined) {
        return error(400, 63016, 'Failed to send freeform message because you are outside the allowed window. Please use a Template.');
      }
      if (to === NUMBERS.busy && !troubled.has(to)) return troubled.add(to), error(429, 20429, 'Too Many Requests');
      if (to === NUMBERS.flaky && !troubled.has(to)) return troubled.add(to), error(503, 20503, 'Service Unavailable');
      answer(201, {
        sid: `SM${String(requests.length).padStart(32, '0')}`,
        account_sid: match[1],
        from: params['From'],
        to: params['To'],
        body: params['Body'] ?? null,
        status: 'queued',
        date_created: new Date().toUTCString(),
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    apiBase: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
