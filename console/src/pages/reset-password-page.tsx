// #/reset?token=...: the link from the reset email; a new password signs out every session.

import { useState } from 'preact/hooks';
import { api, ApiError } from '../api.ts';
import { TextField } from '../controls.tsx';
import { StatusLine, useStatus } from '../feedback.tsx';
import { AuthLayout } from './auth-layout.tsx';
import { MIN_PASSWORD_LENGTH } from './sign-up-page.tsx';

export function ResetPasswordPage({ token }: { token: string }) {
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [fields, setFields] = useState<Record<string, string>>({});
  const [done, setDone] = useState(false);
  const status = useStatus();

  const submit = async (event: Event) => {
    event.preventDefault();
    const problems: Record<string, string> = {};
    if (password.length < MIN_PASSWORD_LENGTH) problems['password'] = `Use at least ${MIN_PASSWORD_LENGTH} characters.`;
    else if (password !== repeat) problems['repeat'] = 'The two passwords differ.';
    setFields(problems);
    if (Object.keys(problems).length) {
      status.error(new Error('Some values need attention.'));
      return;
    }
    status.busy('Saving…');
    try {
      await api.post('/api/password-reset/confirm', { token, password }, { expectUnauthorized: true });
      setDone(true);
      status.ok('Your password is changed. Every session was signed out: sign in with the new password.');
    } catch (error) {
      if (error instanceof ApiError) setFields(error.fields);
      status.error(error instanceof ApiError && error.code === 'invalid_token' ? new Error('This link has expired or was already used. Ask for a new one.') : error);
    }
  };

  if (!token) {
    return (
      <AuthLayout title="Reset your password" footer={<a href="#/forgot">Ask for a new link</a>}>
        <p role="alert">This link is incomplete: open the whole link from the email.</p>
      </AuthLayout>
    );
  }

  return (
    <AuthLayout title="Choose a new password" footer={done ? <a href="#/signin">Sign in</a> : <a href="#/forgot">Ask for a new link</a>}>
      <form onSubmit={submit} class="stack" noValidate>
        <TextField
          label="New password"
          type="password"
          autoComplete="new-password"
          required
          hint={`At least ${MIN_PASSWORD_LENGTH} characters.`}
          value={password}
          onInput={setPassword}
          error={fields['password']}
          autoFocus
        />
        <TextField label="Repeat the new password" type="password" autoComplete="new-password" required value={repeat} onInput={setRepeat} error={fields['repeat']} />
        <StatusLine status={status.status} />
        {!done && (
          <button class="button button-primary button-wide" type="submit" disabled={status.status?.kind === 'busy'}>
            Save password
          </button>
        )}
      </form>
    </AuthLayout>
  );
}
