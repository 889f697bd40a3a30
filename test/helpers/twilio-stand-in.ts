// A stand-in for Twilio's Messages API on 127.0.0.1, answering as Twilio documents
// (POST /2010-04-01/Accounts/{AccountSid}/Messages.json, form-encoded, basic auth; 201 with the
// message resource, or an error {code, message, more_info, status}) and recording every request.
// Like Twilio, it reports later what became of an accepted message: a form-encoded POST to the
// message's StatusCallback, signed with the auth token (X-Twilio-Signature: base64 HMAC-SHA1 of
// the URL followed by each parameter's name and value, sorted by name). The callback URL holds the
// service's PUBLIC_URL, which does not resolve in tests: `route` maps its origin to the address
// the test app really listens on (the signature stays over the URL as given).
// Some numbers behave like Twilio's in trouble: see NUMBERS (and failNext).

import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const NUMBERS = {
  /** 400, code 21211: not a valid phone number. */
  invalid: '+15005550001',
  /** A free-form message (Body): 201 queued, then reported `failed` with 63016 (outside the 24-hour window), as Twilio does. */
  outsideWindow: '+15005550016',
  /** A free-form message (Body): 400 with 63016 at once. */
  outsideWindowAtOnce: '+15005550116',
  /** 201 queued, then reported `undelivered` with 63003: the number is not on WhatsApp. */
  unreachable: '+15005550063',
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
  /** The SID of the message, when it was accepted. */
  sid?: string;
}

/** A status callback the stand-in sent: where to, what, signed how, and how the service answered. */
export interface StatusCallback {
  url: string;
  deliveredTo: string;
  params: Record<string, string>;
  signature: string;
  answer: number;
}

export interface TwilioStandIn {
  apiBase: string;
  requests: TwilioRequest[];
  callbacks: StatusCallback[];
  /** Status callbacks to URLs on `publicOrigin` go to `realOrigin` instead. */
  route(publicOrigin: string, realOrigin: string): void;
  /** The next message to `number` is accepted (201), then reported `failed` with `errorCode`. */
  failNext(number: string, errorCode: number): void;
  /** Sends a callback again, exactly as it was (Twilio repeats some); resolves with the answer's status. */
  replay(callback: StatusCallback): Promise<number>;
  close(): Promise<void>;
}

/** What Twilio puts in X-Twilio-Signature for a POST of `params` to `url`. */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((text, name) => text + name + params[name], url);
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/** `credentials`: when given, requests with other basic-auth credentials get 401 (code 20003), as Twilio answers them. */
export async function startTwilioStandIn(credentials?: { accountSid: string; authToken: string }): Promise<TwilioStandIn> {
  const requests: TwilioRequest[] = [];
  const callbacks: StatusCallback[] = [];
  const routes = new Map<string, string>();
  const troubled = new Set<string>();
  const failing = new Map<string, number>();
  const pending = new Set<Promise<void>>();

  const post = (callback: Omit<StatusCallback, 'answer'>): Promise<number> =>
    fetch(callback.deliveredTo, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': callback.signature },
      body: new URLSearchParams(callback.params).toString(),
    }).then(
      async (res) => {
        await res.arrayBuffer();
        return res.status;
      },
      () => 0,
    );

  /** Reports the message's statuses one after another, a moment after it was accepted. */
  const report = (url: string, message: Record<string, string>, statuses: { status: string; errorCode?: number }[]) => {
    const target = new URL(url);
    const routed = routes.get(target.origin);
    if (!routed || !credentials) return;
    const run = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      for (const { status, errorCode } of statuses) {
        const params: Record<string, string> = {
          ApiVersion: '2010-04-01',
          AccountSid: credentials.accountSid,
          MessageSid: message['sid'] as string,
          SmsSid: message['sid'] as string,
          MessageStatus: status,
          SmsStatus: status,
          From: message['from'] as string,
          To: message['to'] as string,
          ChannelPrefix: 'whatsapp',
          ...(errorCode ? { ErrorCode: String(errorCode) } : {}),
        };
        const callback = {
          url,
          deliveredTo: routed + target.pathname + target.search,
          params,
          signature: twilioSignature(credentials.authToken, url, params),
        };
        callbacks.push({ ...callback, answer: await post(callback) });
      }
    })();
    pending.add(run);
    void run.finally(() => pending.delete(run));
  };

  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const match = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(req.url ?? '');
      const params = Object.fromEntries(new URLSearchParams(body));
      const authorization = String(req.headers.authorization ?? '');
      const answer = (status: number, payload: object, sid?: string) => {
        requests.push({ accountSid: match?.[1] ?? '', authorization, params, status, ...(sid ? { sid } : {}) });
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
      };
      const error = (status: number, code: number, message: string) =>
        answer(status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
      if (req.method !== 'POST' || !match) return error(404, 20404, 'The requested resource was not found');
      if (credentials && authorization !== 'Basic ' + Buffer.from(`${credentials.accountSid}:${credentials.authToken}`).toString('base64')) {
        return error(401, 20003, 'Authenticate');
      }
      const to = (params['To'] ?? '').replace(/^whatsapp:/, '');
      if (to === NUMBERS.invalid) return error(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
      if (to === NUMBERS.outsideWindowAtOnce && params['Body'] !== undefined) {
        return error(400, 63016, 'Failed to send freeform message because you are outside the allowed window. Please use a Template.');
      }
      if (to === NUMBERS.busy && !troubled.has(to)) return troubled.add(to), error(429, 20429, 'Too Many Requests');
      if (to === NUMBERS.flaky && !troubled.has(to)) return troubled.add(to), error(503, 20503, 'Service Unavailable');
      const message = {
        sid: `SM${randomBytes(16).toString('hex')}`,
        account_sid: match[1] as string,
        from: params['From'] as string,
        to: params['To'] as string,
        body: params['Body'] ?? null,
        status: 'queued',
        date_created: new Date().toUTCString(),
      };
      answer(201, message, message.sid);
      const callbackUrl = params['StatusCallback'];
      if (!callbackUrl) return;
      const fields = { sid: message.sid, from: message.from, to: message.to };
      if (to === NUMBERS.outsideWindow && params['Body'] !== undefined) report(callbackUrl, fields, [{ status: 'failed', errorCode: 63016 }]);
      else if (to === NUMBERS.unreachable) report(callbackUrl, fields, [{ status: 'undelivered', errorCode: 63003 }]);
      else if (failing.has(to)) report(callbackUrl, fields, [{ status: 'failed', errorCode: failing.get(to) as number }]), failing.delete(to);
      else report(callbackUrl, fields, [{ status: 'sent' }, { status: 'delivered' }]);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    apiBase: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    callbacks,
    route: (publicOrigin, realOrigin) => void routes.set(new URL(publicOrigin).origin, realOrigin.replace(/\/$/, '')),
    failNext: (number, errorCode) => void failing.set(number, errorCode),
    replay: (callback) => post(callback),
    async close() {
      await Promise.all([...pending]);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
