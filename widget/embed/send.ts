// Never lose a submission. Each submit becomes a pending item (the body under one
// Idempotency-Key) kept in localStorage before the first attempt; it leaves only when the service
// has answered for good (stored, or refused for a reason a retry cannot change). Network errors,
// 5xx and 429 are retried with backoff and jitter while the page is open (at once when the browser
// comes back online) and on the next page load. The key makes every retry store it once.

/** The service's final word on a submission: `id` when stored, else `error` (as in DESIGN.md). */
export interface Outcome {
  status: number;
  id?: string;
  error?: { code?: string; message?: string; fields?: Record<string, string> };
}

/** Called with nothing after each failed attempt (another follows), then with the outcome. */
type Listener = (outcome?: Outcome) => void;

const STORE = 'formline:pending';
/** Idempotency-Key → [url, JSON body]. Also where items live when localStorage is unavailable. */
let pending: Record<string, [string, string]> = {};

function load(): Record<string, [string, string]> {
  try {
    pending = JSON.parse(localStorage[STORE] || '{}') as Record<string, [string, string]>;
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

/** Sends one pending item until the service answers for good (another tab may send it too: the key makes the service store it once). */
async function deliver(key: string, listener?: Listener): Promise<void> {
  for (let delay = 1e3; ; delay = Math.min(6e4, delay * 2)) {
    const item = load()[key];
    // Sent meanwhile from another tab.
    if (!item) return;
    try {
      const response = await fetch(item[0], {
        method: 'POST',
        body: item[1],
        // A string body goes as text/plain (no CORS preflight for the type); the service reads
        // it as JSON. Cross-origin, fetch sends no cookies.
        headers: { 'Idempotency-Key': key },
        // keepalive lets a post outlive the page, within the browser's 64 KB budget.
        keepalive: item[1].length < 2e4,
      });
      const { status } = response;
      if (status != 429 && status < 500) {
        const outcome = { status, ...((await response.json().catch(() => ({}))) as object) };
        delete load()[key];
        save();
        return listener?.(outcome);
      }
    } catch {
      // offline or unreachable: retried
    }
    listener?.();
    // Back off, but go at once when the browser is back online.
    await new Promise((resolve) => {
      setTimeout(resolve, delay * (0.5 + Math.random()));
      addEventListener('online', resolve, { once: true });
    });
  }
}

/** Sends what an earlier visit left pending (on page load). */
export function flush(): void {
  for (const key in load()) void deliver(key);
}

/** Queues a submission and sends it; the listener hears of every retry and then the outcome. */
export function send(url: string, body: string, listener: Listener): void {
  const key = Date.now().toString(36) + Math.random().toString(36).slice(1);
  load()[key] = [url, body];
  save();
  void deliver(key, listener);
}
