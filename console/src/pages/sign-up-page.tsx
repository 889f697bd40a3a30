// #/signup: a new account on the free plan, its creator the owner; signed in at once, with a
// verification link sent by email.

import { useState } from 'preact/hooks';
import { api, ApiError } from '../api.ts';
import type { Session } from '../api-types.ts';
import { TextField } from '../controls.tsx';
import { StatusLine, useStatus } from '../feedback.tsx';
import { AuthLayout } from './auth-layout.tsx';

export const MIN_PASSWORD_LENGTH = 8;

export function SignUpPage({ onSignedIn }: { onSignedIn(session: Session, next: string | null): void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [accountName, setAccountName] = useState('');
  const [fields, setFields] = useState<Record<string, string>>({});
  const status = useStatus();

  const submit = async (event: Event) => {
    event.preventDefault();
    if (password.length < MIN_PASSWORD_LENGTH) {
      setFields({ password: `Use at least ${MIN_PASSWORD_LENGTH} characters.` });
      status.error(new Error('Some values need attention.'));
      return;
    }
    status.busy('Creating your account…');
    setFields({});
    try {
      const session = await api.post<Session>('/api/signup', { email, password, accountName }, { expectUnauthorized: true });
      status.clear();
      onSignedIn(session, '#/sites');
    } catch (error) {
      if (error instanceof ApiError) setFields(error.code === 'email_taken' ? { email: error.message } : error.fields);
      status.error(error);
    }
  };

  return (
    <AuthLayout title="Create your account" footer={<a href="#/signin">Already have an account? Sign in</a>}>
      <form onSubmit={submit} class="stack" noValidate>
        <TextField label="Email" type="email" name="email" autoComplete="email" required value={email} onInput={setEmail} error={fields['email']} autoFocus />
        <TextField
          label="Password"
          type="password"
          name="password"
          autoComplete="new-password"
          required
          minLength={MIN_PASSWORD_LENGTH}
          hint={`At least ${MIN_PASSWORD_LENGTH} characters.`}
          value={password}
          onInput={setPassword}
          error={fields['password']}
        />
        <TextField
          label="Account name"
          name="accountName"
          autoComplete="organization"
          required
          hint="Your company or project; you can invite your team to it later."
          value={accountName}
          onInput={setAccountName}
          error={fields['accountName']}
        />
        <StatusLine status={status.status} />
        <button class="button button-primary button-wide" type="submit" disabled={status.status?.kind === 'busy'}>
          Create account
        </button>
      </form>
    </AuthLayout>
  );
}
