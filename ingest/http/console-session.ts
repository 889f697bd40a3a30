// Console authentication and CSRF defence for /api.

import type { Request, RequestHandler, Response } from 'express';
import { ForbiddenError, UnauthorizedError } from '../errors.ts';
import { SESSION_COOKIE, type ConsoleAuth } from '../services/console-auth.ts';
import type { SessionContext } from '../store/sessions.ts';
import './locals.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function originOf(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    return new URL(value).origin;
  } catch {
    return undefined;
  }
}

/**
 * A state-changing request that carries the session cookie must come from the service's own
 * origin: its Origin header (or, failing that, its Referer) must be PUBLIC_URL's origin or the
 * origin the request was addressed to. A cross-site page cannot forge either.
 */
export function csrfGuard(publicUrl: string): RequestHandler {
  const publicOrigin = new URL(publicUrl).origin;
  return (req, _res, next) => {
    if (SAFE_METHODS.has(req.method) || !req.cookies?.[SESSION_COOKIE]) return next();
    // An Origin header, even "null", is the browser's word; the Referer only stands in when it is absent.
    const origin = req.get('origin');
    const source = origin !== undefined ? originOf(origin) : originOf(req.get('referer'));
    const addressed = `${req.protocol}://${req.get('host')}`;
    if (source !== undefined && (source === publicOrigin || source === addressed)) return next();
    next(new ForbiddenError('csrf_failed', 'This request must come from the Formline console itself (Origin check failed).'));
  };
}

/** Resolves the session cookie, when there is one, into res.locals.auth. */
export function sessionLoader(auth: ConsoleAuth): RequestHandler {
  return async (req, res, next) => {
    const token: unknown = req.cookies?.[SESSION_COOKIE];
    if (typeof token === 'string' && token !== '') {
      const session = await auth.resolve(token);
      if (session) res.locals.auth = session;
    }
    next();
  };
}

export const requireSession: RequestHandler = (_req, res, next) => {
  next(res.locals.auth ? undefined : new UnauthorizedError());
};

/** The signed-in user with the account they are working on; throws when there is none. */
export function accountOf(res: Response): SessionContext & { accountId: string } {
  const auth = res.locals.auth;
  if (!auth) throw new UnauthorizedError();
  if (!auth.accountId) throw new ForbiddenError('no_account', 'You are not a member of any account.');
  return auth as SessionContext & { accountId: string };
}

export function sessionToken(req: Request): string | undefined {
  const token: unknown = req.cookies?.[SESSION_COOKIE];
  return typeof token === 'string' ? token : undefined;
}
