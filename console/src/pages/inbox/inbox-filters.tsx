// The inbox's search box, status filter and date range. A status change applies at once; the
// text and dates apply with the Search button (or Enter).

import { useEffect, useState } from 'preact/hooks';
import { SelectField, TextField } from '../../controls.tsx';
import { hasFilters, STATUS_FILTERS, type Filters, type StatusFilter } from './filters.ts';

export function InboxFilters({ filters, onApply }: { filters: Filters; onApply(filters: Filters): void }) {
  const [draft, setDraft] = useState(filters);
  useEffect(() => setDraft(filters), [filters.q, filters.status, filters.from, filters.to]);

  const submit = (event: Event) => {
    event.preventDefault();
    onApply(draft);
  };

  return (
    <form role="search" aria-label="Submissions" class="filters" onSubmit={submit}>
      <TextField class="filters-search" label="Search" type="search" placeholder="Any value, e.g. a name or address" value={draft.q} onInput={(q) => setDraft({ ...draft, q })} />
      <SelectField<StatusFilter>
        label="Status"
        value={draft.status}
        options={STATUS_FILTERS}
        onChange={(status) => {
          setDraft({ ...draft, status });
          onApply({ ...draft, status });
        }}
      />
      <TextField label="From" type="date" value={draft.from} onInput={(from) => setDraft({ ...draft, from })} />
      <TextField label="To" type="date" value={draft.to} onInput={(to) => setDraft({ ...draft, to })} />
      <div class="filters-actions">
        <button type="submit" class="button button-primary">
          Search
        </button>
        {hasFilters(filters) && (
          <button type="button" class="button button-quiet" onClick={() => onApply({ q: '', status: '', from: '', to: '' })}>
            Clear
          </button>
        )}
      </div>
    </form>
  );
}
