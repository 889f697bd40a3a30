// #/verify?token=...: the link from the verification email. It confirms the address only in a
// session of the user who signed up (the link proves the mailbox, the session the password): in
// any other browser the page asks to sign in first, then confirms. Someone who did not sign up is
// sent to reset the password instead, which takes the account back from whoever did.

import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, messageOf } from '../api.ts';
import type { Session } from '../api-types.ts';
import { TextField } from '../controls.tsx';
import { StatusLine, useStatus } from '../feedback.tsx';
import { AuthLayout } from './auth-layout.tsx';

type State = { kind: 'busy' } | { kind: 'done' } | { kind: 'sign-in'; text: string } | { kind: 'failed'; text: string };

export function VerifyEmailPage({ token, signedIn, onVerified }: { token: string; signedIn: boolean; onVerified(): void }) {
  const [state, setState] = useState<State>({ kind: 'busy' });
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [fields, setFields] = useState<Record<string, string>>({});
  const status = useStatus();

  /** One try at the link; what the page shows next follows from the answer. */
  const verify = async (): Promise<State> => {
    try {
      await api.post('/api/email-verification', { token }, { expectUnauthorized: true });
      onVerified();
      return { kind: 'done' };
    } catch (error) {
      if (error instanceof ApiError && error.code === 'sign_in_required') return { kind: 'sign-in', text: error.message };
      const expired = error instanceof ApiError && error.code === 'invalid_token';
      return { kind: 'failed', text: expired ? 'This link has expired or was already used. Sign in and ask for a new one.' : messageOf(error) };
    }
  };

  useEffect(() => {
    if (!token) {
      setState({ kind: 'failed', text: 'This link is incomplete: open the whole link from the email.' });
      return;
    }
    let live = true;
    void verify().then((next) => {
      if (live) setState(next);
    });
    return () => {
      live = false;
    };
  }, [token]);

  const signInAndVerify = async (event: Event) => {
    event.preventDefault();
    status.busy('Signing in…');
    setFields({});
    try {
      await api.post<Session>('/api/session', { email, password }, { expectUnauthorized: true });
    } catch (error) {
      if (error instanceof ApiError) setFields(error.fields);
      status.error(error);
      return;
    }
    status.busy('Confirming your address…');
    const next = await verify();
    if (next.kind === 'sign-in') status.error(new Error(`${next.text} (You are signed in as ${email}, not as the user this link is for.)`));
    else {
      status.clear();
      setState(next);
    }
  };

  return (
    <AuthLayout title="Verify your email" footer={<a href={signedIn ? '#/forms' : '#/signin'}>{signedIn ? 'Go to the console' : 'Sign in'}</a>}>
      {state.kind === 'busy' && <p role="status">Checking your link…</p>}
      {state.kind === 'done' && (
        <p role="status" class="status-ok">
          Thank you: your email address is verified.
        </p>
      )}
      {state.kind === 'failed' && <p role="alert">{state.text}</p>}
      {state.kind === 'sign-in' && (
        <form onSubmit={signInAndVerify} class="stack" noValidate>
          <p>{state.text}</p>
          <TextField label="Email" type="email" name="email" autoComplete="username" required value={email} onInput={setEmail} error={fields['email']} autoFocus />
          <TextField label="Password" type="password" name="password" autoComplete="current-password" required value={password} onInput={setPassword} error={fields['password']} />
          <StatusLine status={status.status} />
          <button class="button button-primary button-wide" type="submit" disabled={status.status?.kind === 'busy'}>
            Sign in and confirm
          </button>
          <p>
            <a href="#/forgot">I did not sign up: reset the password</a>
          </p>
        </form>
      )}
    </AuthLayout>
  );
}
