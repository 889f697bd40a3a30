// The one rate-limiter factory. Limits come from config; state lives in Redis when REDIS_URL is
// set (shared by every process) and in memory otherwise. A rejection is just another error: a
// TooManyRequestsError with Retry-After. If Redis fails, requests pass rather than fail: losing a
// visitor's submission is worse than letting a burst through.

import type { Request, RequestHandler, Response } from 'express';
import './locals.ts';
import { ipKeyGenerator, rateLimit, type RateLimitInfo, type Store } from 'express-rate-limit';
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
  close(): Promise<void>;
}

export async function connectRedisLimiterStores(url: string, prefix: string, logger: Logger): Promise<RedisLimiterStores> {
  const client = createClient({
    url,
    // Fail fast while disconnected instead of queueing: the limiter then lets the request pass.
    disableOfflineQueue: true,
  });
  let lastError = '';
  client.on('error', (error: Error) => {
    if (error.message !== lastError) logger.warn({ err: error }, 'redis connection problem');
    lastError = error.message;
  });
  await client.connect();
  return {
    stores: (name) =>
      new RedisStore({
        prefix: `${prefix}${name}:`,
        sendCommand: (...args: string[]) => client.sendCommand(args) as Promise<RedisReply>,
      }),
    close: async () => {
      if (client.isOpen) await client.close();
    },
  };
}

export const memoryLimiterStores: LimiterStoreFactory = () => undefined;
