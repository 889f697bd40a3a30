// #/forms (?site=): every form of the account by site, and a way to create one (it opens in the
// editor, with a starter set of fields). No submission counts: the list would have to count every
// form's submissions, which costs too much on forms with millions of them; the inbox shows them.

import { useState } from 'preact/hooks';
import { api, ApiError } from '../api.ts';
import type { Form, Items, Site } from '../api-types.ts';
import { errorAt, SelectField, TextField } from '../controls.tsx';
import { LoadError, Loading, PageHeader, StatusLine, useStatus } from '../feedback.tsx';
import { formatDate } from '../format.ts';
import { navigate, useRoute } from '../router.ts';
import { useResource } from '../use-resource.ts';
import { STARTER_SCHEMA } from './form-editor/schema-draft.ts';

interface Directory {
  sites: Site[];
  forms: Form[];
}

export function FormsPage() {
  const route = useRoute();
  const siteFilter = route.query.get('site');
  const directory = useResource(async (): Promise<Directory> => {
    const [sites, forms] = await Promise.all([api.get<Items<Site>>('/api/sites'), api.get<Items<Form>>('/api/forms')]);
    return { sites: sites.items, forms: forms.items };
  }, []);

  const sites = directory.data?.sites.filter((site) => !siteFilter || site.id === siteFilter) ?? [];
  return (
    <>
      <PageHeader title="Forms" lead="Each form has an inbox of submissions, an editor for its fields and settings, and a snippet to paste into your site." />
      {directory.loading && !directory.data && <Loading />}
      <LoadError error={directory.error} retry={directory.reload} />
      {directory.data && directory.data.sites.length === 0 && (
        <p class="empty">
          Forms live on a site. <a href="#/sites">Add a site</a> first.
        </p>
      )}
      {directory.data && directory.data.sites.length > 0 && <NewForm sites={directory.data.sites} preferredSite={siteFilter} />}
      {siteFilter && (
        <p>
          <a href="#/forms">Show the forms of every site</a>
        </p>
      )}
      {sites.map((site) => (
        <SiteForms key={site.id} site={site} forms={directory.data?.forms.filter((form) => form.siteId === site.id) ?? []} />
      ))}
    </>
  );
}

function SiteForms({ site, forms }: { site: Site; forms: Form[] }) {
  const titleId = `forms-of-${site.id}`;
  return (
    <section class="card" aria-labelledby={titleId}>
      <header class="card-header">
        <div>
          <h2 id={titleId}>{site.name}</h2>
          <p class="muted">{site.domain}</p>
        </div>
      </header>
      {forms.length === 0 ? (
        <p class="empty">No forms on this site yet.</p>
      ) : (
        <div class="table-wrap">
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Form</th>
                <th scope="col" class="hide-narrow">
                  ID
                </th>
                <th scope="col" class="hide-narrow">
                  Updated
                </th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {forms.map((form) => (
                <tr key={form.id}>
                  <th scope="row">
                    <a href={`#/forms/${encodeURIComponent(form.id)}`}>{form.name}</a>
                  </th>
                  <td class="hide-narrow">
                    <code>{form.id}</code>
                  </td>
                  <td class="hide-narrow">{formatDate(form.updatedAt)}</td>
                  <td class="row-actions">
                    <a class="button button-small" href={`#/forms/${encodeURIComponent(form.id)}`} aria-label={`Inbox of ${form.name}`}>
                      Inbox
                    </a>
                    <a class="button button-small" href={`#/forms/${encodeURIComponent(form.id)}/edit`} aria-label={`Edit ${form.name}`}>
                      Edit
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function NewForm({ sites, preferredSite }: { sites: Site[]; preferredSite: string | null }) {
  const [siteId, setSiteId] = useState(sites.find((site) => site.id === preferredSite)?.id ?? sites[0]?.id ?? '');
  const [name, setName] = useState('');
  const [fields, setFields] = useState<Record<string, string>>({});
  const status = useStatus();

  const submit = async (event: Event) => {
    event.preventDefault();
    status.busy('Creating the form…');
    setFields({});
    try {
      const form = await api.post<Form>('/api/forms', { siteId, name, schema: STARTER_SCHEMA });
      status.ok(`Form ${form.name} created.`);
      navigate(`#/forms/${encodeURIComponent(form.id)}/edit`);
    } catch (error) {
      if (error instanceof ApiError) setFields(error.fields);
      status.error(error);
    }
  };

  return (
    <section class="card" aria-labelledby="new-form-title">
      <h2 id="new-form-title">New form</h2>
      <form onSubmit={submit} class="inline-form" noValidate>
        <SelectField label="Site" value={siteId} onChange={setSiteId} options={sites.map((site) => ({ value: site.id, label: site.name }))} error={errorAt(fields, 'siteId')} />
        <TextField label="Form name" required value={name} onInput={setName} placeholder="Contact" error={errorAt(fields, 'name')} />
        <button type="submit" class="button button-primary" disabled={status.status?.kind === 'busy'}>
          Create and edit
        </button>
      </form>
      <StatusLine status={status.status} />
    </section>
  );
}
