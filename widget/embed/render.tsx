/** @jsxRuntime classic */
/** @jsx h */
/** @jsxFrag Fragment */
// Render mode: draws a form from its definition into a shadow root with Preact: a label for every
// control and the HTML constraint attributes; controller.ts does the rest (and adds error slots).
// (Classic h() calls: shorter in the bundle than the automatic runtime's jsx() objects.)

import { Fragment, h, render } from 'preact';
import { EN_OFFLINE, type MessageCatalog } from '../messages.ts';
import { HONEYPOT_FIELD, type FieldDefinition } from '../schema.ts';
import { newId, type Definition } from './controller.ts';
import { HOST_CSS } from './styles.ts';

// (Called as a plain function, not as a component: nothing here has state of its own.)
function renderField(field: FieldDefinition, messages: MessageCatalog) {
  const { name, type, options = [], required } = field;
  const id = newId();
  // (An array: shorter in the bundle than a fragment.)
  const label = [field.label ?? name, required && <span aria-hidden="true"> *</span>];
  if (type == 'hidden') return <input type="hidden" name={name} value={field.value} />;
  if (type == 'checkbox') {
    return (
      <label>
        <input type="checkbox" name={name} required={required} />
        {label}
      </label>
    );
  }
  if (type == 'radio' || type == 'checkboxes') {
    return (
      <fieldset>
        <legend>{label}</legend>
        {options.map((option) => (
          <label>
            <input type={type == 'radio' ? type : 'checkbox'} name={name} required={type == 'radio' && required} value={option} />
            {option}
          </label>
        ))}
      </fieldset>
    );
  }
  const attributes = { id, name, required, minLength: field.minLength, maxLength: field.maxLength, placeholder: field.placeholder };
  return (
    <div>
      <label for={id}>{label}</label>
      {type == 'textarea' ? (
        <textarea {...attributes} rows={5} />
      ) : type == 'select' ? (
        <select {...attributes}>
          <option value="">{messages.choose}</option>
          {options.map((option) => (
            <option>{option}</option>
          ))}
        </select>
      ) : (
        <input
          {...attributes}
          type={type as 'text'}
          pattern={field.pattern}
          min={field.min}
          max={field.max}
          // What the browser may fill in for the visitor (WCAG 1.3.5): addresses by their type, a name by its field's name.
          autocomplete={/^(email|tel|url)$/.test(type) ? type : name == 'name' ? name : undefined}
        />
      )}
    </div>
  );
}

/** Renders the form (none without a schema) and its live region into the host's shadow root. */
export function renderForm(host: HTMLElement, definition: Definition | null): { form: HTMLFormElement | null; status: HTMLElement } {
  const root = host.shadowRoot ?? host.attachShadow({ mode: 'open' });
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(definition?.css ?? HOST_CSS);
  root.adoptedStyleSheets = [sheet];
  const schema = definition?.schema;
  const messages = definition?.messages ?? (EN_OFFLINE as MessageCatalog);
  render(
    <>
      {schema && (
        <form>
          {schema.fields.map((field) => renderField(field, messages))}
          <input name={HONEYPOT_FIELD} autocomplete="off" hidden />
          <slot />
          <button>{schema.submitLabel ?? messages.send}</button>
        </form>
      )}
      <p role="status">
        {!schema && messages.unavailable}
      </p>
    </>,
    root,
  );
  return { form: root.querySelector('form'), status: root.querySelector('p')! };
}
