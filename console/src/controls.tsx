// Form controls with their label, hint and error wired up for assistive technology: every input
// has a <label>; an error sets aria-invalid and is read out through aria-describedby.

import type { ComponentChildren } from 'preact';
import { useId } from 'preact/hooks';

interface FieldFrame {
  label: ComponentChildren;
  hint?: ComponentChildren;
  error?: string | undefined;
  class?: string;
}

function describedBy(id: string, hint: unknown, error: unknown): string | undefined {
  const ids = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}

function Messages({ id, hint, error }: { id: string; hint?: ComponentChildren; error?: string | undefined }) {
  return (
    <>
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p class="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </>
  );
}

export interface TextFieldProps extends FieldFrame {
  value: string;
  onInput(value: string): void;
  type?: 'text' | 'email' | 'password' | 'url' | 'number' | 'date' | 'search' | 'tel';
  name?: string;
  required?: boolean;
  placeholder?: string;
  autoComplete?: string;
  readOnly?: boolean;
  minLength?: number;
  min?: number | string;
  max?: number | string;
  inputMode?: 'numeric' | 'email' | 'tel' | 'url' | 'text';
  /** A textarea of this many rows instead of a one-line input. */
  rows?: number;
  autoFocus?: boolean;
  spellcheck?: boolean;
}

export function TextField(props: TextFieldProps) {
  const id = useId();
  const common = {
    id,
    name: props.name,
    value: props.value,
    required: props.required,
    placeholder: props.placeholder,
    readOnly: props.readOnly,
    autoFocus: props.autoFocus,
    spellcheck: props.spellcheck,
    'aria-invalid': props.error ? ('true' as const) : undefined,
    'aria-describedby': describedBy(id, props.hint, props.error),
    onInput: (event: Event) => props.onInput((event.currentTarget as HTMLInputElement).value),
  };
  return (
    <div class={`field ${props.class ?? ''}`}>
      <label for={id}>
        {props.label}
        {props.required && <span class="required-mark" aria-hidden="true"> *</span>}
      </label>
      {props.rows ? (
        <textarea {...common} rows={props.rows} />
      ) : (
        <input
          {...common}
          type={props.type ?? 'text'}
          autoComplete={props.autoComplete}
          minLength={props.minLength}
          min={props.min}
          max={props.max}
          inputMode={props.inputMode}
        />
      )}
      <Messages id={id} hint={props.hint} error={props.error} />
    </div>
  );
}

export interface SelectFieldProps<T extends string> extends FieldFrame {
  value: T;
  options: readonly { value: T; label: string }[];
  onChange(value: T): void;
  name?: string;
}

export function SelectField<T extends string>(props: SelectFieldProps<T>) {
  const id = useId();
  return (
    <div class={`field ${props.class ?? ''}`}>
      <label for={id}>{props.label}</label>
      <select
        id={id}
        name={props.name}
        value={props.value}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={describedBy(id, props.hint, props.error)}
        onChange={(event) => props.onChange((event.currentTarget as HTMLSelectElement).value as T)}
      >
        {props.options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      <Messages id={id} hint={props.hint} error={props.error} />
    </div>
  );
}

export interface CheckboxFieldProps extends FieldFrame {
  checked: boolean;
  onChange(checked: boolean): void;
  name?: string;
}

export function CheckboxField(props: CheckboxFieldProps) {
  const id = useId();
  return (
    <div class={`field field-checkbox ${props.class ?? ''}`}>
      <input
        id={id}
        type="checkbox"
        name={props.name}
        checked={props.checked}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={describedBy(id, props.hint, props.error)}
        onChange={(event) => props.onChange((event.currentTarget as HTMLInputElement).checked)}
      />
      <label for={id}>{props.label}</label>
      <Messages id={id} hint={props.hint} error={props.error} />
    </div>
  );
}

/** The errors of a 422 under one path: its own and those of its items ("settings.notifyEmails.2"). */
export function errorAt(fields: Record<string, string> | undefined, path: string): string | undefined {
  if (!fields) return undefined;
  const own = fields[path];
  const nested = Object.entries(fields)
    .filter(([key]) => key.startsWith(`${path}.`))
    .map(([key, message]) => {
      const rest = key.slice(path.length + 1);
      return /^\d+$/.test(rest) ? `entry ${Number(rest) + 1}: ${message}` : `${rest}: ${message}`;
    });
  const all = [own, ...nested].filter((m): m is string => !!m);
  return all.length ? all.join('; ') : undefined;
}

/** Lines of a textarea as a list: trimmed, blanks dropped. */
export function lines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
}
