// How the console answers: a status line read out by screen readers (saved, failed), a confirm
// dialog before anything destructive (a native <dialog>, never window.confirm), a copy button,
// and the loading and error states of a page.

import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { ApiError, messageOf } from './api.ts';

/** `link`: where to go about it (a plan limit points to the billing page). */
export type Status = { kind: 'ok' | 'busy'; text: string } | { kind: 'error'; text: string; link?: { href: string; text: string } } | null;

/** Where an error is put right, when the console has a page for it. */
function remedyOf(error: unknown): { href: string; text: string } | undefined {
  // 402 plan_limit (a site or a member past the plan's allowance): the plans are on #/billing.
  if (error instanceof ApiError && error.code === 'plan_limit') return { href: '#/billing', text: 'See the plans' };
  return undefined;
}

/** A page's status line: setOk("Saved."), setError(error), setBusy("Saving…"), clear(). */
export function useStatus() {
  const [status, setStatus] = useState<Status>(null);
  return {
    status,
    ok: (text: string) => setStatus({ kind: 'ok', text }),
    busy: (text: string) => setStatus({ kind: 'busy', text }),
    error: (error: unknown) => {
      const link = remedyOf(error);
      setStatus({ kind: 'error', text: messageOf(error), ...(link ? { link } : {}) });
    },
    clear: () => setStatus(null),
  };
}

/**
 * Two live regions that are always in the page (a region must exist before its text changes to
 * be announced): a polite one for progress and success, an assertive one for errors.
 */
export function StatusLine({ status, class: className = '' }: { status: Status; class?: string }) {
  return (
    <div class={`status-line ${className}`}>
      <p role="status" class={status && status.kind !== 'error' ? `status status-${status.kind}` : 'status status-empty'}>
        {status && status.kind !== 'error' ? status.text : ''}
      </p>
      <p role="alert" class={status?.kind === 'error' ? 'status status-error' : 'status status-empty'}>
        {status?.kind === 'error' ? status.text : ''}
        {status?.kind === 'error' && status.link && (
          <>
            {' '}
            <a href={status.link.href}>{status.link.text}</a>
          </>
        )}
      </p>
    </div>
  );
}

export interface ConfirmButtonProps {
  /** The button's text. */
  children: ComponentChildren;
  /** Its accessible name when the text alone is ambiguous ("Delete" in a list). */
  label?: string;
  title: string;
  message: ComponentChildren;
  confirmLabel: string;
  onConfirm(): Promise<void> | void;
  class?: string;
  disabled?: boolean;
}

/** A button that asks first, in a modal dialog; the dialog stays open (with the reason) if the action fails. */
export function ConfirmButton(props: ConfirmButtonProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState('');
  const confirm = async () => {
    setBusy(true);
    setFailure('');
    try {
      await props.onConfirm();
      dialog.current?.close();
    } catch (error) {
      setFailure(messageOf(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button
        type="button"
        class={props.class ?? 'button button-danger'}
        aria-label={props.label}
        disabled={props.disabled}
        onClick={() => {
          setFailure('');
          dialog.current?.showModal();
        }}
      >
        {props.children}
      </button>
      <dialog ref={dialog} class="dialog" aria-labelledby={titleId}>
        <form method="dialog" class="dialog-body" onSubmit={(event) => event.preventDefault()}>
          <h2 class="dialog-title" id={titleId}>
            {props.title}
          </h2>
          <div class="dialog-message">{props.message}</div>
          {failure && (
            <p class="field-error" role="alert">
              {failure}
            </p>
          )}
          <div class="actions">
            <button type="button" class="button" onClick={() => dialog.current?.close()} disabled={busy}>
              Cancel
            </button>
            <button type="button" class="button button-danger" onClick={confirm} disabled={busy}>
              {busy ? 'Working…' : props.confirmLabel}
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}

/** Copies text to the clipboard and says so. */
export function CopyButton({ text, label = 'Copy', what }: { text: string; label?: string; what?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const timer = window.setTimeout(() => setState('idle'), 2500);
    return () => window.clearTimeout(timer);
  }, [state]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      setState('failed');
    }
  };
  return (
    <span class="copy">
      <button type="button" class="button button-small" onClick={copy} aria-label={what ? `${label} ${what}` : undefined}>
        {label}
      </button>
      <span role="status" class="copy-status">
        {state === 'copied' ? 'Copied' : state === 'failed' ? 'Could not copy: select the text instead' : ''}
      </span>
    </span>
  );
}

export function Loading({ what = 'Loading…' }: { what?: string }) {
  return (
    <p class="loading" role="status">
      {what}
    </p>
  );
}

/** A failed load, with a way to try again. */
export function LoadError({ error, retry }: { error: ApiError | undefined; retry?: () => void }) {
  if (!error) return null;
  return (
    <div class="load-error" role="alert">
      <p>{error.message}</p>
      {retry && (
        <button type="button" class="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function PageHeader({ title, children, lead }: { title: ComponentChildren; children?: ComponentChildren; lead?: ComponentChildren }) {
  return (
    <header class="page-header">
      <div>
        <h1>{title}</h1>
        {lead && <p class="lead">{lead}</p>}
      </div>
      {children && <div class="page-actions">{children}</div>}
    </header>
  );
}
