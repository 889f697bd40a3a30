// #/audit (owners): what was done in the account and by whom, newest first; and the erasure of
// everything one person submitted (a data-subject request), which is itself recorded here.

import { useState } from 'preact/hooks';
import { api, ApiError, query } from '../api.ts';
import type { AuditEntry, Page } from '../api-types.ts';
import { errorAt, TextField } from '../controls.tsx';
import { ConfirmButton, LoadError, Loading, PageHeader, StatusLine, useStatus } from '../feedback.tsx';
import { formatDateTime, plural } from '../format.ts';
import { useResource } from '../use-resource.ts';

/** What each recorded action means, in words (an action not listed shows its code). */
const ACTIONS: Record<string, string> = {
  'api_key.create': 'API key created',
  'api_key.revoke': 'API key revoked',
  erasure: 'Data erased on request',
  'form.delete': 'Form deleted',
  'invitation.create': 'Invitation sent',
  'member.remove': 'Member removed',
  'member.role': 'Role changed',
  'retention.purge': 'Old submissions purged',
  'site.delete': 'Site deleted',
  'submission.delete': 'Submission deleted',
  'submissions.delete': 'Submissions deleted',
};

/** An entry's details as one line of text. */
function detailsText(details: unknown): string {
  if (details === null || details === undefined) return '';
  if (typeof details !== 'object') return String(details);
  return Object.entries(details as Record<string, unknown>)
    .map(([key, value]) => `${key}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join(', ');
}

export function AuditPage() {
  const log = useResource(() => api.get<Page<AuditEntry>>('/api/audit'), []);
  const [loadingMore, setLoadingMore] = useState(false);
  const status = useStatus();

  const loadMore = async () => {
    const cursor = log.data?.nextCursor;
    if (!cursor) return;
    setLoadingMore(true);
    try {
      const page = await api.get<Page<AuditEntry>>(`/api/audit${query({ cursor })}`);
      log.setData((current) => ({ items: [...(current?.items ?? []), ...page.items], nextCursor: page.nextCursor }));
    } catch (error) {
      status.error(error);
    } finally {
      setLoadingMore(false);
    }
  };

  return (
    <>
      <PageHeader title="Audit & privacy" lead="Deletions, erasures, role changes and keys: who did what, and when." />
      <Erasure onErased={() => void log.reload()} />
      <section class="card" aria-labelledby="audit-title">
        <h2 id="audit-title">Audit log</h2>
        {log.loading && !log.data && <Loading />}
        <LoadError error={log.error} retry={log.reload} />
        {log.data && log.data.items.length === 0 && <p class="empty">Nothing recorded yet.</p>}
        {log.data && log.data.items.length > 0 && (
          <div class="table-wrap">
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Who</th>
                  <th scope="col">Action</th>
                  <th scope="col">Target</th>
                  <th scope="col">Details</th>
                </tr>
              </thead>
              <tbody>
                {log.data.items.map((entry) => (
                  <tr key={entry.id}>
                    <td class="nowrap">{formatDateTime(entry.createdAt)}</td>
                    <td>{entry.actorEmail ?? <span class="muted">Formline</span>}</td>
                    <td>
                      {ACTIONS[entry.action] ?? entry.action} <code class="muted">{entry.action}</code>
                    </td>
                    <td class="break">{entry.target ?? ''}</td>
                    <td class="break">{detailsText(entry.details)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <StatusLine status={status.status} />
        {log.data?.nextCursor && (
          <button type="button" class="button load-more" onClick={loadMore} disabled={loadingMore}>
            {loadingMore ? 'Loading…' : 'Load more'}
          </button>
        )}
      </section>
    </>
  );
}

function Erasure({ onErased }: { onErased(): void }) {
  const [email, setEmail] = useState('');
  const [fields, setFields] = useState<Record<string, string>>({});
  const status = useStatus();
  const address = email.trim();

  const erase = async () => {
    setFields({});
    status.busy('Erasing…');
    try {
      const { deleted } = await api.post<{ deleted: number }>('/api/erasure', { email: address });
      status.ok(`Erased ${plural(deleted, 'submission')} holding ${address}.`);
      setEmail('');
      onErased();
    } catch (error) {
      if (error instanceof ApiError) setFields(error.fields);
      status.error(error);
    }
  };

  return (
    <section class="card" aria-labelledby="erasure-title">
      <h2 id="erasure-title">Erase a person's data</h2>
      <p>When someone asks to be forgotten: every submission to any form of this account that holds their email address is deleted.</p>
      <div class="inline-form">
        <TextField label="Their email address" type="email" value={email} onInput={setEmail} error={errorAt(fields, 'email')} />
        <ConfirmButton
          disabled={!address.includes('@')}
          title={`Erase everything from ${address}?`}
          message={<p>Every submission holding {address} is deleted from every form of this account. This cannot be undone; the erasure is recorded in the audit log.</p>}
          confirmLabel="Erase"
          onConfirm={erase}
        >
          Erase…
        </ConfirmButton>
      </div>
      <StatusLine status={status.status} />
    </section>
  );
}
