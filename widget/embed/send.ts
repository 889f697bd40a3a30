// Never lose a submission. Each submit becomes a pending item (the body under one
// Idempotency-Key, a random UUID) kept in localStorage before the first attempt; it leaves only
// when the service has stored it, or when the service refused it for good and its values are back
// in a form on the page. Network errors, timeouts, 5xx and 429 are retried with backoff and jitter
// (never sooner than a Retry-After) while the page is open, at once when the browser comes back
// online, and on the next page load. The key makes every retry store it once.
// A refused item whose form is not on the page (sent on a later page load), or holds new input by
// now, stays, marked with the refusal, until a form posting to its URL is mounted and takes it.
// The queue is bounded: at most MAX_ITEMS items, none older than MAX_AGE.

/** The service's final word on a submission: `id` when stored, else `error` (as in DESIGN.md). */
export interface Outcome {
  status: number;
  id?: string;
  error?: { code?: string; message?: string; fields?: Record<string, string> };
}

/**
 * Told of each failed attempt (no outcome: another follows), then of the outcome. For a refusal,
 * it answers whether the submission's values are in a form now (so the stored copy can go).
 */
export type Listener = (outcome?: Outcome, body?: string) => unknown;
/** Offered a refused submission (its JSON body); answers whether its values are in the form now. */
export type Taker = (refusal: Outcome, body: string) => unknown;

/** [url, JSON body, queued at (ms), the refusal once refused]. */
type Item = [string, string, number, Outcome?];

const STORE = 'formline:pending';
export const MAX_ITEMS = 20;
/** 30 days: the owner will not want it later, and a time token or captcha would long have expired. */
export const MAX_AGE = 2592e6;
/** An attempt unanswered this long is given up on and retried (the key keeps it stored once). */
const TIMEOUT = 15e3;

/** Idempotency-Key → item. Also where items live when localStorage is unavailable. */
let pending: Record<string, Item> = {};
/** A mounted form for each URL, which takes refused items sent to that URL. */
const takers: Record<string, Taker> = {};

function load(): Record<string, Item> {
  try {
    pending = JSON.parse(localStorage[STORE] || '{}') as Record<string, Item>;
  } catch {
    // unavailable storage: memory holds them
  }
  return pending;
}

function save(): void {
  try {
    localStorage[STORE] = JSON.stringify(pending);
  } catch {
    // memory holds them
  }
}

/** Drops items past MAX_AGE, then the oldest beyond MAX_ITEMS (keys keep the order of insertion). */
function prune(items: Record<string, Item>): void {
  for (const key in items) if (items[key]![2] < Date.now() - MAX_AGE) delete items[key];
  for (const key of Object.keys(items).slice(0, -MAX_ITEMS)) delete items[key];
}

/** Sends one pending item until the service answers for good (another tab may send it too: the key makes the service store it once). */
async function deliver(key: string, listener?: Listener, retry = 0): Promise<void> {
  for (let delay = 1e3; ; delay = Math.min(6e4, delay * 2)) {
    const item = load()[key];
    // Sent (or refused) meanwhile, from another tab.
    if (!item || item[3]) return;
    let outcome: Outcome | undefined;
    let wait = delay * (0.5 + Math.random());
    try {
      // The URL already holds a query (?lang=). `retry` (0 on a first attempt) tells the service
      // whether an earlier attempt may have spent the captcha token.
      const response = await fetch(item[0] + '&retry=' + retry, {
        method: 'POST',
        body: item[1],
        // A string body goes as text/plain (no CORS preflight for the type); the service reads
        // it as JSON. Cross-origin, fetch sends no cookies.
        headers: { 'Idempotency-Key': key },
        // keepalive lets a post outlive the page, within the browser's 64 KB budget.
        keepalive: item[1].length < 2e4,
        signal: AbortSignal.timeout(TIMEOUT),
      });
      const { status } = response;
      if (status != 429 && status < 500) outcome = { status, ...((await response.json().catch(() => ({}))) as object) };
      // Seconds (a date reads as NaN, which is never greater).
      const after = 1e3 * +response.headers.get('Retry-After')!;
      if (after > wait) wait = after;
    } catch {
      // offline, unreachable or timed out: retried
    }
    // A refusal of an item no form on this page holds goes to the form for its URL, if one is mounted.
    const listen = listener ?? ((outcome && !outcome.id && takers[item[0]]) as Listener | undefined);
    let taken: unknown;
    // Nothing a listener does may throw out of here (it would reach the page as an unhandled rejection).
    try {
      taken = listen && listen(outcome, item[1]);
    } catch {
      // ignored
    }
    if (outcome) {
      const items = load();
      if (outcome.id || taken) delete items[key];
      else if (items[key]) items[key]![3] = outcome;
      return save();
    }
    retry++;
    // Back off, but go at once when the browser is back online (the signal removes the listener).
    await new Promise((resolve) => {
      const signal = AbortSignal.timeout(wait);
      signal.onabort = resolve;
      addEventListener('online', resolve, { signal });
    });
  }
}

/** Sends what an earlier visit left pending (on page load). */
export function flush(): void {
  prune(load());
  save();
  for (const key in pending) void deliver(key, undefined, 1);
}

/** Registers the mounted form for `url`, and gives it the first item refused there, if there is one it takes. */
export function take(url: string, taker: Taker): void {
  takers[url] = taker;
  const items = load();
  for (const key in items) {
    const [to, body, , refusal] = items[key]!;
    if (refusal && to == url && taker(refusal, body)) return void (delete items[key], save());
  }
}

/** Queues a submission and sends it; the listener hears of every retry and then the outcome. */
export function send(url: string, body: string, listener: Listener): void {
  // A random UUID; pages served over plain http (not a secure context) lack randomUUID() and get
  // a random number and the time instead, as unlikely to repeat.
  const key = crypto.randomUUID?.() ?? Math.random() + '-' + Date.now();
  const items = load();
  items[key] = [url, body, Date.now()];
  prune(items);
  save();
  void deliver(key, listener);
}
