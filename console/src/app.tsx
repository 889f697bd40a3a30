// The console: who is signed in, the route table, and the frame around signed-in pages (navigation
// by role, the account switcher, the email-verification banner, the owners' banner about a failed
// payment). A 401 from any call comes back
// here and goes to the sign-in page, returning afterwards to where the user was.

import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, ApiError, setUnauthorizedHandler } from './api.ts';
import type { BillingStatus, Session } from './api-types.ts';
import { BillingContext, useBilling, useBillingLoader } from './billing-state.ts';
import { Loading, PageHeader, StatusLine, useStatus } from './feedback.tsx';
import { formatDateTime, plural } from './format.ts';
import { AdminPage } from './pages/admin-page.tsx';
import { AuditPage } from './pages/audit-page.tsx';
import { BillingPage } from './pages/billing/billing-page.tsx';
import { graceEnd } from './pages/billing/billing-terms.ts';
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
  { path: 'billing', label: 'Billing', visible: hasAccount },
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

  // Why this browser was signed out, when it was signed out elsewhere (a password change): shown on sign-in.
  const [signedOutBecause, setSignedOutBecause] = useState<string | null>(null);
  const noteSignOut = (error: unknown) => {
    if (error instanceof ApiError && error.code === 'session_ended') setSignedOutBecause(error.message);
  };

  const refresh = useCallback(async () => {
    try {
      setSession(await api.get<Session>('/api/session', { expectUnauthorized: true }));
    } catch (error) {
      noteSignOut(error);
      setSession(null);
    }
  }, [setSession]);

  useEffect(() => {
    void refresh();
    setUnauthorizedHandler((error) => {
      noteSignOut(error);
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
      return (
        <SignInPage
          next={route.query.get('next')}
          notice={signedOutBecause}
          onSignedIn={(next, to) => {
            setSignedOutBecause(null);
            onSignedIn(next, to);
          }}
        />
      );
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
      <SignedIn route={route} session={session} onSignOut={() => void signOut()} />
    </SessionContext.Provider>
  );
}

/** The signed-in console, with the account's billing kept for every page. */
function SignedIn({ route, session, onSignOut }: { route: Route; session: Session; onSignOut(): void }) {
  // Owners see a banner when a payment failed: the session says so when the service sends the
  // status; otherwise (or to tell the grace period's end) the billing is asked for once, when the
  // session starts.
  const known = session.account?.billingStatus;
  const eager = isOwner(session) && (known === undefined || known === 'past_due' || known === 'restricted');
  const billing = useBillingLoader(session.account?.id ?? null, eager);
  return (
    <BillingContext.Provider value={billing}>
      <Shell route={route} onSignOut={onSignOut}>
        <SignedInPage route={route} session={session} />
      </Shell>
    </BillingContext.Provider>
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
    billing: 'Billing',
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
    case 'billing':
      return <BillingPage route={route} />;
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
      {isOwner(session) && <PaymentBanner onBillingPage={route.segments[0] === 'billing'} />}
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

/** A failed payment (past_due) or an account held to the free plan's limits (restricted), to owners. */
function PaymentBanner({ onBillingPage }: { onBillingPage: boolean }) {
  const { session } = useSession();
  const billing = useBilling();
  // The freshest word: the billing page's figures, else the session's.
  const status: BillingStatus | undefined = billing.data?.status ?? session.account?.billingStatus;
  if (status !== 'past_due' && status !== 'restricted') return null;
  const data = billing.data;
  const until = data ? graceEnd(data) : null;
  const link = onBillingPage ? null : (
    <a class="button button-small" href="#/billing">
      {status === 'past_due' ? 'Update the card' : 'Go to billing'}
    </a>
  );
  return (
    <div class={`banner banner-${status === 'restricted' ? 'danger' : 'warn'}`} role="region" aria-label="Billing">
      {status === 'past_due' ? (
        <p>
          <strong>The last payment failed.</strong> Update the card
          {until ? ` by ${formatDateTime(until)}` : data ? ` within ${plural(data.graceDays, 'day')}` : ' soon'}; after that this account is held to the free plan's limits.
        </p>
      ) : (
        <p>
          <strong>The payment is overdue:</strong> this account is held to the free plan's limits (submissions past its quota are held) until a payment goes through.
        </p>
      )}
      {link}
    </div>
  );
}
