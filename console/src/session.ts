// Who is signed in, and into which account: one context for the whole console. Pages read the
// role from here to hide what they may not do (the API refuses it anyway: 403 owner_required).

import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Session } from './api-types.ts';

export interface SessionState {
  session: Session;
  /** Replaces the session (after sign-in, an account switch, verification). */
  setSession(session: Session | null): void;
  /** Reloads it from GET /api/session. */
  refresh(): Promise<void>;
}

export const SessionContext = createContext<SessionState | null>(null);

/** The session of a signed-in page (pages behind the sign-in gate only). */
export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSession outside a signed-in page');
  return state;
}

export function isOwner(session: Session): boolean {
  return session.account?.role === 'owner';
}

/** A session payload with every part the console reads (older services sent fewer). */
export function completeSession(session: Session): Session {
  const account = session.account ?? null;
  return {
    user: { ...session.user, emailVerified: session.user.emailVerified ?? true },
    account,
    accounts: session.accounts ?? (account ? [{ id: account.id, name: account.name, role: account.role }] : []),
  };
}
