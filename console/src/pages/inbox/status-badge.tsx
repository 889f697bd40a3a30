// A submission's status as a small label (its colour is never the only sign: the word is there),
// and what a held submission shows in place of its values.

import type { SubmissionStatus } from '../../api-types.ts';

const LABELS: Record<SubmissionStatus, string> = { new: 'New', read: 'Read', spam: 'Spam', held: 'Held' };

export function StatusBadge({ status }: { status: SubmissionStatus }) {
  return <span class={`badge badge-${status}`}>{LABELS[status] ?? status}</span>;
}

/** In place of a held submission's values (the service sends none until the plan is upgraded). */
export function HeldNote() {
  return (
    <span class="held-note">
      Held over the plan's quota — <a href="#/billing">upgrade to see it</a>
    </span>
  );
}
