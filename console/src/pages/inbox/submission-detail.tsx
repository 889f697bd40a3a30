// One submission: every field, where it came from, and each notification sent for it (with a
// retry for a dead or waiting one); marked read, spam or not spam, or deleted by an owner.

import { useEffect, useRef } from 'preact/hooks';
import type { FormSchema } from '../../../../widget/schema.ts';
import { api } from '../../api.ts';
import type { Delivery, Items, SubmissionDetail as Detail, SubmissionStatus } from '../../api-types.ts';
import { ConfirmButton, LoadError, Loading, StatusLine, useStatus } from '../../feedback.tsx';
import { formatDateTime, valueText } from '../../format.ts';
import { useResource } from '../../use-resource.ts';
import { HeldNote, StatusBadge } from './status-badge.tsx';

export interface SubmissionDetailProps {
  submissionId: string;
  schema: FormSchema | null;
  owner: boolean;
  onChanged(submission: Detail): void;
  onDeleted(id: string): void;
  onClose(): void;
}

const CHANNELS: Record<Delivery['channel'], string> = { email: 'Email', whatsapp: 'WhatsApp', webhook: 'Webhook', autoresponse: 'Autoresponse' };
const VIA: Record<string, string> = { json: 'JSON (the embed script or an API call)', form: 'a plain HTML form post' };
const DELIVERY_STATUS: Record<Delivery['status'], string> = { queued: 'Queued', running: 'Sending', done: 'Sent', dead: 'Failed' };

/** The fields in the schema's order, then anything else the submission holds. */
function fieldRows(schema: FormSchema | null, data: NonNullable<Detail['data']>): { name: string; label: string }[] {
  const rows = (schema?.fields ?? []).map((field) => ({ name: field.name, label: field.label ?? field.name }));
  for (const name of Object.keys(data)) if (!rows.some((row) => row.name === name)) rows.push({ name, label: name });
  return rows;
}

