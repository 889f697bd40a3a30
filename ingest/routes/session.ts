// Signing up, in and out, the account being worked on, email verification and password reset.
//   POST /api/signup, POST|GET|DELETE /api/session, PUT /api/session/account,
//   POST /api/email-verification(/resend), POST /api/password-reset(/confirm)

import type { CookieOptions, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { UnauthorizedError } from '../errors.ts';
import { parseInput } from '../http/input.ts';
import { sessionOf, sessionToken, signInFirst } from '../http/console-session.ts';
import type { AccountService } from '../services/accounts.ts';
import { DEVICE_COOKIE, DEVICE_DAYS, SESSION_COOKIE, SESSION_DAYS, type ConsoleAuth } from '../services/console-auth.ts';
import { emailAddress as email } from '../services/email-address.ts';
import type { SessionContext } from '../store/sessions.ts';

/** At least 8 characters; long passphrases welcome (scrypt takes any length, this bounds the work). */
export const newPassword = z.string().min(8, 'must be at least 8 characters').max(1024);
const token = z.string().min(1).max(200);

const signInInput = z.object({
  email,
  password: z.string().min(1).max(1024),
});
const signUpInput = z
  .object({ email, password: newPassword, accountName: z.string().trim().min(1).max(100), invitationToken: token.optional() })
  .strict();
const switchInput = z.object({ accountId: z.uuid() }).strict();
const tokenInput = z.object({ token }).strict();
const resetRequestInput = z.object({ email }).strict();
const resetInput = z.object({ token, password: newPassword }).strict();

export function sessionRoutes(auth: ConsoleAuth, accounts: AccountService, publicUrl: string) {
  const cookie: CookieOptions = {
    httpOnly: true,
    sameSite: 'lax',
    secure: publicUrl.startsWith('https:'),
    path: '/',
  };

  /** What the console knows about who is signed in: the user, the account worked on, and every account they may switch to. */
  const present = async (session: SessionContext) => ({
    user: { id: session.userId, email: session.email, isPlatformAdmin: session.isPlatformAdmin, emailVerified: session.emailVerified },
    account: session.accountId
      ? { id: session.accountId, name: session.accountName, role: session.role, plan: session.plan, billingStatus: session.billingStatus }
      : null,
    accounts: (await accounts.accounts(session.userId)).map((m) => ({ id: m.accountId, name: m.accountName, role: m.role })),
  });

  /** Sets the session cookie, and the device cookie that marks this browser as one that signed in as this user. */
  const opened = async (res: Response, status: number, { token: value, session }: { token: string; session: SessionContext }) => {
    res.cookie(SESSION_COOKIE, value, { ...cookie, maxAge: SESSION_DAYS * 86_400_000 });
    const device: unknown = res.req.cookies?.[DEVICE_COOKIE];
    res.cookie(DEVICE_COOKIE, auth.deviceCookie(session.userId, device), { ...cookie, path: '/api/session', maxAge: DEVICE_DAYS * 86_400_000 });
    res.status(status).json(await present(session));
  };

  const signIn: RequestHandler = async (req, res) => {
    const input = parseInput(signInInput, req.body);
    await opened(res, 200, await auth.signIn(input.email, input.password));
  };

  const signUp: RequestHandler = async (req, res) => {
    const input = parseInput(signUpInput, req.body);
    await opened(res, 201, await accounts.signUp(input));
  };

  const current: RequestHandler = async (_req, res) => {
    if (!res.locals.auth) throw signInFirst(res);
    res.json(await present(res.locals.auth));
  };

  const signOut: RequestHandler = async (req, res) => {
    const value = sessionToken(req);
    if (value) await auth.signOut(value);
    res.clearCookie(SESSION_COOKIE, cookie);
    res.status(204).end();
  };

  const switchAccount: RequestHandler = async (req, res) => {
    const session = sessionOf(res);
    const input = parseInput(switchInput, req.body);
    await accounts.switchAccount(session, input.accountId);
    const updated = await auth.resolve(sessionToken(req) ?? '');
    if (!updated) throw new UnauthorizedError();
    res.json(await present(updated));
  };

  const verifyEmail: RequestHandler = async (req, res) => {
    const input = parseInput(tokenInput, req.body);
    await accounts.verifyEmail(input.token, res.locals.auth);
    res.json({ verified: true });
  };

  const resendVerification: RequestHandler = async (_req, res) => {
    await accounts.resendVerification(sessionOf(res).userId);
    res.status(202).json({});
  };

  const requestPasswordReset: RequestHandler = async (req, res) => {
    const input = parseInput(resetRequestInput, req.body);
    await accounts.requestPasswordReset(input.email);
    // The same answer whether or not the address has a user: nobody learns who signed up.
    res.status(202).json({});
  };

  const resetPassword: RequestHandler = async (req, res) => {
    const input = parseInput(resetInput, req.body);
    await accounts.resetPassword(input.token, input.password);
    res.clearCookie(SESSION_COOKIE, cookie);
    res.status(204).end();
  };

  return { signIn, signUp, current, signOut, switchAccount, verifyEmail, resendVerification, requestPasswordReset, resetPassword, opened, present };
}
