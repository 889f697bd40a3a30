// The frame of the signed-out pages: the product name and one centred card.

import type { ComponentChildren } from 'preact';

export function AuthLayout({ title, children, footer }: { title: string; children: ComponentChildren; footer?: ComponentChildren }) {
  return (
    <main class="auth" id="main">
      <p class="auth-brand">
        <span class="brand-mark" aria-hidden="true" />
        Formline
      </p>
      <section class="card auth-card" aria-labelledby="auth-title">
        <h1 id="auth-title">{title}</h1>
        {children}
      </section>
      {footer && <nav class="auth-footer" aria-label="Other ways in">{footer}</nav>}
    </main>
  );
}
