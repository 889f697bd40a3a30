// #/sites: the sites of the account and the origins each accepts submissions from. Owners create,
// edit and delete them; members see them.

import { useState } from 'preact/hooks';
import { api, ApiError } from '../api.ts';
import type { Items, Site } from '../api-types.ts';
import { errorAt, lines, TextField } from '../controls.tsx';
import { ConfirmButton, LoadError, Loading, PageHeader, StatusLine, useStatus } from '../feedback.tsx';
import { formatDate } from '../format.ts';
import { isOwner, useSession } from '../session.ts';
import { useResource } from '../use-resource.ts';

const ORIGINS_HINT = 'One per line, such as https://example.com. Left empty: https:// and the domain. * accepts any page.';

export function SitesPage() {
  const { session } = useSession();
  const owner = isOwner(session);
  const sites = useResource(() => api.get<Items<Site>>('/api/sites'), []);

  return (
    <>
      <PageHeader title="Sites" lead="A site holds forms. Its forms accept submissions only from pages on its allowed origins." />
      {owner && <NewSite onCreated={(site) => sites.setData((current) => ({ items: [...(current?.items ?? []), site] }))} />}
      {sites.loading && !sites.data && <Loading />}
      <LoadError error={sites.error} retry={sites.reload} />
      {sites.data && sites.data.items.length === 0 && <p class="empty">No sites yet.{owner ? ' Add one above to create forms.' : ''}</p>}
      <ul class="card-list" aria-label="Sites">
        {sites.data?.items.map((site) => (
          <li key={site.id}>
            <SiteCard
              site={site}
              owner={owner}
              onSaved={(saved) => sites.setData((current) => ({ items: (current?.items ?? []).map((s) => (s.id === saved.id ? saved : s)) }))}
              onDeleted={() => sites.setData((current) => ({ items: (current?.items ?? []).filter((s) => s.id !== site.id) }))}
            />
          </li>
        ))}
      </ul>
    </>
  );
}

function NewSite({ onCreated }: { onCreated(site: Site): void }) {
  const [name, setName] = useState('');
  const [domain, setDomain] = useState('');
  const [origins, setOrigins] = useState('');
  const [fields, setFields] = useState<Record<string, string>>({});
  const status = useStatus();

  const submit = async (event: Event) => {
    event.preventDefault();
    status.busy('Adding the site…');
    setFields({});
    try {
      const list = lines(origins);
      const site = await api.post<Site>('/api/sites', { name, domain, ...(list.length ? { allowedOrigins: list } : {}) });
      onCreated(site);
      setName('');
      setDomain('');
      setOrigins('');
      status.ok(`Site ${site.name} added.`);
    } catch (error) {
      if (error instanceof ApiError) setFields(error.fields);
      status.error(error);
    }
  };

  return (
    <section class="card" aria-labelledby="new-site-title">
      <h2 id="new-site-title">Add a site</h2>
      <form onSubmit={submit} class="grid-form" noValidate>
        <TextField label="Name" required value={name} onInput={setName} error={errorAt(fields, 'name')} placeholder="Marketing site" />
        <TextField label="Domain" required value={domain} onInput={setDomain} error={errorAt(fields, 'domain')} placeholder="example.com" spellcheck={false} />
        <TextField
          class="span-2"
          label="Allowed origins"
          rows={3}
          value={origins}
          onInput={setOrigins}
          hint={ORIGINS_HINT}
          error={errorAt(fields, 'allowedOrigins')}
          spellcheck={false}
        />
        <div class="actions span-2">
          <button type="submit" class="button button-primary" disabled={status.status?.kind === 'busy'}>
            Add site
          </button>
          <StatusLine status={status.status} class="status-inline" />
        </div>
      </form>
    </section>
  );
}

function SiteCard({ site, owner, onSaved, onDeleted }: { site: Site; owner: boolean; onSaved(site: Site): void; onDeleted(): void }) {
  const [name, setName] = useState(site.name);
  const [domain, setDomain] = useState(site.domain);
  const [origins, setOrigins] = useState(site.allowedOrigins.join('\n'));
  const [fields, setFields] = useState<Record<string, string>>({});
  const status = useStatus();
  const titleId = `site-${site.id}`;

  const save = async (event: Event) => {
    event.preventDefault();
    status.busy('Saving…');
    setFields({});
    try {
      const saved = await api.patch<Site>(`/api/sites/${encodeURIComponent(site.id)}`, { name, domain, allowedOrigins: lines(origins) });
      onSaved(saved);
      setOrigins(saved.allowedOrigins.join('\n'));
      status.ok('Saved.');
    } catch (error) {
      if (error instanceof ApiError) setFields(error.fields);
      status.error(error);
    }
  };

  return (
    <article class="card" aria-labelledby={titleId}>
      <header class="card-header">
        <div>
          <h2 id={titleId}>{site.name}</h2>
          <p class="muted">
            {site.domain} · added {formatDate(site.createdAt)}
          </p>
        </div>
        <a class="button button-small" href={`#/forms?site=${encodeURIComponent(site.id)}`}>
          Forms
        </a>
      </header>
      {owner ? (
        <form onSubmit={save} class="grid-form" noValidate>
          <TextField label="Name" required value={name} onInput={setName} error={errorAt(fields, 'name')} />
          <TextField label="Domain" required value={domain} onInput={setDomain} error={errorAt(fields, 'domain')} spellcheck={false} />
          <TextField
            class="span-2"
            label="Allowed origins"
            rows={Math.max(2, Math.min(8, site.allowedOrigins.length + 1))}
            value={origins}
            onInput={setOrigins}
            hint={ORIGINS_HINT}
            error={errorAt(fields, 'allowedOrigins')}
            spellcheck={false}
          />
          <div class="actions span-2">
            <button type="submit" class="button button-primary" disabled={status.status?.kind === 'busy'}>
              Save
            </button>
            <ConfirmButton
              label={`Delete site ${site.name}`}
              title={`Delete ${site.name}?`}
              message={<p>Its forms and every submission they received are deleted too. This cannot be undone.</p>}
              confirmLabel="Delete site"
              onConfirm={async () => {
                await api.delete(`/api/sites/${encodeURIComponent(site.id)}`);
                onDeleted();
              }}
            >
              Delete
            </ConfirmButton>
            <StatusLine status={status.status} class="status-inline" />
          </div>
        </form>
      ) : (
        <div>
          <h3 class="small-heading">Allowed origins</h3>
          <ul class="plain-list">
            {site.allowedOrigins.map((origin) => (
              <li key={origin}>
                <code>{origin}</code>
              </li>
            ))}
          </ul>
        </div>
      )}
    </article>
  );
}
