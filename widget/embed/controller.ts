// The one form controller, for both modes: a form rendered from its definition (render mode) and
// a site owner's own form (enhance mode). It validates with the service's own validator (forms
// without a schema: their HTML constraint attributes, checked by the browser), shows
// errors on the fields (aria-invalid, aria-describedby, focus on the first), announces status in
// a polite live region, sends through the pending queue and dispatches formline:* events.
// Written for size: every byte here is downloaded by every visitor of every form.

import { EN_OFFLINE, type MessageCatalog } from '../messages.ts';
import { CAPTCHA_FIELD, HONEYPOT_FIELD, TIME_TRAP_FIELD, type FormSchema, type SubmissionData } from '../schema.ts';
import { validateFields, type FieldError } from '../validate.ts';
import { send } from './send.ts';

/** What GET /v1/forms/:formId answers (the parts the embed reads). */
export interface Definition {
  schema: FormSchema | null;
  redirectUrl: string | null;
  successMessage: string;
  messages: MessageCatalog;
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

const controls = (form: HTMLFormElement, name?: string): Control[] =>
  (Array.from(form.elements) as Control[]).filter((c) => c.name && c.name[0] != '_' && (!name || c.name == name));

export function control(setup: Setup): void {
  const { form, status, target, options } = setup;
  const errors: Record<string, HTMLElement> = {};
  const button = (Array.from(form.elements) as Control[]).find((c) => c.type == 'submit');
  let busy: unknown;

  form.noValidate = true;
  if (!form.elements.namedItem(HONEYPOT_FIELD)) {
    form.insertAdjacentHTML('beforeend', `<input name=${HONEYPOT_FIELD} autocomplete=off hidden>`);
  }

  const announce = (text = '') => (status.textContent = text);
  const emit = (name: string, detail: object) => target.dispatchEvent(new CustomEvent('formline:' + name, { detail, bubbles: true }));
  const setBusy = (value: boolean) => {
    busy = value;
    if (button) button.disabled = value;
  };

  /** Shows each text on its field, in an element made after it (once) that the field's aria-describedby points to. */
  const showErrors = (fields: Record<string, string> = {}) => {
    let first: Control | undefined;
    for (const name in errors) errors[name]!.hidden = true;
    form.querySelectorAll('[aria-invalid]').forEach((c) => c.removeAttribute('aria-invalid'));
    for (const name in fields) {
      const group = controls(form, name);
      const last = group[group.length - 1];
      if (!last) continue;
      let element = errors[name];
      if (!element) {
        element = errors[name] = document.createElement('p');
        element.className = 'formline-error';
        element.id = newId();
        (last.closest('label') ?? last).after(element);
        for (const c of group) c.setAttribute('aria-describedby', (c.getAttribute('aria-describedby') ?? '') + ' ' + element.id);
      }
      element.textContent = fields[name]!;
      element.hidden = false;
      for (const c of group) c.setAttribute('aria-invalid', 'true');
      first ??= last;
    }
    first?.focus();
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (busy) return;
    const definition = setup.definition();
    const messages: Partial<MessageCatalog> = definition?.messages ?? EN_OFFLINE;
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
      texts[name] = messages[code]!.replace('{n}', String(limit));
    }
    if (!schema) for (const c of controls(form)) if (!c.checkValidity()) texts[c.name] ??= c.validationMessage;
    showErrors(texts);
    for (const _ in texts) {
      announce(messages.invalid);
      return void emit('error', { code: 'validation_failed', fields: texts });
    }
    emit('submit', { data: fields });
    setBusy(true);
    announce(messages.sending);
    let retries = 0;
    send(setup.url, JSON.stringify({
        ...fields,
        [HONEYPOT_FIELD]: honeypot,
        [TIME_TRAP_FIELD]: definition?.spam.timeToken,
        // The challenge's token, from the hidden input its provider put in the slot.
        [CAPTCHA_FIELD]: target.querySelector<HTMLInputElement>('[name$=-response]')?.value,
      }), (outcome) => {
      // Still failing after a few tries: the submission is safe on this device; free the form.
      if (!outcome && ++retries != 2) return;
      setBusy(false);
      if (!outcome) {
        form.reset();
        announce(messages.saved);
      } else if (outcome.id) {
        emit('success', { id: outcome.id });
        // The owner's data-redirect, or the form's redirect URL (the service takes http(s) only).
        const redirect = options.redirect ?? definition?.redirectUrl;
        if (redirect) return location.assign(redirect);
        // A form already handed back to the visitor may hold new input by now.
        if (retries < 2) form.reset();
        announce(options.success ?? definition?.successMessage);
        // A rendered form gives way to its success message.
        if (target != form) form.hidden = true;
      } else {
        // Field errors go on their fields (the event carries any for fields this form lacks).
        const { fields: invalid } = outcome.error ?? {};
        showErrors(invalid);
        announce(invalid ? messages.invalid : messages.failed);
        emit('error', { status: outcome.status, ...outcome.error });
      }
    });
  });
}
