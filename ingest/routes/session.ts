// POST /api/session (sign in), GET /api/session (who am I), DELETE /api/session (sign out).

import type { CookieOptions, RequestHandler } from 'express';
import { z } from 'zod';
import { UnauthorizedError } from '../errors.ts';
import { parseInput } from '../http/input.ts';
import { sessionToken } from '../http/console-session.ts';
import { SESSION_COOKIE, SESSION_DAYS, type ConsoleAuth } from '../services/console-auth.ts';
import type { SessionContext } from '../store/sessions.ts';

const signInInput = z.object({
  email: z.string().trim().min(1).max(254),
  password: z.string().min(1).max(1024),
});

function present(session: SessionContext) {
  return {
    user: { id: session.userId, email: session.email, isPlatformAdmin: session.isPlatformAdmin },
    account: session.accountId ? { id: session.accountId, name: session.accountName, role: session.role } : null,
  };
}

export function sessionRoutes(auth: ConsoleAuth, publicUrl: string) {
  const cookie: CookieOptions = {
    httpOnly: true,
    sameSite: 'lax',
    secure: publicUrl.startsWith('https:'),
    path: '/',
  };

  const signIn: RequestHandler = async (req, res) => {
    const input = parseInput(signInInput, req.body);
    const { token, session } = await auth.signIn(input.email, input.password);
    res.cookie(SESSION_COOKIE, token, { ...cookie, maxAge: SESSION_DAYS * 86_400_000 });
    res.json(present(session));
  };

  const current: RequestHandler = (_req, res) => {
    if (!res.locals.auth) throw new UnauthorizedError();
    res.json(present(res.locals.auth));
  };

  const signOut: RequestHandler = async (req, res) => {
    const token = sessionToken(req);
    if (token) await auth.signOut(token);
    res.clearCookie(SESSION_COOKIE, cookie);
    res.status(204).end();
  };

  return { signIn, current, signOut };
}
