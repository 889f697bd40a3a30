// #/forms/:id/edit: the form's fields (with a live preview drawn by the embed's own renderer), its
// texts, settings and embed snippets. One save sends everything (PATCH); the API's 422 errors
// appear next to the inputs they name.

import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { LANGUAGES } from '../../../../widget/i18n.ts';
import { api, ApiError } from '../../api.ts';
import type { Form } from '../../api-types.ts';
import { errorAt, SelectField, TextField } from '../../controls.tsx';
import { ConfirmButton, LoadError, Loading, PageHeader, StatusLine, useStatus } from '../../feedback.tsx';
import { navigate } from '../../router.ts';
import { isOwner, useSession } from '../../session.ts';
import { useResource } from '../../use-resource.ts';
import { EmbedSnippets } from './embed-snippets.tsx';
import { FieldEditor } from './field-editor.tsx';
import { FormPreview } from './form-preview.tsx';
import { FormSettingsEditor } from './form-settings.tsx';
import { formDraft, newField, toSchema, toSettings, type FieldDraft, type FormDraft } from './schema-draft.ts';

const LANGUAGE_NAMES: Record<string, string> = { en: 'English', es: 'Español', fr: 'Français', de: 'Deutsch', hi: 'हिन्दी', pt: 'Português' };
const LOCALE_OPTIONS = [{ value: '', label: "The visitor's (English when not supported)" }, ...LANGUAGES.map((lang) => ({ value: lang, label: LANGUAGE_NAMES[lang] ?? lang }))];

export function FormEditorPage({ formId }: { formId: string }) {
  const form = useResource(() => api.get<Form>(`/api/forms/${encodeURIComponent(formId)}`), [formId]);
  return (
    <>
      {form.loading && !form.data && <Loading />}
      <LoadError error={form.error} retry={form.reload} />
      {form.data && <FormEditor key={form.data.id} form={form.data} onSaved={(saved) => form.setData(saved)} />}
    </>
  );
}

