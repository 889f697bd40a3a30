// The inbox's search box, status filter and date range. A status change applies at once; the
// text and dates apply with the Search button (or Enter).

import { useEffect, useRef, useState } from 'preact/hooks';
import { SelectField, TextField } from '../../controls.tsx';
import { hasFilters, STATUS_FILTERS, type Filters, type StatusFilter } from './filters.ts';

export function InboxFilters({ filters, onApply }: { filters: Filters; onApply(filters: Filters): void }) {
  const [draft, setDraft] = useState(filters);
  // When the address changes (a link, the back button, a status applied), the fields it changed
  // follow it; what the visitor is typing in the others meanwhile is kept.
  const applied = useRef(filters);
  useEffect(() => {
    const before = applied.current;
    applied.current = filters;
    const follow = <K extends keyof Filters>(key: K, current: Filters): Filters[K] => (before[key] !== filters[key] ? filters[key] : current[key]);
    setDraft((current) => ({ q: follow('q', current), status: follow('status', current), from: follow('from', current), to: follow('to', current) }));
  }, [filters.q, filters.status, filters.from, filters.to]);

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
