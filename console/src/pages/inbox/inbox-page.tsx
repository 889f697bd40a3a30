// #/forms/:id (?q=&status=&from=&to=&submission=): a form's submissions, newest first, with
// "load more" through the keyset cursor, search and filters, batch actions on the selected rows,
// the export of the current view and the detail panel of one submission. When the account holds
// submissions over its plan's quota, a notice says how many (from the billing, GET /api/billing).

import { useEffect, useState } from 'preact/hooks';
import { api, query } from '../../api.ts';
import type { Form, Page, Submission, SubmissionDetail as Detail } from '../../api-types.ts';
import { ConfirmButton, LoadError, Loading, PageHeader, StatusLine, useStatus } from '../../feedback.tsx';
import { formatNumber, plural } from '../../format.ts';
import { href, navigate, type Route } from '../../router.ts';
import { useBilling } from '../../billing-state.ts';
import { isOwner, useSession } from '../../session.ts';
import { useResource } from '../../use-resource.ts';
import { ExportPanel } from './export-panel.tsx';
import { filterParams, filtersOf, hasFilters, listed, type Filters } from './filters.ts';
import { InboxFilters } from './inbox-filters.tsx';
import { SubmissionDetail } from './submission-detail.tsx';
import { SubmissionList } from './submission-list.tsx';

const PAGE_SIZE = 50;
/** How old the account's held count may be when an inbox opens. */
const HELD_COUNT_MAX_AGE_MS = 30_000;

type BatchAction = 'read' | 'new' | 'spam' | 'delete';

