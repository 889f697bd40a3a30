// #/invite?token=...: an invitation to join an account. A new address chooses a password here;
// an existing user accepts while signed in as the invited address.

import { useState } from 'preact/hooks';
import { api, ApiError, query } from '../api.ts';
import type { InvitationLookup, Session } from '../api-types.ts';
import { TextField } from '../controls.tsx';
import { Loading, StatusLine, useStatus } from '../feedback.tsx';
import { href, signInHref } from '../router.ts';
import { useResource } from '../use-resource.ts';
import { AuthLayout } from './auth-layout.tsx';
import { MIN_PASSWORD_LENGTH } from './sign-up-page.tsx';

export interface InvitationPageProps {
  token: string;
  session: Session | null;
  onSignedIn(session: Session, next: string | null): void;
  onSignOut(next: string): void;
}

export function InvitationPage({ token, session, onSignedIn, onSignOut }: InvitationPageProps) {
  const invitation = useResource(
    () => api.get<InvitationLookup>(`/api/invitations/lookup${query({ token })}`, { expectUnauthorized: true }),
    [token],
  );
  const [password, setPassword] = useState('');
  const [fields, setFields] = useState<Record<string, string>>({});
  const status = useStatus();
  const here = href('/invite', { token });

  const accept = async (event: Event) => {
    event.preventDefault();
    const needsPassword = invitation.data && !invitation.data.userExists;
    if (needsPassword && password.length < MIN_PASSWORD_LENGTH) {
      setFields({ password: `Use at least ${MIN_PASSWORD_LENGTH} characters.` });
      status.error(new Error('Some values need attention.'));
      return;
    }
    status.busy('Joining…');
    setFields({});
    try {
      const next = await api.post<Session>('/api/invitations/accept', needsPassword ? { token, password } : { token }, { expectUnauthorized: true });
      onSignedIn(next, '#/forms');
    } catch (error) {
      if (error instanceof ApiError) setFields(error.fields);
      status.error(error);
    }
  };

  if (invitation.loading && !invitation.data) {
    return (
      <AuthLayout title="Invitation">
        <Loading what="Looking up your invitation…" />
      </AuthLayout>
    );
  }
  if (invitation.error || !invitation.data) {
    const expired = invitation.error?.code === 'invalid_token';
    return (
      <AuthLayout title="Invitation" footer={<a href="#/signin">Sign in</a>}>
        <p role="alert">{expired ? 'This invitation has expired, was cancelled or was already used. Ask the account owner for a new one.' : invitation.error?.message}</p>
      </AuthLayout>
    );
  }

  const { accountName, email, role, userExists } = invitation.data;
  const signedInAs = session?.user.email.toLowerCase();
  const intro = (
    <p>
      You are invited to join <strong>{accountName}</strong> as {role === 'owner' ? 'an owner' : 'a member'}, with the address <strong>{email}</strong>.
    </p>
  );

  if (userExists && signedInAs !== email.toLowerCase()) {
    return (
      <AuthLayout title={`Join ${accountName}`}>
        {intro}
        {session ? (
          <>
            <p>You are signed in as {session.user.email}. Sign out, then sign in as {email} to accept.</p>
            <button type="button" class="button button-primary button-wide" onClick={() => onSignOut(signInHref(here))}>
              Sign out and continue
            </button>
          </>
        ) : (
          <a class="button button-primary button-wide" href={signInHref(here)}>
            Sign in as {email} to accept
          </a>
        )}
      </AuthLayout>
    );
  }

  return (
    <AuthLayout title={`Join ${accountName}`}>
      <form onSubmit={accept} class="stack" noValidate>
        {intro}
        {!userExists && (
          <TextField
            label="Choose a password"
            type="password"
            autoComplete="new-password"
            required
            hint={`At least ${MIN_PASSWORD_LENGTH} characters. You will sign in with ${email}.`}
            value={password}
            onInput={setPassword}
            error={fields['password']}
            autoFocus
          />
        )}
        <StatusLine status={status.status} />
        <button class="button button-primary button-wide" type="submit" disabled={status.status?.kind === 'busy'}>
          Join {accountName}
        </button>
      </form>
    </AuthLayout>
  );
}
