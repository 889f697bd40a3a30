// A submission's status as a small label (its colour is never the only sign: the word is there).

import type { SubmissionStatus } from '../../api-types.ts';

const LABELS: Record<SubmissionStatus, string> = { new: 'New', read: 'Read', spam: 'Spam', held: 'Held' };

export function StatusBadge({ status }: { status: SubmissionStatus }) {
  return <span class={`badge badge-${status}`}>{LABELS[status] ?? status}</span>;
}
