// One field of the form in the editor: its name, type, label and the constraints its type takes,
// with buttons to move it up or down and to remove it. Errors come by the API's paths.

import { FIELD_TYPES, type FieldType } from '../../../../widget/schema.ts';
import { CheckboxField, errorAt, SelectField, TextField } from '../../controls.tsx';
import { takes, TYPE_LABELS, withType, type FieldDraft } from './schema-draft.ts';

const TYPE_OPTIONS = FIELD_TYPES.map((type) => ({ value: type, label: TYPE_LABELS[type] }));

export interface FieldEditorProps {
  field: FieldDraft;
  index: number;
  count: number;
  errors: Record<string, string>;
  onChange(field: FieldDraft): void;
  onMove(by: -1 | 1): void;
  onRemove(): void;
}

export function FieldEditor({ field, index, count, errors, onChange, onMove, onRemove }: FieldEditorProps) {
  const path = `schema.fields.${index}`;
  const error = (key: string) => errorAt(errors, `${path}.${key}`);
  const set = <K extends keyof FieldDraft>(key: K) => (value: FieldDraft[K]) => onChange({ ...field, [key]: value });
  const title = (takes.label(field.type) && field.label.trim()) || field.name || `Field ${index + 1}`;
  const { type } = field;
  const ownError = errors[path];

  return (
    <fieldset class="field-card" data-field-key={field.key}>
      <legend>
        <span class="field-number">{index + 1}</span> {title} <span class="muted">({TYPE_LABELS[type]})</span>
      </legend>
      <div class="field-card-tools">
        <button type="button" class="button button-small" data-action="up" disabled={index === 0} onClick={() => onMove(-1)} aria-label={`Move ${title} up`}>
          ↑ Up
        </button>
        <button type="button" class="button button-small" data-action="down" disabled={index === count - 1} onClick={() => onMove(1)} aria-label={`Move ${title} down`}>
          ↓ Down
        </button>
        <button type="button" class="button button-small button-danger-quiet" onClick={onRemove} aria-label={`Remove ${title}`}>
          Remove
        </button>
      </div>
      {ownError && <p class="field-error">{ownError}</p>}
      <div class="field-card-grid">
        <TextField label="Name" required value={field.name} onInput={set('name')} error={error('name')} spellcheck={false} />
        <SelectField<FieldType> label="Type" value={type} options={TYPE_OPTIONS} onChange={(next) => onChange(withType(field, next))} error={error('type')} />
        {takes.label(type) && <TextField label="Label" value={field.label} onInput={set('label')} error={error('label')} />}
        {takes.placeholder(type) && <TextField label="Placeholder" value={field.placeholder} onInput={set('placeholder')} error={error('placeholder')} />}
        {takes.value(type) && <TextField label="Hidden value" hint="Sent as it is with every submission." value={field.value} onInput={set('value')} error={error('value')} />}
        {takes.length(type) && (
          <>
            <TextField label="Min length" type="number" min={0} inputMode="numeric" value={field.minLength} onInput={set('minLength')} error={error('minLength')} />
            <TextField label="Max length" type="number" min={1} inputMode="numeric" value={field.maxLength} onInput={set('maxLength')} error={error('maxLength')} />
          </>
        )}
        {takes.pattern(type) && (
          <TextField label="Pattern" placeholder="Regular expression, e.g. [A-Z]{2}[0-9]{4}" value={field.pattern} onInput={set('pattern')} error={error('pattern')} spellcheck={false} />
        )}
        {takes.range(type) && (
          <>
            <TextField label={type === 'date' ? 'Earliest date' : 'Minimum'} type={type === 'date' ? 'date' : 'number'} value={field.min} onInput={set('min')} error={error('min')} />
            <TextField label={type === 'date' ? 'Latest date' : 'Maximum'} type={type === 'date' ? 'date' : 'number'} value={field.max} onInput={set('max')} error={error('max')} />
          </>
        )}
        {takes.options(type) && (
          <TextField class="span-2" label="Options" hint="One per line." rows={4} value={field.options} onInput={set('options')} error={error('options')} />
        )}
        {takes.required(type) && (
          <CheckboxField label={type === 'checkbox' ? 'Must be ticked' : 'Required'} checked={field.required} onChange={set('required')} error={error('required')} />
        )}
      </div>
    </fieldset>
  );
}