function FormEditor({ form, onSaved }: { form: Form; onSaved(form: Form): void }) {
  const { session } = useSession();
  const [draft, setDraft] = useState<FormDraft>(() => formDraft(form));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [dirty, setDirty] = useState(false);
  const [moved, setMoved] = useState<{ key: number; action: 'up' | 'down' } | null>(null);
  const status = useStatus();
  const editor = useRef<HTMLFormElement>(null);
  const schema = useMemo(() => toSchema(draft), [draft]);

  const change = (next: FormDraft) => {
    setDraft(next);
    setDirty(true);
  };
  const setFields = (fields: FieldDraft[]) => {
    change({ ...draft, fields });
    // Paths like schema.fields.3.name no longer point where they did.
    setErrors((current) => Object.fromEntries(Object.entries(current).filter(([key]) => !key.startsWith('schema.fields'))));
  };

  // Unsaved changes are not lost to a closed tab without a warning.
  useEffect(() => {
    if (!dirty) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  // A moved field keeps the focus on the button that moved it (or its twin at the top or bottom).
  useEffect(() => {
    if (!moved) return;
    const card = editor.current?.querySelector(`[data-field-key="${moved.key}"]`);
    const preferred = card?.querySelector<HTMLButtonElement>(`[data-action="${moved.action}"]`);
    const other = card?.querySelector<HTMLButtonElement>(`[data-action="${moved.action === 'up' ? 'down' : 'up'}"]`);
    (preferred && !preferred.disabled ? preferred : other)?.focus();
    setMoved(null);
  }, [moved]);

  const focusFirstError = () =>
    window.requestAnimationFrame(() => editor.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());

  const save = async (event: Event) => {
    event.preventDefault();
    const problems: Record<string, string> = {};
    const nextSchema = toSchema(draft, problems);
    const settings = toSettings(draft.settings, problems);
    if (!draft.name.trim()) problems['name'] = 'A form needs a name.';
    if (Object.keys(problems).length) {
      setErrors(problems);
      status.error(new Error('Some values need attention.'));
      focusFirstError();
      return;
    }
    status.busy('Saving…');
    try {
      const saved = await api.patch<Form>(`/api/forms/${encodeURIComponent(form.id)}`, { name: draft.name.trim(), schema: nextSchema, settings });
      onSaved(saved);
      setErrors({});
      setDirty(false);
      status.ok('Saved. Pages using this form show the change at once.');
    } catch (error) {
      if (error instanceof ApiError && Object.keys(error.fields).length) {
        setErrors(error.fields);
        focusFirstError();
      }
      status.error(error);
    }
  };

  const move = (index: number, by: -1 | 1) => {
    const fields = [...draft.fields];
    const [field] = fields.splice(index, 1);
    if (!field) return;
    fields.splice(index + by, 0, field);
    setFields(fields);
    setMoved({ key: field.key, action: by < 0 ? 'up' : 'down' });
  };

  const addField = () => {
    const field = newField(draft.fields);
    setFields([...draft.fields, field]);
    window.requestAnimationFrame(() => editor.current?.querySelector<HTMLInputElement>(`[data-field-key="${field.key}"] input`)?.focus());
  };

  const schemaErrors = Object.entries(errors).filter(([key]) => key === 'schema' || key === 'schema.fields');

  return (
    <>
      <PageHeader title={form.name} lead={<code>{form.id}</code>}>
        <a class="button" href={`#/forms/${encodeURIComponent(form.id)}`}>
          Inbox
        </a>
      </PageHeader>
      <form ref={editor} onSubmit={save} noValidate class="editor">
        <div class="editor-columns">
          <div class="editor-fields">
            <section class="card" aria-labelledby="fields-title">
              <h2 id="fields-title">Form</h2>
              <TextField label="Form name" required value={draft.name} onInput={(name) => change({ ...draft, name })} error={errorAt(errors, 'name')} />
              <h3 class="small-heading">Fields</h3>
              {schemaErrors.map(([key, message]) => (
                <p class="field-error" key={key}>
                  {message}
                </p>
              ))}
              {draft.fields.length === 0 && (
                <p class="empty">No fields: the form takes any fields your own HTML sends. Add a field to define them here.</p>
              )}
              <ol class="field-list">
                {draft.fields.map((field, index) => (
                  <li key={field.key}>
                    <FieldEditor
                      field={field}
                      index={index}
                      count={draft.fields.length}
                      errors={errors}
                      onChange={(next) => change({ ...draft, fields: draft.fields.map((f) => (f.key === field.key ? next : f)) })}
                      onMove={(by) => move(index, by)}
                      onRemove={() => setFields(draft.fields.filter((f) => f.key !== field.key))}
                    />
                  </li>
                ))}
              </ol>
              <button type="button" class="button" onClick={addField}>
                + Add field
              </button>
              <div class="grid-form form-texts">
                <TextField label="Submit button label" placeholder="Send" value={draft.submitLabel} onInput={(submitLabel) => change({ ...draft, submitLabel })} error={errorAt(errors, 'schema.submitLabel')} />
                <SelectField label="Language" value={draft.locale} options={LOCALE_OPTIONS} onChange={(locale) => change({ ...draft, locale })} error={errorAt(errors, 'schema.locale')} hint="Of the form's built-in messages." />
                <TextField
                  class="span-2"
                  label="Success message"
                  rows={2}
                  placeholder="Thanks! Your submission was received."
                  value={draft.successMessage}
                  onInput={(successMessage) => change({ ...draft, successMessage })}
                  error={errorAt(errors, 'schema.successMessage')}
                />
              </div>
            </section>
          </div>
          <aside class="editor-side" aria-label="Preview">
            <FormPreview schema={schema} />
          </aside>
          <div class="editor-settings">
            <FormSettingsEditor
              formId={form.id}
              draft={draft.settings}
              secrets={form.settings}
              savedAt={form.updatedAt}
              errors={errors}
              onChange={(settings) => change({ ...draft, settings })}
            />
          </div>
        </div>
        <div class="save-bar">
          <button type="submit" class="button button-primary" disabled={status.status?.kind === 'busy'}>
            Save changes
          </button>
          <span class="muted">{dirty ? 'Unsaved changes' : 'All changes saved'}</span>
          <StatusLine status={status.status} class="status-inline" />
        </div>
      </form>
      <EmbedSnippets formId={form.id} />
      {isOwner(session) && (
        <section class="card danger-zone" aria-labelledby="danger-title">
          <h2 id="danger-title">Delete this form</h2>
          <p>Its submissions are deleted with it, and pages that embed it show that it is unavailable.</p>
          <ConfirmButton
            title={`Delete ${form.name}?`}
            message={<p>The form and every submission it received are deleted. This cannot be undone.</p>}
            confirmLabel="Delete form"
            onConfirm={async () => {
              await api.delete(`/api/forms/${encodeURIComponent(form.id)}`);
              navigate('#/forms');
            }}
          >
            Delete form
          </ConfirmButton>
        </section>
      )}
    </>
  );
}
