// When a failed notification is tried again: exponential backoff with jitter, shared by the
// worker (a failed attempt) and Twilio's status callback (a message reported failed later).

/** No retry waits longer than this, however many attempts went before. */
export const MAX_BACKOFF_MS = 6 * 3600_000;

/**
 * The delay before attempt `attempt + 1`: base × 2^(attempt-1), capped at MAX_BACKOFF_MS, then
 * spread over ±50% so that jobs which failed together (an outage) do not all come back together.
 */
export function backoffMs(attempt: number, baseMs: number, random: () => number = Math.random): number {
  return Math.min(MAX_BACKOFF_MS, baseMs * 2 ** (attempt - 1)) * (0.5 + random());
}
