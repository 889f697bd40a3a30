// The one rate-limiter factory. Limits come from config; state lives in Redis when REDIS_URL is
// set (shared by every process) and in memory otherwise. A rejection is just another error: a
// TooManyRequestsError with Retry-After. If Redis fails, requests pass rather than fail: losing a
// visitor's submission is worse than letting a burst through.

import type { Request, RequestHandler, Response } from 'express';
import './locals.ts';
import { ipKeyGenerator, rateLimit, type ClientRateLimitInfo, type Options, type RateLimitInfo, type Store } from 'express-rate-limit';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import { createClient } from 'redis';
import { TooManyRequestsError } from '../errors.ts';
import type { Logger } from '../logger.ts';

export type LimiterStoreFactory = (name: string) => Store | undefined;

export interface LimiterOptions {
  name: string;
  windowMs: number;
  limit: number;
  key: (req: Request, res: Response) => string;
  /** Count only failed requests (a sign-in limiter must not lock out someone who signs in). */
  skipSuccessfulRequests?: boolean;
  message?: string;
}

export function createLimiter(options: LimiterOptions, stores: LimiterStoreFactory, logger: Logger): RequestHandler {
  const store = stores(options.name);
  return rateLimit({
    windowMs: options.windowMs,
    limit: options.limit,
    keyGenerator: options.key,
    ...(store ? { store } : {}),
    // Only a refusal says when to come back (Retry-After); accepted requests carry no extra headers.
    standardHeaders: false,
    legacyHeaders: false,
    skipSuccessfulRequests: options.skipSuccessfulRequests ?? false,
    passOnStoreError: true,
    // The library's configuration checks run on every request; ours is fixed and tested.
    validate: false,
    logger: {
      error: (error: unknown, message?: string) => logger.warn({ err: error }, message ?? 'rate limit store error'),
      warn: (error: unknown, message?: string) => logger.warn({ err: error }, message ?? 'rate limit warning'),
    },
    handler(req, _res, next) {
      const resetTime = (req as Request & { rateLimit?: RateLimitInfo }).rateLimit?.resetTime;
      const seconds = resetTime ? Math.ceil((resetTime.getTime() - Date.now()) / 1000) : Math.ceil(options.windowMs / 1000);
      next(new TooManyRequestsError(Math.max(1, seconds), options.message));
    },
  });
}

/** The visitor's address as a rate-limit key: IPv6 addresses count by their /56 subnet. */
export function clientIp(req: Request, res: Response): string {
  const ip = res.locals.clientIp ?? req.ip ?? 'unknown';
  return ip.includes(':') ? ipKeyGenerator(ip) : ip;
}

export interface RedisLimiterStores {
  stores: LimiterStoreFactory;
  /** Resolves once Redis first answers (limits are shared from then on); never rejects. */
  ready: Promise<void>;
  close(): Promise<void>;
}

// What a limiter is told while Redis is away: the request counts as nothing, so it passes.
const NOT_COUNTED: ClientRateLimitInfo = { totalHits: 0, resetTime: undefined };
// Reconnect forever (the library's default gives up after a timeout), at most every 2 s.
const reconnectDelay = (retries: number) => Math.min(2 ** retries * 50, 2_000) + Math.floor(Math.random() * 200);

/** Says once that Redis is away, and once that it is back: never a line per request. */
class RedisOutage {
  private down = false;

  constructor(private readonly logger: Logger) {}

  failed(error: unknown): void {
    if (this.down) return;
    this.down = true;
    this.logger.warn({ err: error }, 'redis is unreachable: rate limits let every request through until it is back');
  }

  recovered(): void {
    if (!this.down) return;
    this.down = false;
    this.logger.info('redis is reachable again: rate limits apply');
  }
}

/**
 * rate-limit-redis behind a guard. While Redis is away a request is let through at once (no
 * command is sent, nothing is logged per request); once it is back the store's scripts are loaded
 * again (a store started while Redis was down would otherwise keep failing on its first, failed load).
 */
class GuardedRedisStore implements Store {
  private options: Options | undefined;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly redis: RedisStore,
    private readonly isReady: () => boolean,
    private readonly outage: RedisOutage,
  ) {}

  get prefix(): string {
    return this.redis.prefix;
  }

  init(options: Options): void {
    this.options = options;
  }

  private load(): Promise<void> {
    this.loading ??= this.redis.init(this.options as Options).catch((error: unknown) => {
      this.loading = undefined;
      throw error;
    });
    return this.loading;
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    if (!this.isReady()) return NOT_COUNTED;
    try {
      await this.load();
      const counted = await this.redis.increment(key);
      this.outage.recovered();
      return counted;
    } catch (error) {
      this.outage.failed(error);
      return NOT_COUNTED;
    }
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    if (!this.isReady()) return undefined;
    try {
      await this.load();
      return await this.redis.get(key);
    } catch (error) {
      this.outage.failed(error);
      return undefined;
    }
  }

  async decrement(key: string): Promise<void> {
    if (!this.isReady()) return;
    await this.redis.decrement(key).catch((error: unknown) => this.outage.failed(error));
  }

  async resetKey(key: string): Promise<void> {
    if (!this.isReady()) return;
    await this.redis.resetKey(key).catch((error: unknown) => this.outage.failed(error));
  }
}

/**
 * Starts connecting and returns at once: the service must start, answer and stop while Redis is
 * unreachable (requests then pass unlimited), and pick Redis up whenever it answers.
 */
export async function connectRedisLimiterStores(url: string, prefix: string, logger: Logger): Promise<RedisLimiterStores> {
  const client = createClient({
    url,
    // Fail fast while disconnected instead of queueing: the limiter then lets the request pass.
    disableOfflineQueue: true,
    socket: { reconnectStrategy: reconnectDelay },
  });
  const outage = new RedisOutage(logger);
  client.on('error', (error: Error) => outage.failed(error));
  const ready = new Promise<void>((resolve) => client.once('ready', () => resolve()));
  client.on('ready', () => outage.recovered());
  // Connection failures arrive as 'error' events above; this rejects only when closed while connecting.
  client.connect().catch(() => {});
  return {
    stores: (name) =>
      new GuardedRedisStore(
        new RedisStore({
          prefix: `${prefix}${name}:`,
          sendCommand: (...args: string[]) => client.sendCommand(args) as Promise<RedisReply>,
        }),
        () => client.isReady,
        outage,
      ),
    ready,
    close: async () => {
      if (client.isReady) await client.close();
      else if (client.isOpen) client.destroy();
    },
  };
}

export const memoryLimiterStores: LimiterStoreFactory = () => undefined;
