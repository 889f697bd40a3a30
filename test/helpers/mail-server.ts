// A real SMTP server on 127.0.0.1 (smtp-server) that parses what it receives (mailparser). It can
// stop and start again on the same port, to stand for an outage, can refuse recipients, and can
// require a login (refusing a wrong password with 535, a message without a login with 530).

import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface MailServer {
  url: string;
  port: number;
  messages: ParsedMail[];
  /** Recipients answered with 550 (mailbox unavailable). */
  refuse: Set<string>;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Resolves once at least `count` messages have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<ParsedMail[]>;
}

/** `login`: the only credentials accepted, and no mail without them. */
export async function startMailServer(port = 0, options: { login?: { user: string; pass: string } } = {}): Promise<MailServer> {
  const { login } = options;
  const messages: ParsedMail[] = [];
  const refuse = new Set<string>();
  let server: SMTPServer | undefined;
  let boundPort = port;

  const start = async () => {
    server = new SMTPServer({
      authOptional: !login,
      // (A login over plain text, on loopback, for tests.)
      allowInsecureAuth: true,
      authMethods: ['PLAIN', 'LOGIN'],
      disabledCommands: ['STARTTLS'],
      logger: false,
      onAuth(auth, _session, callback) {
        if (login && auth.username === login.user && auth.password === login.pass) return callback(null, { user: auth.username });
        callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      },
      onRcptTo(address, _session, callback) {
        if (refuse.has(address.address)) {
          const error = Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 });
          callback(error);
          return;
        }
        callback();
      },
      onData(stream, _session, callback) {
        simpleParser(stream)
          .then((mail) => {
            messages.push(mail);
            callback();
          })
          .catch((error: Error) => callback(error));
      },
    });
    await new Promise<void>((resolve, reject) => {
      server?.once('error', reject);
      server?.listen(boundPort, '127.0.0.1', () => resolve());
    });
    boundPort = (server.server.address() as AddressInfo).port;
  };

  await start();
  return {
    get url() {
      return `smtp://127.0.0.1:${boundPort}`;
    },
    get port() {
      return boundPort;
    },
    messages,
    refuse,
    start,
    stop: () =>
      new Promise<void>((resolve) => {
        if (!server) return resolve();
        server.close(() => resolve());
        server = undefined;
      }),
    async waitFor(count, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count) {
        if (Date.now() > deadline) throw new Error(`only ${messages.length} of ${count} messages arrived in ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      return messages;
    },
  };
}
