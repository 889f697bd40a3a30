// The embed's entry: `<script src="https://HOST/w.js" async>`. Finds [data-formline] elements
// (a div to render a form into, or a form of the page's own to enhance), exposes the one global
// `formline` with mount(el, options) and replays calls queued before it loaded, and sends what
// earlier visits left pending. Nothing it does may throw into the host page.

import { control, type Definition, type MountOptions } from './controller.ts';
import { renderForm } from './render.tsx';
import { flush } from './send.ts';

interface Api {
  mount(element: Element, options?: MountOptions): void;
  /** Calls made before the script loaded (the stub pushes each call's `arguments`). */
  q?: ArrayLike<unknown>[];
}

declare global {
  interface Window {
    formline?: Api;
  }
}

const ORIGIN = new URL((document.currentScript as HTMLScriptElement | null)?.src || '/', location as unknown as URL).origin;
const mounted = new WeakSet<Element>();

async function mount(element: HTMLElement, given?: MountOptions): Promise<void> {
  if (mounted.has(element)) return;
  mounted.add(element);
  const options: MountOptions & { formline?: string } = { ...element.dataset, ...given };
  // (A language tag is letters, digits and hyphens: safe in a query string as it is.)
  const lang = options.lang || element.closest<HTMLElement>('[lang]')?.lang || navigator.language;
  const form = element instanceof HTMLFormElement && element;
  // Where posts go: an enhanced form's own action, else the form named by data-formline.
  const action = form ? form.action : `${ORIGIN}/v1/f/${options.form || options.formline}`;
  const setup = {
    target: element,
    options,
    definition: () => definition,
    url: action + (action.includes('?') ? '&' : '?') + 'lang=' + lang,
  };
  const load = fetch(`${ORIGIN}/v1/forms/${/\/v1\/f\/([^/?#]+)/.exec(action)?.[1]}?lang=${lang}`)
    .then((response) => (response.ok ? response.json() : null))
    .catch(() => null) as Promise<Definition | null>;
  let definition: Definition | null = null;

  if (form) {
    // The live region: a status line at the end of the form (p[role=status], for the page's CSS).
    const status = form.appendChild(document.createElement('p'));
    status.setAttribute('role', 'status');
    control({ ...setup, form, status });
    definition = await load;
  } else {
    if (options.theme) element.dataset['theme'] = options.theme;
    definition = await load;
    const rendered = renderForm(element, definition);
    if (rendered.form) control({ ...setup, ...(rendered as { form: HTMLFormElement; status: HTMLElement }) });
  }
  // The form's challenge (Turnstile, hCaptcha): a slot the provider's own script fills. In render
  // mode it sits in the host's light DOM, where the provider finds it, shown through a <slot>.
  const captcha = definition?.captcha;
  if (captcha) {
    const slot = element.appendChild(document.createElement('div'));
    slot.className = captcha.className;
    slot.dataset['sitekey'] = captcha.siteKey;
    document.head.appendChild(document.createElement('script')).src = captcha.script;
  }
}

const queued = window.formline?.q;
const api: Api = {
  mount(element, options) {
    // Never into the host page: an async function does not throw, and its rejection is caught.
    mount(element as HTMLElement, options).catch(() => {});
  },
};
if (!window.formline || queued) {
  window.formline = api;
  const start = () => {
    document.querySelectorAll('[data-formline]').forEach((element) => api.mount(element));
    for (const call of queued ?? []) api.mount(call[0] as Element, call[1] as MountOptions);
  };
  if (document.readyState == 'loading') addEventListener('DOMContentLoaded', start);
  else start();
  void flush();
}
