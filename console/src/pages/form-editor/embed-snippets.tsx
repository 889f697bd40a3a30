// What an owner pastes into a page: the render snippet (the form drawn from its definition) and the
// enhance snippet (their own form, validated and sent by the script), pinned to the immutable
// script URL with its Subresource Integrity hash.

import { api } from '../../api.ts';
import type { EmbedSnippets as Snippets } from '../../api-types.ts';
import { CopyButton, LoadError, Loading } from '../../feedback.tsx';
import { useResource } from '../../use-resource.ts';

export function EmbedSnippets({ formId }: { formId: string }) {
  const embed = useResource(() => api.get<Snippets>(`/api/forms/${encodeURIComponent(formId)}/embed`), [formId]);
  return (
    <section class="card" aria-labelledby="embed-title">
      <h2 id="embed-title">Embed</h2>
      {embed.loading && !embed.data && <Loading />}
      <LoadError error={embed.error} retry={embed.reload} />
      {embed.data && (
        <>
          <Snippet
            id="snippet-render"
            title="Render mode"
            text={embed.data.render}
            about="The script draws this form, with its labels, validation and messages, where the div is."
          />
          <Snippet
            id="snippet-enhance"
            title="Enhance mode"
            text={embed.data.enhance}
            about="Keep your own form and styles: the script validates it and sends it without leaving the page. Without JavaScript it still posts."
          />
          <dl class="facts">
            <div>
              <dt>Script</dt>
              <dd>
                <code class="break">{embed.data.script}</code>
              </dd>
            </div>
            <div>
              <dt>SRI hash</dt>
              <dd>
                <code class="break" data-sri>
                  {embed.data.integrity}
                </code>{' '}
                <CopyButton text={embed.data.integrity} what="SRI hash" />
              </dd>
            </div>
          </dl>
        </>
      )}
    </section>
  );
}

function Snippet({ id, title, text, about }: { id: string; title: string; text: string; about: string }) {
  return (
    <div class="snippet">
      <div class="snippet-header">
        <h3 id={`${id}-title`} class="small-heading">
          {title}
        </h3>
        <CopyButton text={text} what={`${title.toLowerCase()} snippet`} />
      </div>
      <p class="hint">{about}</p>
      <pre class="code" id={id} aria-labelledby={`${id}-title`} tabIndex={0}>
        <code>{text}</code>
      </pre>
    </div>
  );
}
