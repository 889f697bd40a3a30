// Console sign-in: email + password (scrypt), server-side sessions behind an httpOnly cookie.

import type { Database } from '../db/database.ts';
import { UnauthorizedError } from '../errors.ts';
import { getUserByEmail, listMembershipsByUser } from '../store/accounts.ts';
import { deleteSession, getSessionContext, saveSession, type SessionContext } from '../store/sessions.ts';
import { randomToken } from './ids.ts';
import { decoyHash, verifyPassword } from './passwords.ts';
import { sha256 } from './secrets.ts';

export const SESSION_COOKIE = 'formline_session';
export const SESSION_DAYS = 30;

export class ConsoleAuth {
  constructor(private readonly db: Database) {}

  /** Checks the credentials and opens a session; returns the cookie token and who signed in. */
  async signIn(email: string, password: string): Promise<{ token: string; session: SessionContext }> {
    const user = await getUserByEmail(this.db, email);
    // Unknown emails cost as much as wrong passwords, so timing does not reveal who has an account.
    const valid = await verifyPassword(password, user?.passwordHash ?? (await decoyHash()));
    if (!user || !valid) throw new UnauthorizedError('invalid_credentials', 'The email or password is not right.');
    const [first] = await listMembershipsByUser(this.db, user.id);
    const token = randomToken();
    await saveSession(this.db, {
      id: sha256(token),
      userId: user.id,
      accountId: first?.accountId ?? null,
      expiresAt: new Date(Date.now() + SESSION_DAYS * 86_400_000),
    });
    const session = await getSessionContext(this.db, sha256(token));
    if (!session) throw new Error('a session just saved was not found');
    return { token, session };
  }

  async resolve(token: string): Promise<SessionContext | null> {
    if (token.length === 0 || token.length > 100) return null;
    return getSessionContext(this.db, sha256(token));
  }

  async signOut(token: string): Promise<void> {
    await deleteSession(this.db, sha256(token));
  }
}