export function InboxPage({ formId, route }: { formId: string; route: Route }) {
  const { session } = useSession();
  const owner = isOwner(session);
  const filters = filtersOf(route.query);
  const openId = route.query.get('submission');
  const filterKey = JSON.stringify(filters);
  const form = useResource(() => api.get<Form>(`/api/forms/${encodeURIComponent(formId)}`), [formId]);
  const list = useResource(
    () => api.get<Page<Submission>>(`/api/forms/${encodeURIComponent(formId)}/submissions${query({ limit: PAGE_SIZE, ...filterParams(filters) })}`),
    [formId, filterKey],
  );
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [loadingMore, setLoadingMore] = useState(false);
  const status = useStatus();
  const billing = useBilling();

  useEffect(() => setSelected(new Set()), [formId, filterKey]);
  useEffect(() => {
    void billing.ensure(HELD_COUNT_MAX_AGE_MS);
  }, [formId]);

  const path = `/forms/${encodeURIComponent(formId)}`;
  const linkTo = (submissionId: string | null, next: Filters = filters) => href(path, { ...filterParams(next), submission: submissionId });
  const apply = (next: Filters) => navigate(linkTo(null, next), { replace: true });

  const loadMore = async () => {
    const cursor = list.data?.nextCursor;
    if (!cursor) return;
    setLoadingMore(true);
    try {
      const page = await api.get<Page<Submission>>(
        `/api/forms/${encodeURIComponent(formId)}/submissions${query({ limit: PAGE_SIZE, cursor, ...filterParams(filters) })}`,
      );
      list.setData((current) => ({ items: [...(current?.items ?? []), ...page.items], nextCursor: page.nextCursor }));
    } catch (error) {
      status.error(error);
    } finally {
      setLoadingMore(false);
    }
  };

  /** A submission changed in the detail panel: updated in place, or gone from a list it no longer belongs in. */
  const changed = (submission: Detail) =>
    list.setData((current) => ({
      nextCursor: current?.nextCursor ?? null,
      items: (current?.items ?? []).flatMap((item) => (item.id !== submission.id ? [item] : listed(submission.status, filters.status) ? [{ ...item, status: submission.status }] : [])),
    }));

  const removed = (id: string) => {
    list.setData((current) => ({ nextCursor: current?.nextCursor ?? null, items: (current?.items ?? []).filter((item) => item.id !== id) }));
    status.ok('Submission deleted.');
    navigate(linkTo(null), { replace: true });
  };

  const batch = async (action: BatchAction) => {
    const ids = [...selected];
    status.busy('Working…');
    try {
      const { count } = await api.post<{ count: number }>('/api/submissions/batch', { ids, action });
      setSelected(new Set());
      await list.reload();
      const done = { read: 'marked read', new: 'marked unread', spam: 'marked as spam', delete: 'deleted' }[action];
      status.ok(`${plural(count, 'submission')} ${done}.`);
    } catch (error) {
      status.error(error);
    }
  };

  const items = list.data?.items ?? [];
  const schema = form.data?.schema ?? null;
  const count = selected.size;

  return (
    <>
      <PageHeader
        title={form.data ? form.data.name : 'Inbox'}
        lead={
          <>
            Inbox · <code>{formId}</code>
          </>
        }
      >
        <a class="button" href={`#${path}/edit`}>
          Edit form
        </a>
      </PageHeader>
      <LoadError error={form.error} retry={form.reload} />
      {(billing.data?.period.held ?? 0) > 0 && (
        <HeldNotice
          held={billing.data?.period.held ?? 0}
          planName={billing.data?.plan.name ?? ''}
          showing={filters.status === 'held'}
          showHeld={linkTo(null, { ...filters, status: 'held' })}
          owner={owner}
        />
      )}
      <InboxFilters filters={filters} onApply={apply} />
      <div class={`inbox ${openId ? 'has-detail' : ''}`}>
        <section class="inbox-list" aria-labelledby="list-title">
          <div class="list-header">
            <h2 id="list-title" class="small-heading">
              {filters.status === 'spam' ? 'Spam' : filters.status ? `Status: ${filters.status}` : 'Submissions'}
              {list.data && <span class="muted"> · {formatNumber(items.length)}{list.data.nextCursor ? '+' : ''} shown</span>}
            </h2>
            <div class="batch" role="group" aria-label="With the selected submissions">
              <span class="muted" aria-live="polite">
                {count ? `${formatNumber(count)} selected` : ''}
              </span>
              <button type="button" class="button button-small" disabled={!count} onClick={() => batch('read')}>
                Mark read
              </button>
              <button type="button" class="button button-small" disabled={!count} onClick={() => batch('new')}>
                Mark unread
              </button>
              <button type="button" class="button button-small" disabled={!count} onClick={() => batch(filters.status === 'spam' ? 'new' : 'spam')}>
                {filters.status === 'spam' ? 'Not spam' : 'Mark spam'}
              </button>
              {owner && (
                <ConfirmButton
                  class="button button-small button-danger"
                  disabled={!count}
                  title={`Delete ${plural(count, 'submission')}?`}
                  message={<p>They are deleted for good, and the deletion is recorded in the audit log.</p>}
                  confirmLabel="Delete"
                  onConfirm={() => batch('delete')}
                >
                  Delete
                </ConfirmButton>
              )}
            </div>
          </div>
          <StatusLine status={status.status} />
          {list.loading && !list.data && <Loading what="Loading submissions…" />}
          <LoadError error={list.error} retry={list.reload} />
          {list.data && items.length === 0 && (
            <p class="empty">{hasFilters(filters) ? 'No submissions match these filters.' : 'No submissions yet. Paste the embed snippet into a page and send the form.'}</p>
          )}
          {items.length > 0 && (
            <SubmissionList
              items={items}
              schema={schema}
              columns={openId ? 1 : 3}
              selected={selected}
              openId={openId}
              linkTo={(id) => linkTo(id)}
              onSelect={(id, checked) =>
                setSelected((current) => {
                  const next = new Set(current);
                  if (checked) next.add(id);
                  else next.delete(id);
                  return next;
                })
              }
              onSelectAll={(checked) => setSelected(checked ? new Set(items.map((item) => item.id)) : new Set())}
            />
          )}
          {list.data?.nextCursor && (
            <button type="button" class="button load-more" onClick={loadMore} disabled={loadingMore}>
              {loadingMore ? 'Loading…' : 'Load more'}
            </button>
          )}
        </section>
        {openId && (
          <SubmissionDetail
            key={openId}
            submissionId={openId}
            schema={schema}
            owner={owner}
            onChanged={changed}
            onDeleted={removed}
            onClose={() => navigate(linkTo(null))}
          />
        )}
      </div>
      <ExportPanel formId={formId} filters={filters} />
    </>
  );
}

/** The account's submissions held over its plan's quota (every form's), and where to release them. */
function HeldNotice({ held, planName, showing, showHeld, owner }: { held: number; planName: string; showing: boolean; showHeld: string; owner: boolean }) {
  return (
    <div class="notice notice-warn" role="region" aria-label="Held submissions">
      <p>
        <strong>{plural(held, 'submission')} held</strong> over the {planName} plan's quota in this account: kept, but not shown or announced until the plan is upgraded.
      </p>
      <div class="notice-actions">
        {!showing && (
          <a class="button button-small" href={showHeld}>
            Show held
          </a>
        )}
        <a class="button button-small button-primary" href="#/billing">
          {owner ? 'Upgrade to see them' : 'See the plans'}
        </a>
      </div>
    </div>
  );
}