export function SubmissionDetail({ submissionId, schema, owner, onChanged, onDeleted, onClose }: SubmissionDetailProps) {
  const id = encodeURIComponent(submissionId);
  const submission = useResource(() => api.get<Detail>(`/api/submissions/${id}`), [submissionId]);
  const deliveries = useResource(() => api.get<Items<Delivery>>(`/api/submissions/${id}/deliveries`), [submissionId]);
  const status = useStatus();
  const heading = useRef<HTMLHeadingElement>(null);

  // Opening a submission takes the focus to it (on a phone the panel is below the list).
  useEffect(() => {
    if (submission.data) heading.current?.focus();
  }, [submission.data?.id]);

  const mark = async (next: Exclude<SubmissionStatus, 'held'>, said: string) => {
    status.busy('Saving…');
    try {
      const saved = await api.patch<Detail>(`/api/submissions/${id}`, { status: next });
      const merged = { ...submission.data, ...saved, meta: saved.meta ?? submission.data?.meta ?? null } as Detail;
      submission.setData(merged);
      onChanged(merged);
      status.ok(said);
    } catch (error) {
      status.error(error);
    }
  };

  const retry = async (delivery: Delivery) => {
    status.busy('Sending again…');
    try {
      await api.post(`/api/deliveries/${encodeURIComponent(delivery.id)}/retry`, {});
      await deliveries.reload();
      status.ok(`${CHANNELS[delivery.channel]} to ${delivery.target} is queued again.`);
    } catch (error) {
      status.error(error);
    }
  };

  const data = submission.data;
  return (
    <section class="card detail" aria-labelledby="detail-title">
      <header class="card-header">
        <h2 id="detail-title" ref={heading} tabIndex={-1}>
          Submission {data ? <span class="muted">· {formatDateTime(data.createdAt)}</span> : null}
        </h2>
        <button type="button" class="button button-small button-quiet" onClick={onClose} aria-label="Close the submission">
          Close
        </button>
      </header>
      {submission.loading && !data && <Loading />}
      <LoadError error={submission.error} retry={submission.reload} />
      {data && (
        <>
          <div class="detail-actions">
            <StatusBadge status={data.status} />
            {/* A held submission cannot be marked (409 submission_held): it waits for an upgrade. */}
            {data.status === 'new' && (
              <button type="button" class="button button-small" onClick={() => mark('read', 'Marked as read.')}>
                Mark read
              </button>
            )}
            {data.status === 'read' && (
              <button type="button" class="button button-small" onClick={() => mark('new', 'Marked as new.')}>
                Mark unread
              </button>
            )}
            {data.status === 'spam' ? (
              <button type="button" class="button button-small" onClick={() => mark('new', 'Marked as not spam: it is back in the inbox.')}>
                Not spam
              </button>
            ) : (
              data.status !== 'held' && (
                <button type="button" class="button button-small" onClick={() => mark('spam', 'Marked as spam: it is filed under Spam.')}>
                  Mark spam
                </button>
              )
            )}
            {owner && (
              <ConfirmButton
                class="button button-small button-danger"
                title="Delete this submission?"
                message={<p>It is deleted for good, and the deletion is recorded in the audit log.</p>}
                confirmLabel="Delete"
                onConfirm={async () => {
                  await api.delete(`/api/submissions/${id}`);
                  onDeleted(submissionId);
                }}
              >
                Delete
              </ConfirmButton>
            )}
          </div>
          <StatusLine status={status.status} />

          <h3 class="small-heading">Fields</h3>
          {data.data === null ? (
            <p class="held-notice">
              <HeldNote />. It is kept, unseen and unannounced, and upgrading the plan releases it with its values.
            </p>
          ) : (
            <dl class="values">
              {fieldRows(schema, data.data).map((row) => {
                const value = data.data?.[row.name];
                return (
                  <div key={row.name}>
                    <dt>{row.label}</dt>
                    <dd class="value">{value === undefined ? <span class="muted">(not sent)</span> : valueText(value) || <span class="muted">(empty)</span>}</dd>
                  </div>
                );
              })}
            </dl>
          )}

          <h3 class="small-heading">Details</h3>
          <dl class="facts">
            <Fact label="ID" value={data.id} code />
            <Fact label="Received" value={formatDateTime(data.createdAt)} />
            <Fact label="Page" value={data.meta?.referer ?? data.meta?.origin ?? null} />
            <Fact label="Sent as" value={data.meta?.via ? (VIA[data.meta.via] ?? data.meta.via) : null} />
            <Fact label="Browser" value={data.meta?.userAgent ?? null} />
            <Fact label="Spam reason" value={data.meta?.spamReason ?? null} />
            <Fact label="Visitor (hashed IP)" value={data.meta?.ipHash ?? null} code />
          </dl>

          <h3 class="small-heading">Notifications</h3>
          <LoadError error={deliveries.error} retry={deliveries.reload} />
          {deliveries.data && deliveries.data.items.length === 0 && <p class="muted">None for this submission.</p>}
          <ul class="deliveries">
            {deliveries.data?.items.map((delivery) => (
              <li key={delivery.id} class="delivery">
                <div class="delivery-head">
                  <strong>{CHANNELS[delivery.channel] ?? delivery.channel}</strong> <span class="break">{delivery.target}</span>{' '}
                  <span class={`badge badge-delivery-${delivery.status}`}>{DELIVERY_STATUS[delivery.status] ?? delivery.status}</span>
                  {(delivery.status === 'dead' || delivery.status === 'queued') && (
                    <button type="button" class="button button-small" onClick={() => retry(delivery)} aria-label={`Retry ${CHANNELS[delivery.channel]} to ${delivery.target}`}>
                      Retry
                    </button>
                  )}
                </div>
                <p class="muted">
                  {delivery.attempts} attempt{delivery.attempts === 1 ? '' : 's'}
                  {delivery.nextAttemptAt && delivery.status === 'queued' ? ` · next ${formatDateTime(delivery.nextAttemptAt)}` : ''}
                </p>
                {delivery.lastError && <p class="delivery-error">{delivery.lastError}</p>}
                {delivery.history.length > 0 && (
                  <details>
                    <summary>History</summary>
                    <ol class="history">
                      {delivery.history.map((attempt) => (
                        <li key={attempt.attempt}>
                          {formatDateTime(attempt.at)}: attempt {attempt.attempt}, {attempt.outcome}
                          {attempt.error ? ` (${attempt.error})` : ''}
                        </li>
                      ))}
                    </ol>
                  </details>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function Fact({ label, value, code }: { label: string; value: string | null; code?: boolean }) {
  if (!value) return null;
  return (
    <div>
      <dt>{label}</dt>
      <dd class="break">{code ? <code>{value}</code> : value}</dd>
    </div>
  );
}
