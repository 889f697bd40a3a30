// #/keys (owners): API keys for scripts and integrations (Authorization: Bearer fl_...). A new
// key is shown once; afterwards only its prefix is known.

import { useState } from 'preact/hooks';
import { api, ApiError } from '../api.ts';
import type { ApiKey, Items, NewApiKey } from '../api-types.ts';
import { errorAt, TextField } from '../controls.tsx';
import { ConfirmButton, CopyButton, LoadError, Loading, PageHeader, StatusLine, useStatus } from '../feedback.tsx';
import { formatDateTime } from '../format.ts';
import { useResource } from '../use-resource.ts';

export function KeysPage() {
  const keys = useResource(() => api.get<Items<ApiKey>>('/api/keys'), []);
  const [name, setName] = useState('');
  const [fields, setFields] = useState<Record<string, string>>({});
  const [created, setCreated] = useState<NewApiKey | null>(null);
  const status = useStatus();

  const create = async (event: Event) => {
    event.preventDefault();
    status.busy('Creating the key…');
    setFields({});
    try {
      const key = await api.post<NewApiKey>('/api/keys', { name });
      setCreated(key);
      setName('');
      status.ok(`Key ${key.name} created. Copy it now: it is not shown again.`);
      await keys.reload();
    } catch (error) {
      if (error instanceof ApiError) setFields(error.fields);
      status.error(error);
    }
  };

  return (
    <>
      <PageHeader title="API keys" lead="Keys let scripts read sites, forms, submissions, exports and usage with Authorization: Bearer <key>." />
      <section class="card" aria-labelledby="new-key-title">
        <h2 id="new-key-title">New key</h2>
        <form onSubmit={create} class="inline-form" noValidate>
          <TextField label="Name" required placeholder="Nightly export" value={name} onInput={setName} error={errorAt(fields, 'name')} />
          <button type="submit" class="button button-primary" disabled={status.status?.kind === 'busy'}>
            Create key
          </button>
        </form>
        <StatusLine status={status.status} />
        {created && (
          <div class="reveal" role="region" aria-label="Your new key">
            <p>
              <strong>{created.name}</strong>: copy this key now. It is shown only this once.
            </p>
            <p class="secret-line">
              <code class="break" data-new-key>
                {created.key}
              </code>{' '}
              <CopyButton text={created.key} what="API key" />
            </p>
            <button type="button" class="button button-small button-quiet" onClick={() => setCreated(null)}>
              Done
            </button>
          </div>
        )}
      </section>
      {keys.loading && !keys.data && <Loading />}
      <LoadError error={keys.error} retry={keys.reload} />
      {keys.data && keys.data.items.length === 0 && <p class="empty">No keys yet.</p>}
      {keys.data && keys.data.items.length > 0 && (
        <div class="table-wrap card">
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.data.items.map((key) => (
                <tr key={key.id}>
                  <th scope="row">{key.name}</th>
                  <td>
                    <code>{key.prefix}…</code>
                  </td>
                  <td>{formatDateTime(key.createdAt)}</td>
                  <td>{key.lastUsedAt ? formatDateTime(key.lastUsedAt) : <span class="muted">never</span>}</td>
                  <td class="row-actions">
                    {key.revokedAt ? (
                      <span class="badge badge-spam">Revoked {formatDateTime(key.revokedAt)}</span>
                    ) : (
                      <ConfirmButton
                        class="button button-small button-danger"
                        label={`Revoke ${key.name}`}
                        title={`Revoke ${key.name}?`}
                        message={<p>Anything using this key is refused from now on. This cannot be undone.</p>}
                        confirmLabel="Revoke"
                        onConfirm={async () => {
                          await api.delete(`/api/keys/${encodeURIComponent(key.id)}`);
                          await keys.reload();
                        }}
                      >
                        Revoke
                      </ConfirmButton>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
