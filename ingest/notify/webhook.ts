// Webhooks: the submission as JSON, POSTed to the form's URL and signed like Stripe's:
// `Formline-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the form's secret>`.
// Targets on private, loopback, link-local or otherwise special addresses are refused (SSRF), by
// the address actually connected to (so DNS cannot be used to swap one in), and only https is
// used, unless the development setting WEBHOOK_ALLOW_PRIVATE is on. Redirects are not followed
// (a 3xx is a failed attempt: following one would let a public host send us inside). The whole
// request is bounded by WEBHOOK_TIMEOUT_MS.

import { createHmac } from 'node:crypto';
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import ipaddr from 'ipaddr.js';
import type { ClaimedJob, JobSubject } from '../store/jobs.ts';
import type { Channel, ChannelResult } from './channel.ts';

const SIGNATURE_HEADER = 'Formline-Signature';
const DEFAULT_TIMEOUT_MS = 10_000;

// The IPv6 forms that carry an IPv4 address: the address they lead to is the IPv4 one.
const WELL_KNOWN_NAT64 = ipaddr.IPv6.parseCIDR('64:ff9b::/96');
const IPV4_COMPATIBLE = ipaddr.IPv6.parseCIDR('::/96');

/**
 * Whether an address is anything but an ordinary public one. ipaddr.js names every special
 * range (private, loopback, link-local, CGNAT, multicast, broadcast, unspecified, documentation,
 * benchmarking, unique-local, 6to4, Teredo, the IPv4-translated forms, ...): all that is not
 * `unicast` is internal. An IPv4-mapped address (::ffff:a.b.c.d) or one under the well-known NAT64
 * prefix (64:ff9b::/96) is judged as the IPv4 address it reaches; the deprecated IPv4-compatible
 * form (::a.b.c.d) is refused outright. What is not an IP address at all counts as internal.
 */
export function isInternalAddress(address: string): boolean {
  if (net.isIP(address) === 0 || !ipaddr.isValid(address)) return true;
  let ip: ipaddr.IPv4 | ipaddr.IPv6 = ipaddr.parse(address);
  if (ip.kind() === 'ipv6') {
    const v6 = ip as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) {
      ip = v6.toIPv4Address();
    } else if (v6.match(WELL_KNOWN_NAT64)) {
      const [high, low] = v6.parts.slice(6) as [number, number];
      ip = new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
    } else if (v6.match(IPV4_COMPATIBLE)) {
      return true;
    }
  }
  return ip.range() !== 'unicast';
}

export class RefusedTarget extends Error {}

/** The signature header value for a body, at a time. */
export function signWebhook(secret: string, body: string, unixSeconds: number): string {
  const v1 = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${v1}`;
}

/** A dns.lookup that refuses internal addresses (unless allowed); `resolve` is dns.lookup but in tests. */
function guardedLookup(allowPrivate: boolean, resolve: ResolveName): net.LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, (error, list) => {
      if (error) return callback(error, '', 0);
      const refused = list.find((a) => isInternalAddress(a.address));
      if (refused && !allowPrivate) {
        return callback(new RefusedTarget(`refused: ${hostname} resolves to the internal address ${refused.address}`), '', 0);
      }
      if ((options as dns.LookupOptions).all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      const first = list[0];
      if (!first) return callback(new Error(`no address for ${hostname}`), '', 0);
      callback(null, first.address, first.family);
    });
  };
}

/** Every address a host name resolves to. */
export type ResolveName = (hostname: string, callback: (error: Error | null, addresses: dns.LookupAddress[]) => void) => void;

const systemResolver: ResolveName = (hostname, callback) =>
  dns.lookup(hostname, { all: true }, (error, addresses) => callback(error, error ? [] : addresses));

function post(url: URL, body: string, headers: Record<string, string>, options: { allowPrivate: boolean; timeoutMs: number; resolve: ResolveName }): Promise<number> {
  return new Promise((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const request = client.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'Content-Length': Buffer.byteLength(body) },
        lookup: guardedLookup(options.allowPrivate, options.resolve),
      },
      (response) => {
        // The answer's body is not wanted; reading it to the end (within the deadline) frees the socket.
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    // One deadline for the whole exchange: connecting, sending, and the answer to its last byte.
    const deadline = setTimeout(() => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)), options.timeoutMs);
    request.on('close', () => clearTimeout(deadline));
    request.on('error', reject);
    request.end(body);
  });
}

/**
 * Why a URL may not be a webhook target, or null when it may be. `names`: also refuse host names
 * that are internal by their form (localhost, *.local, *.internal), when a URL is saved; when it
 * is delivered to, the address a name resolves to is what counts (guardedLookup).
 */
export function webhookTargetProblem(target: string, allowPrivate: boolean, names = true): string | null {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return 'refused: not a URL';
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) return 'refused: webhooks are sent over https only';
  if (url.username || url.password) return 'refused: credentials in the URL';
  // (An IP address is connected to without a lookup, so it is judged here.)
  const host = url.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (net.isIP(host) && isInternalAddress(host) && !allowPrivate) return `refused: ${host} is an internal address`;
  if (names && !allowPrivate && /(^|\.)(localhost|local|internal)$/i.test(host)) return `refused: ${host} is an internal name`;
  return null;
}

export function webhookPayload(subject: JobSubject): string {
  return JSON.stringify({
    id: subject.submissionId,
    formId: subject.formId,
    formName: subject.formName,
    siteId: subject.siteId,
    siteName: subject.siteName,
    createdAt: subject.createdAt.toISOString(),
    data: subject.data,
  });
}

export interface WebhookOptions {
  /** WEBHOOK_ALLOW_PRIVATE: development only. */
  allowPrivate: boolean;
  /** WEBHOOK_TIMEOUT_MS: the whole request (10 s unless set). */
  timeoutMs?: number;
  /** Name resolution (the system's, but in tests); its answers go through the SSRF guard. */
  resolve?: ResolveName;
}

export function webhookChannel(options: WebhookOptions): Channel {
  const resolve = options.resolve ?? systemResolver;
  return {
    async deliver(job: ClaimedJob, subject: JobSubject): Promise<ChannelResult> {
      const problem = webhookTargetProblem(job.target, options.allowPrivate, false);
      if (problem) return { outcome: 'failed', error: `webhook ${problem}`, permanent: true };
      if (!subject.webhookSecret) return { outcome: 'failed', error: 'webhook: the form has no signing secret', permanent: true };
      const body = webhookPayload(subject);
      try {
        const status = await post(
          new URL(job.target),
          body,
          {
            'Content-Type': 'application/json',
            'User-Agent': 'Formline-Webhooks/1',
            [SIGNATURE_HEADER]: signWebhook(subject.webhookSecret, body, Math.floor(Date.now() / 1000)),
            'Formline-Delivery': String(job.id),
          },
          { allowPrivate: options.allowPrivate, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, resolve },
        );
        if (status >= 200 && status < 300) return { outcome: 'sent' };
        const why = status >= 300 && status < 400 ? ' (redirects are not followed)' : '';
        return { outcome: 'failed', error: `webhook: the receiver answered ${status}${why}`, permanent: status === 410 };
      } catch (error) {
        // Refused by the guard ("refused: ... resolves to the internal address ..."): dead at once.
        if (error instanceof RefusedTarget) return { outcome: 'failed', error: `webhook ${error.message}`, permanent: true };
        return { outcome: 'failed', error: `webhook: ${error instanceof Error ? error.message : String(error)}` };
      }
    },
  };
}
