// The one form controller, for both modes: a form rendered from its definition (render mode) and
// a site owner's own form (enhance mode). It validates with the service's own validator (forms
// without a schema: their HTML constraint attributes, checked by the browser), shows
// errors on the fields (aria-invalid, aria-describedby, focus on the first), announces status in
// a polite live region, sends through the pending queue and dispatches formline:* events. A
// submission the service refuses for good is put back into the form, so nothing typed is lost.
// Written for size: every byte here is downloaded by every visitor of every form.

import { EN_OFFLINE, type MessageCatalog } from '../messages.ts';
import { CAPTCHA_FIELD, HONEYPOT_FIELD, TIME_TRAP_FIELD, type FormSchema, type RawValue, type SubmissionData } from '../schema.ts';
import { validateFields, type FieldError } from '../validate.ts';
import { send, take, type Outcome } from './send.ts';

/** What GET /v1/forms/:formId answers (the parts the embed reads). */
export interface Definition {
  schema: FormSchema | null;
  redirectUrl: string | null;
  successMessage: string;
  messages: MessageCatalog;
  /** The rendered form's stylesheet (styles.ts). */
  css: string;
  spam: { timeToken: string };
  /** The form's challenge, when it has one: the provider's script turns elements of className into it. */
  captcha: { siteKey: string; script: string; className: string } | null;
}

export interface MountOptions {
  form?: string;
  lang?: string;
  theme?: string;
  success?: string;
  redirect?: string;
}

export interface Setup {
  form: HTMLFormElement;
  /** Where submissions are posted. */
  url: string;
  /** Where the formline:* events are dispatched. */
  target: Element;
  status: HTMLElement;
  options: MountOptions;
  definition: () => Definition | null;
}

// Inputs, selects and textareas alike: the properties read here exist on all three or are harmless.
type Control = HTMLInputElement;

let ids = 0;
export const newId = (): string => 'fl' + ++ids;

/** The form's own named controls (not the service's `_` fields); with a name, that field's (none for ''). */
const controls = (form: HTMLFormElement, name?: string): Control[] =>
  (Array.from(form.elements) as Control[]).filter((c) => c.name && c.name[0] != '_' && (name == null || c.name == name));

