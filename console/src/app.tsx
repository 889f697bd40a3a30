// The console: who is signed in, the route table, and the frame around signed-in pages (navigation
// by role, the account switcher, the email-verification banner). A 401 from any call comes back
// here and goes to the sign-in page, returning afterwards to where the user was.

import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, setUnauthorizedHandler } from './api.ts';
import type { Session } from './api-types.ts';
import { Loading, PageHeader, StatusLine, useStatus } from './feedback.tsx';
import { AdminPage } from './pages/admin-page.tsx';
import { AuditPage } from './pages/audit-page.tsx';
import { ForgotPasswordPage } from './pages/forgot-password-page.tsx';
import { FormEditorPage } from './pages/form-editor/form-editor-page.tsx';
import { FormsPage } from './pages/forms-page.tsx';
import { InboxPage } from './pages/inbox/inbox-page.tsx';
import { InvitationPage } from './pages/invitation-page.tsx';
import { KeysPage } from './pages/keys-page.tsx';
import { ResetPasswordPage } from './pages/reset-password-page.tsx';
import { SignInPage } from './pages/sign-in-page.tsx';
import { SignUpPage } from './pages/sign-up-page.tsx';
import { SitesPage } from './pages/sites-page.tsx';
import { SubmissionLinkPage } from './pages/submission-link-page.tsx';
import { TeamPage } from './pages/team-page.tsx';
import { UsagePage } from './pages/usage-page.tsx';
import { VerifyEmailPage } from './pages/verify-email-page.tsx';
import { currentRoute, navigate, signInHref, useRoute, type Route } from './router.ts';
import { completeSession, isOwner, SessionContext, useSession, type SessionState } from './session.ts';

const PUBLIC_PAGES = new Set(['signin', 'signup', 'forgot', 'reset', 'verify', 'invite']);

interface NavItem {
  path: string;
  label: string;
  visible(session: Session): boolean;
}

const hasAccount = (session: Session) => session.account !== null;

const NAV: NavItem[] = [
  { path: 'forms', label: 'Forms', visible: hasAccount },
  { path: 'sites', label: 'Sites', visible: hasAccount },
  { path: 'usage', label: 'Usage', visible: hasAccount },
  { path: 'team', label: 'Team', visible: hasAccount },
  { path: 'keys', label: 'API keys', visible: isOwner },
  { path: 'audit', label: 'Audit & privacy', visible: isOwner },
  { path: 'admin', label: 'Admin', visible: (session) => session.user.isPlatformAdmin },
];

export function App() {
  const route = useRoute();
  // undefined: not known yet; null: signed out.
  const [session, setRawSession] = useState<Session | null | undefined>(undefined);
  const setSession = useCallback((next: Session | null) => setRawSession(next ? completeSession(next) : null), []);

  const refresh = useCallback(async () => {
    try {
      setSession(await api.get<Session>('/api/session', { expectUnauthorized: true }));
    } catch {
      setSession(null);
    }
  }, [setSession]);

  useEffect(() => {
    void refresh();
    setUnauthorizedHandler(() => {
      setSession(null);
      const { segments, hash } = currentRoute();
      if (!PUBLIC_PAGES.has(segments[0] ?? '')) navigate(signInHref(hash), { replace: true });
    });
  }, [refresh]);

  const onSignedIn = useCallback((next: Session, to: string | null) => {
    setSession(next);
    navigate(to && to !== '#' ? to : '#/forms', { replace: true });
  }, []);

  const signOut = useCallback(async (to = '#/signin') => {
    try {
      await api.delete('/api/session', { expectUnauthorized: true });
    } finally {
      setSession(null);
      navigate(to, { replace: true });
    }
  }, []);

  const page = route.segments[0] ?? '';
  const token = route.query.get('token') ?? '';

  // Redirects: the bare console to the forms; a signed-out user to sign-in; a signed-in one away
  // from it. (The route is read afresh: the hash may have moved on since this render.)
  useEffect(() => {
    if (session === undefined) return;
    const now = currentRoute();
    const current = now.segments[0] ?? '';
    if (current === '') navigate(session ? '#/forms' : '#/signin', { replace: true });
    else if (!session && !PUBLIC_PAGES.has(current)) navigate(signInHref(now.hash), { replace: true });
    else if (session && (current === 'signin' || current === 'signup')) navigate(now.query.get('next') ?? '#/forms', { replace: true });
  }, [session, route.hash]);

  useEffect(() => {
    document.title = `${titleOf(route)} · Formline`;
  }, [route.hash]);

  if (session === undefined) return <Loading what="Loading the console…" />;

  switch (page) {
    case 'signin':
      return <SignInPage next={route.query.get('next')} onSignedIn={onSignedIn} />;
    case 'signup':
      return <SignUpPage onSignedIn={onSignedIn} />;
    case 'forgot':
      return <ForgotPasswordPage />;
    case 'reset':
      return <ResetPasswordPage token={token} />;
    case 'verify':
      return <VerifyEmailPage token={token} signedIn={!!session} onVerified={() => void refresh()} />;
    case 'invite':
      return <InvitationPage token={token} session={session} onSignedIn={onSignedIn} onSignOut={(to) => void signOut(to)} />;
  }
  if (!session) return <Loading what="Signing you in…" />;
  const state: SessionState = { session, setSession: (next) => (next ? setSession(next) : void signOut()), refresh };
  return (
    <SessionContext.Provider value={state}>
      <Shell route={route} onSignOut={() => void signOut()}>
        <SignedInPage route={route} session={session} />
      </Shell>
    </SessionContext.Provider>
  );
}

