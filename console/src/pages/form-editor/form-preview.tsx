// The live preview: the form drawn by the embed's own renderer (widget/embed/render.tsx) into a
// shadow root, exactly as visitors will see it, redrawn on every change. It never sends: a submit
// is stopped here and only explained.

import { useEffect, useRef, useState } from 'preact/hooks';
import type { Definition } from '../../../../widget/embed/controller.ts';
import { renderForm } from '../../../../widget/embed/render.tsx';
import { FORM_CSS } from '../../../../widget/embed/styles.ts';
import { messagesFor } from '../../../../widget/i18n.ts';
import type { FormSchema } from '../../../../widget/schema.ts';

/** The definition the service would send for this schema (GET /v1/forms/:formId), minus the live parts. */
export function previewDefinition(schema: FormSchema | null): Definition {
  const { messages } = messagesFor([schema?.locale], schema?.messages);
  return {
    schema: schema ?? { fields: [] },
    redirectUrl: null,
    successMessage: schema?.successMessage ?? messages.sent,
    messages,
    css: FORM_CSS,
    // A stand-in: the preview never posts, so no real time-trap token is needed.
    spam: { timeToken: 'preview' },
    captcha: null,
  };
}

export function FormPreview({ schema }: { schema: FormSchema | null }) {
  const host = useRef<HTMLDivElement>(null);
  const [note, setNote] = useState('');

  useEffect(() => {
    const element = host.current;
    if (!element) return;
    renderForm(element, previewDefinition(schema));
  }, [schema]);

  useEffect(() => {
    const root = host.current?.shadowRoot;
    if (!root) return;
    const stop = (event: Event) => {
      event.preventDefault();
      setNote('This is a preview: nothing was sent.');
    };
    root.addEventListener('submit', stop);
    return () => root.removeEventListener('submit', stop);
  }, []);

  return (
    <section class="preview" aria-labelledby="preview-title">
      <h2 id="preview-title" class="small-heading">
        Live preview
      </h2>
      {!schema && <p class="hint">No fields: this form accepts whatever fields your own HTML form sends (enhance mode).</p>}
      <div class="preview-frame">
        <div ref={host} class="preview-host" data-preview />
      </div>
      <p role="status" class="hint">
        {note}
      </p>
    </section>
  );
}