export function control(setup: Setup): void {
  const { form, status, target, options } = setup;
  const errors: Record<string, HTMLElement> = {};
  const button = (Array.from(form.elements) as Control[]).find((c) => c.type == 'submit');
  /** Set while this form's own submission is on its way (its button is disabled). */
  let busy: unknown;
  /** Set when the visitor changes the form: a refused submission is then not put back over the new input. */
  let touched: unknown;

  form.noValidate = true;
  if (!form.elements.namedItem(HONEYPOT_FIELD)) {
    const trap = form.appendChild(document.createElement('input'));
    trap.name = HONEYPOT_FIELD;
    trap.autocomplete = 'off';
    trap.hidden = true;
  }
  // A field being corrected loses its error at once (the others keep theirs until the next
  // submit), and the status line, which spoke of the last submit, is cleared.
  form.addEventListener('input', (event) => {
    touched = 1;
    mark((event.target as Control).name);
    announce();
  });

  const messages = (): Partial<MessageCatalog> => setup.definition()?.messages ?? EN_OFFLINE;
  const announce = (text = '') => (status.textContent = text);
  const emit = (name: string, detail: object) => target.dispatchEvent(new CustomEvent('formline:' + name, { detail, bubbles: true }));
  const setBusy = (value: unknown) => {
    busy = value;
    if (button) button.disabled = !!value;
  };
  const reset = () => {
    touched = 0;
    form.reset();
  };

  /**
   * Shows a text on a field (or none), in an element made after it (once) that the field's
   * aria-describedby points to. Without a text it is emptied, so no stale text stays in the
   * field's accessible description. Answers the field's first control when it shows a text.
   */
  const mark = (name: string, text?: string): Control | undefined => {
    const group = controls(form, name);
    const last = group[group.length - 1];
    let element = errors[name];
    if (!element && text && last) {
      element = errors[name] = document.createElement('p');
      element.className = 'formline-error';
      element.id = newId();
      (last.closest('label') ?? last).after(element);
      for (const c of group) c.setAttribute('aria-describedby', (c.getAttribute('aria-describedby') ?? '') + ' ' + element.id);
    }
    if (element) element.hidden = !(element.textContent = text ?? '');
    for (const c of group) text ? c.setAttribute('aria-invalid', 'true') : c.removeAttribute('aria-invalid');
    if (text) return group[0];
  };

  /** Shows these texts on their fields, clears the others', and focuses the first field named. */
  const showErrors = (fields: Record<string, string> = {}) => {
    let first: Control | undefined;
    for (const name in { ...fields, ...errors }) {
      const control = mark(name, fields[name]);
      first ??= control;
    }
    first?.focus();
  };

  /**
   * A submission the service refused for good: its errors go on the fields, and its values back
   * into the form unless the form holds them still (`held`), is sending another, has new input or
   * is gone (a rendered form gives way to its success message): then the queue keeps it for the
   * next time this form is mounted. Answers whether it was taken.
   */
  const refuse = (outcome: Outcome, body: string, held?: unknown): unknown => {
    if (!held) {
      if (busy || touched || !form.isConnected) return;
      const data = JSON.parse(body) as SubmissionData;
      for (const c of controls(form)) {
        const values = Object.hasOwn(data, c.name) ? ([] as RawValue[]).concat(data[c.name]!) : [];
        if (c.type == 'checkbox' || c.type == 'radio') c.checked = values.includes(c.value);
        else if (values[0] != null) c.value = values[0] as string;
      }
      touched = 0;
    }
    const { fields } = outcome.error ?? {};
    showErrors(fields);
    announce(messages()[fields ? 'invalid' : 'failed']);
    emit('error', { status: outcome.status, ...outcome.error });
    return 1;
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    // Nothing may throw into the page (a control named "reset" hides form.reset(), for one).
    try {
      if (busy) return;
      const definition = setup.definition();
      const text = messages();
      const fields: SubmissionData = {};
      new FormData(form).forEach((value, name) => {
        const previous = fields[name];
        if (typeof value == 'string') fields[name] = previous == undefined ? value : ([] as string[]).concat(previous as string, value);
      });
      const honeypot = fields[HONEYPOT_FIELD];
      for (const name in fields) if (name[0] == '_') delete fields[name];
      // With a schema, the service's own validator and messages; a form without one (or without its
      // definition, offline) is checked against its own HTML constraint attributes by the browser.
      const schema = definition?.schema;
      const failures: Record<string, FieldError> = (schema && (validateFields(schema, fields) as { errors?: Record<string, FieldError> }).errors) || {};
      const texts: Record<string, string> = {};
      for (const name in failures) {
        const { code, limit } = failures[name]!;
        texts[name] = text[code]!.replace('{n}', String(limit));
      }
      if (!schema) for (const c of controls(form)) if (!c.checkValidity()) texts[c.name] ??= c.validationMessage;
      showErrors(texts);
      for (const _ in texts) {
        announce(text.invalid);
        return void emit('error', { code: 'validation_failed', fields: texts });
      }
      emit('submit', { data: fields });
      setBusy(1);
      announce(text.sending);
      let failed = 0;
      /** Whether the form still holds this submission's values (until they are handed back). */
      let held: unknown = 1;
      send(
        setup.url,
        JSON.stringify({
          ...fields,
          [HONEYPOT_FIELD]: honeypot,
          [TIME_TRAP_FIELD]: definition?.spam.timeToken,
          // The challenge's token, from the hidden input its provider put in the slot.
          [CAPTCHA_FIELD]: target.querySelector<HTMLInputElement>('[name$=-response]')?.value,
        }),
        (outcome, body) => {
          if (!outcome) {
            // Still failing after a few tries: the submission is safe on this device; hand the
            // form back to the visitor.
            if (++failed == 2) {
              setBusy((held = 0));
              announce(text.saved);
              reset();
            }
            return;
          }
          if (held) setBusy(0);
          if (!outcome.id) return refuse(outcome, body!, held);
          emit('success', { id: outcome.id });
          announce(options.success ?? definition?.successMessage ?? text.sent);
          // Handed back, the form may hold new input by now: only say that it arrived.
          if (!held) return;
          // The owner's data-redirect, or the form's redirect URL (the service takes http(s) only).
          const redirect = options.redirect ?? definition?.redirectUrl;
          if (redirect) return location.assign(redirect);
          // A rendered form gives way to its success message.
          if (target != form) form.remove();
          reset();
        },
      );
    } catch {
      // ignored
    }
  });
  // Last, so that the form is wired whatever an old refused submission holds.
  take(setup.url, refuse);
}
