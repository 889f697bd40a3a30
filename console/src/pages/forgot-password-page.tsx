// #/forgot: asks for a reset link. The answer is the same whether or not the address has an
// account, so the page cannot be used to find out who does.

import { useState } from 'preact/hooks';
import { api, ApiError } from '../api.ts';
import { TextField } from '../controls.tsx';
import { StatusLine, useStatus } from '../feedback.tsx';
import { AuthLayout } from './auth-layout.tsx';

export function ForgotPasswordPage() {
  const [email, setEmail] = useState('');
  const [fields, setFields] = useState<Record<string, string>>({});
  const status = useStatus();
  const [sent, setSent] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    status.busy('Sending…');
    setFields({});
    try {
      await api.post('/api/password-reset', { email }, { expectUnauthorized: true });
      setSent(true);
      status.ok(`If ${email} has an account, a link to choose a new password is on its way. It works once, within an hour.`);
    } catch (error) {
      if (error instanceof ApiError) setFields(error.fields);
      status.error(error);
    }
  };

  return (
    <AuthLayout title="Reset your password" footer={<a href="#/signin">Back to sign in</a>}>
      <form onSubmit={submit} class="stack" noValidate>
        <p>Enter the email address you sign in with and we will send you a link to choose a new password.</p>
        <TextField label="Email" type="email" name="email" autoComplete="username" required value={email} onInput={setEmail} error={fields['email']} autoFocus />
        <StatusLine status={status.status} />
        <button class="button button-primary button-wide" type="submit" disabled={status.status?.kind === 'busy'}>
          {sent ? 'Send again' : 'Send reset link'}
        </button>
      </form>
    </AuthLayout>
  );
}
