// The inbox's filters live in the hash (#/forms/f_abc?q=ada&status=spam), so a filtered view can
// be bookmarked, shared and reached with the back button; the export takes the same filters.

import type { SubmissionStatus } from '../../api-types.ts';

export type StatusFilter = '' | SubmissionStatus;

export interface Filters {
  q: string;
  status: StatusFilter;
  from: string;
  to: string;
}

export const STATUS_FILTERS: readonly { value: StatusFilter; label: string }[] = [
  { value: '', label: 'All but spam' },
  { value: 'new', label: 'New' },
  { value: 'read', label: 'Read' },
  { value: 'spam', label: 'Spam' },
  { value: 'held', label: 'Held (over quota)' },
];

const STATUSES = new Set<string>(['new', 'read', 'spam', 'held']);

export function filtersOf(query: URLSearchParams): Filters {
  const status = query.get('status') ?? '';
  return {
    q: query.get('q') ?? '',
    status: STATUSES.has(status) ? (status as SubmissionStatus) : '',
    from: query.get('from') ?? '',
    to: query.get('to') ?? '',
  };
}

export function hasFilters(filters: Filters): boolean {
  return !!(filters.q || filters.status || filters.from || filters.to);
}

/** Whether a submission with this status belongs in a list with this filter (the API's rule). */
export function listed(status: SubmissionStatus, filter: StatusFilter): boolean {
  return filter === '' ? status !== 'spam' : status === filter;
}

/** The API's query parameters for these filters (the list, the CSV and the JSON export). */
export function filterParams(filters: Filters): Record<string, string> {
  const params: Record<string, string> = {};
  if (filters.q.trim()) params['q'] = filters.q.trim();
  if (filters.status) params['status'] = filters.status;
  if (filters.from) params['from'] = filters.from;
  if (filters.to) params['to'] = filters.to;
  return params;
}
