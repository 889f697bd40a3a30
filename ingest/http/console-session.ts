// Console authentication and CSRF defence for /api.

import type { Request, RequestHandler, Response } from 'express';
import { ForbiddenError, UnauthorizedError } from '../errors.ts';
import { SESSION_COOKIE, type ConsoleAuth } from '../services/console-auth.ts';
import type { Role } from '../store/accounts.ts';
import type { SessionContext, SessionEndReason } from '../store/sessions.ts';
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
    // A request with an API key carries no ambient credential a cross-site page could borrow.
    if (SAFE_METHODS.has(req.method) || !req.cookies?.[SESSION_COOKIE] || req.headers.authorization !== undefined) return next();
    // An Origin header, even "null", is the browser's word; the Referer only stands in when it is absent.
    const origin = req.get('origin');
    const source = origin !== undefined ? originOf(origin) : originOf(req.get('referer'));
    const addressed = `${req.protocol}://${req.get('host')}`;
    if (source !== undefined && (source === publicOrigin || source === addressed)) return next();
    next(new ForbiddenError('csrf_failed', 'This request must come from the Formline console itself (Origin check failed).'));
  };
}

/**
 * Resolves `Authorization: Bearer fl_...` into res.locals.apiKey (a bad key is 401 at once), or
 * else the session cookie, when there is one, into res.locals.auth.
 */
export function sessionLoader(auth: ConsoleAuth): RequestHandler {
  return async (req, res, next) => {
    const authorization = req.headers.authorization;
    if (authorization !== undefined) {
      const key = /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
      const context = key ? await auth.resolveApiKey(key) : null;
      if (!context) return next(new UnauthorizedError('invalid_api_key', 'The API key is not valid (malformed, unknown or revoked).'));
      res.locals.apiKey = context;
      return next();
    }
    const token: unknown = req.cookies?.[SESSION_COOKIE];
    if (typeof token === 'string' && token !== '') {
      const session = await auth.resolve(token);
      if (session) res.locals.auth = session;
      else res.locals.sessionEnded = (await auth.endReason(token)) ?? undefined;
    }
    next();
  };
}

const ENDED: Record<SessionEndReason, string> = {
  password_changed: 'You were signed out because your password changed. Sign in again.',
  ownership_proven: 'You were signed out because the owner of this email address confirmed it. Sign in again.',
};

/** "Sign in first", or why this browser's session ended when something done elsewhere ended it. */
export function signInFirst(res: Response): UnauthorizedError {
  const reason = res.locals.sessionEnded;
  return reason ? new UnauthorizedError('session_ended', ENDED[reason]) : new UnauthorizedError();
}

const apiKeyNotAllowed = () =>
  new ForbiddenError('api_key_not_allowed', 'API keys can read and export; this needs a signed-in console user.');

/** A signed-in console user (not an API key). */
export const requireSession: RequestHandler = (_req, res, next) => {
  if (res.locals.auth) return next();
  next(res.locals.apiKey ? apiKeyNotAllowed() : signInFirst(res));
};

/** A signed-in user, or an API key: the read and export routes. */
export const allowApiKey: RequestHandler = (_req, res, next) => {
  next(res.locals.auth || res.locals.apiKey ? undefined : signInFirst(res));
};

/** An owner of the account being worked on. */
export const requireOwner: RequestHandler = (_req, res, next) => {
  const auth = res.locals.auth;
  if (!auth) return next(res.locals.apiKey ? apiKeyNotAllowed() : signInFirst(res));
  if (auth.role === 'owner') return next();
  next(auth.accountId ? new ForbiddenError('owner_required', 'Only an owner of this account can do this.') : noAccount());
};

/** The platform operator. */
export const requirePlatformAdmin: RequestHandler = (_req, res, next) => {
  const auth = res.locals.auth;
  if (!auth) return next(res.locals.apiKey ? apiKeyNotAllowed() : signInFirst(res));
  next(auth.isPlatformAdmin ? undefined : new ForbiddenError('platform_admin_required', 'Only the platform operator can see this.'));
};

const noAccount = () => new ForbiddenError('no_account', 'You are not a member of any account.');

/** Who acts, and on which account: a signed-in user (with their role) or an API key. */
export interface Actor {
  accountId: string;
  userId: string | null;
  email: string | null;
  role: Role | 'api_key';
}

/** The account being worked on and who works on it; throws when there is none. */
export function accountOf(res: Response): Actor {
  const auth = res.locals.auth;
  if (auth) {
    if (!auth.accountId || !auth.role) throw noAccount();
    return { accountId: auth.accountId, userId: auth.userId, email: auth.email, role: auth.role };
  }
  const key = res.locals.apiKey;
  if (key) return { accountId: key.accountId, userId: null, email: null, role: 'api_key' };
  throw signInFirst(res);
}

/** The signed-in user's session (not an API key); throws when there is none. */
export function sessionOf(res: Response): SessionContext {
  const auth = res.locals.auth;
  if (!auth) throw res.locals.apiKey ? apiKeyNotAllowed() : signInFirst(res);
  return auth;
}

export function sessionToken(req: Request): string | undefined {
  const token: unknown = req.cookies?.[SESSION_COOKIE];
  return typeof token === 'string' ? token : undefined;
}

/**
 * The rule for an address nobody has proven yet: whoever signed up with it may use the console,
 * but may not hand out access (API keys, invitations) until the address is verified, since the
 * address may be someone else's.
 */
export function requireVerifiedEmail(res: Response): void {
  const auth = res.locals.auth;
  if (auth && !auth.emailVerified) {
    throw new ForbiddenError('email_unverified', 'Verify your email address first: until then this account cannot create API keys or invite anyone.');
  }
}
