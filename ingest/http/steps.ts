// Runs several middlewares as one route layer. Express dispatches each layer of a route through
// its router (matching, bookkeeping, a fresh `next`); on the submission path, the hottest route,
// that showed in profiles. The steps still run in the order written, with Express's contract: a
// step calls next() to go on, next(error) or a thrown/rejected error to stop.

import type { NextFunction, Request, RequestHandler, Response } from 'express';

export function steps(...handlers: RequestHandler[]): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    let index = 0;
    const step = (error?: unknown): void => {
      if (error !== undefined && error !== null) return next(error);
      const handler = handlers[index++];
      if (!handler) return next();
      try {
        const result: unknown = handler(req, res, step);
        if (result instanceof Promise) result.catch((failure: unknown) => next(failure ?? new Error('rejected without a reason')));
      } catch (failure) {
        next(failure);
      }
    };
    step();
  };
}