function titleOf(route: Route): string {
  const [page = '', , sub] = route.segments;
  const titles: Record<string, string> = {
    signin: 'Sign in',
    signup: 'Create your account',
    forgot: 'Reset your password',
    reset: 'Choose a new password',
    verify: 'Verify your email',
    invite: 'Invitation',
    forms: route.segments.length === 1 ? 'Forms' : sub === 'edit' ? 'Edit form' : 'Inbox',
    sites: 'Sites',
    usage: 'Usage',
    keys: 'API keys',
    team: 'Team',
    audit: 'Audit & privacy',
    admin: 'Admin',
    submissions: 'Submission',
  };
  return titles[page] ?? 'Console';
}

function SignedInPage({ route, session }: { route: Route; session: Session }) {
  const [page = '', id = '', sub] = route.segments;
  const owner = isOwner(session);
  if (!session.account && page !== 'admin') return <NoAccount session={session} />;
  switch (page) {
    case 'forms':
      if (!id) return <FormsPage />;
      if (sub === 'edit') return <FormEditorPage formId={id} />;
      return <InboxPage formId={id} route={route} />;
    case 'submissions':
      return <SubmissionLinkPage submissionId={id} />;
    case 'sites':
      return <SitesPage />;
    case 'usage':
      return <UsagePage />;
    case 'team':
      return <TeamPage />;
    case 'keys':
      return owner ? <KeysPage /> : <NotAllowed what="API keys" />;
    case 'audit':
      return owner ? <AuditPage /> : <NotAllowed what="The audit log" />;
    case 'admin':
      return session.user.isPlatformAdmin ? <AdminPage /> : <NotAllowed what="The platform admin page" who="platform administrators" />;
    default:
      return (
        <>
          <PageHeader title="Page not found" />
          <p>
            There is no page at {route.hash}. <a href="#/forms">Go to your forms</a>.
          </p>
        </>
      );
  }
}

function NotAllowed({ what, who = 'owners of this account' }: { what: string; who?: string }) {
  return (
    <>
      <PageHeader title="Not available" />
      <p>{what} can only be seen by {who}.</p>
    </>
  );
}

function NoAccount({ session }: { session: Session }) {
  return (
    <>
      <PageHeader title="No account yet" />
      <p>You ({session.user.email}) are not a member of any account. Ask an owner for an invitation, or create an account of your own.</p>
    </>
  );
}

function Shell({ route, onSignOut, children }: { route: Route; onSignOut(): void; children: ComponentChildren }) {
  const { session } = useSession();
  const main = useRef<HTMLElement>(null);
  const path = route.segments.join('/');
  const first = useRef(true);

  // A new page moves the focus to it, as a page load would (screen readers announce where they are).
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }, [path]);

  const items = useMemo(() => NAV.filter((item) => item.visible(session)), [session]);
  return (
    <div class="shell">
      <a class="skip-link" href="#main" onClick={(event) => (event.preventDefault(), main.current?.focus())}>
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href="#/forms">
          <span class="brand-mark" aria-hidden="true" />
          Formline
        </a>
        <nav class="nav" aria-label="Console">
          <ul>
            {items.map((item) => (
              <li key={item.path}>
                <a href={`#/${item.path}`} aria-current={route.segments[0] === item.path ? 'page' : undefined}>
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="topbar-end">
          <AccountSwitcher />
          <span class="user-email" title={session.user.email}>
            {session.user.email}
          </span>
          <button type="button" class="button button-small button-quiet" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      {!session.user.emailVerified && <VerifyBanner email={session.user.email} />}
      <main class="main" id="main" ref={main} tabIndex={-1} key={session.account?.id ?? 'none'}>
        {children}
      </main>
    </div>
  );
}

function AccountSwitcher() {
  const { session, setSession } = useSession();
  const status = useStatus();
  if (session.accounts.length < 2) {
    return session.account ? <span class="account-name">{session.account.name}</span> : null;
  }
  const change = async (event: Event) => {
    const accountId = (event.currentTarget as HTMLSelectElement).value;
    status.busy('Switching…');
    try {
      const next = await api.put<Session>('/api/session/account', { accountId });
      status.clear();
      setSession(next);
      navigate('#/forms');
    } catch (error) {
      status.error(error);
    }
  };
  return (
    <div class="account-switcher">
      <label for="account-switcher">Account</label>
      <select id="account-switcher" value={session.account?.id ?? ''} onChange={change}>
        {session.accounts.map((account) => (
          <option key={account.id} value={account.id}>
            {account.name} ({account.role})
          </option>
        ))}
      </select>
      <StatusLine status={status.status} class="status-inline" />
    </div>
  );
}

function VerifyBanner({ email }: { email: string }) {
  const status = useStatus();
  const resend = async () => {
    status.busy('Sending…');
    try {
      await api.post('/api/email-verification/resend', {});
      status.ok(`A new link is on its way to ${email}.`);
    } catch (error) {
      status.error(error);
    }
  };
  return (
    <div class="banner" role="region" aria-label="Email verification">
      <p>
        Please verify your email address: we sent a link to <strong>{email}</strong>.
      </p>
      <button type="button" class="button button-small" onClick={resend} disabled={status.status?.kind === 'busy'}>
        Resend the link
      </button>
      <StatusLine status={status.status} class="status-inline" />
    </div>
  );
}
