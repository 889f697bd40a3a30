// #/verify?token=...: the link from the verification email, confirmed as soon as it is opened.

import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, messageOf } from '../api.ts';
import { AuthLayout } from './auth-layout.tsx';

export function VerifyEmailPage({ token, signedIn, onVerified }: { token: string; signedIn: boolean; onVerified(): void }) {
  const [state, setState] = useState<{ kind: 'busy' } | { kind: 'done' } | { kind: 'failed'; text: string }>({ kind: 'busy' });

  useEffect(() => {
    if (!token) {
      setState({ kind: 'failed', text: 'This link is incomplete: open the whole link from the email.' });
      return;
    }
    let live = true;
    api.post('/api/email-verification', { token }, { expectUnauthorized: true }).then(
      () => {
        if (!live) return;
        setState({ kind: 'done' });
        onVerified();
      },
      (error: unknown) => {
        if (!live) return;
        const expired = error instanceof ApiError && error.code === 'invalid_token';
        setState({ kind: 'failed', text: expired ? 'This link has expired or was already used. Sign in and ask for a new one.' : messageOf(error) });
      },
    );
    return () => {
      live = false;
    };
  }, [token]);

  return (
    <AuthLayout title="Verify your email" footer={<a href={signedIn ? '#/forms' : '#/signin'}>{signedIn ? 'Go to the console' : 'Sign in'}</a>}>
      {state.kind === 'busy' && <p role="status">Checking your link…</p>}
      {state.kind === 'done' && (
        <p role="status" class="status-ok">
          Thank you: your email address is verified.
        </p>
      )}
      {state.kind === 'failed' && <p role="alert">{state.text}</p>}
    </AuthLayout>
  );
}
