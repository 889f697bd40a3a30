// #/signin: email and password; back to where the visitor was going (?next=) once signed in.

import { useState } from 'preact/hooks';
import { api, ApiError } from '../api.ts';
import type { Session } from '../api-types.ts';
import { TextField } from '../controls.tsx';
import { StatusLine, useStatus } from '../feedback.tsx';
import { AuthLayout } from './auth-layout.tsx';

export function SignInPage({
  next,
  notice,
  onSignedIn,
}: {
  next: string | null;
  /** Why this browser was signed out (a session ended elsewhere), shown above the form. */
  notice?: string | null;
  onSignedIn(session: Session, next: string | null): void;
}) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const status = useStatus();
  const [fields, setFields] = useState<Record<string, string>>({});

  const submit = async (event: Event) => {
    event.preventDefault();
    status.busy('Signing in…');
    setFields({});
    try {
      const session = await api.post<Session>('/api/session', { email, password }, { expectUnauthorized: true });
      status.clear();
      onSignedIn(session, next);
    } catch (error) {
      if (error instanceof ApiError) setFields(error.fields);
      status.error(error);
    }
  };

  return (
    <AuthLayout
      title="Sign in"
      footer={
        <>
          <a href="#/signup">Create an account</a>
          <a href="#/forgot">Forgot your password?</a>
        </>
      }
    >
      {notice && (
        <p role="alert" class="notice notice-warn">
          {notice}
        </p>
      )}
      <form onSubmit={submit} class="stack" noValidate>
        <TextField label="Email" type="email" name="email" autoComplete="username" required value={email} onInput={setEmail} error={fields['email']} autoFocus />
        <TextField label="Password" type="password" name="password" autoComplete="current-password" required value={password} onInput={setPassword} error={fields['password']} />
        <StatusLine status={status.status} />
        <button class="button button-primary button-wide" type="submit" disabled={status.status?.kind === 'busy'}>
          Sign in
        </button>
      </form>
    </AuthLayout>
  );
}
