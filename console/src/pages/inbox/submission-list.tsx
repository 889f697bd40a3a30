// The inbox list: newest first, a checkbox per row for batch actions, the first few values of
// each submission as text (never as HTML), and a link that opens it in the detail panel. A held
// submission (over a free plan's quota) comes without its values: it says so instead.

import type { FormSchema } from '../../../../widget/schema.ts';
import type { Submission } from '../../api-types.ts';
import { formatDateTime, valueText } from '../../format.ts';
import { HeldNote, StatusBadge } from './status-badge.tsx';

/** The columns that summarise a row: the schema's first visible fields, else the first keys seen. */
export function summaryColumns(schema: FormSchema | null, items: readonly Submission[], count: number): { name: string; label: string }[] {
  if (schema) {
    return schema.fields
      .filter((field) => field.type !== 'hidden')
      .slice(0, count)
      .map((field) => ({ name: field.name, label: field.label ?? field.name }));
  }
  const names: string[] = [];
  for (const item of items) for (const key of Object.keys(item.data ?? {})) if (!names.includes(key) && names.length < count) names.push(key);
  return names.map((name) => ({ name, label: name }));
}

export interface SubmissionListProps {
  items: Submission[];
  schema: FormSchema | null;
  /** How many values summarise each row (fewer while a submission is open beside the list). */
  columns: number;
  selected: ReadonlySet<string>;
  openId: string | null;
  linkTo(id: string): string;
  onSelect(id: string, checked: boolean): void;
  onSelectAll(checked: boolean): void;
}

export function SubmissionList({ items, schema, columns: count, selected, openId, linkTo, onSelect, onSelectAll }: SubmissionListProps) {
  const columns = summaryColumns(schema, items, count);
  const allSelected = items.length > 0 && items.every((item) => selected.has(item.id));
  return (
    <div class="table-wrap">
      <table class="table inbox-table">
        <caption class="visually-hidden">Submissions, newest first</caption>
        <thead>
          <tr>
            <th scope="col" class="select-cell">
              <input type="checkbox" aria-label="Select every submission shown" checked={allSelected} onChange={(event) => onSelectAll((event.currentTarget as HTMLInputElement).checked)} />
            </th>
            <th scope="col">Received</th>
            <th scope="col">Status</th>
            {columns.map((column) => (
              <th scope="col" key={column.name}>
                {column.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {items.map((item) => {
            const when = formatDateTime(item.createdAt);
            return (
              <tr key={item.id} class={`${item.id === openId ? 'is-open' : ''} ${item.status === 'new' ? 'is-new' : ''}`} data-submission={item.id}>
                <td class="select-cell">
                  <input
                    type="checkbox"
                    aria-label={`Select the submission of ${when}`}
                    checked={selected.has(item.id)}
                    onChange={(event) => onSelect(item.id, (event.currentTarget as HTMLInputElement).checked)}
                  />
                </td>
                <td class="nowrap">
                  <a href={linkTo(item.id)} aria-current={item.id === openId ? 'true' : undefined}>
                    {when}
                  </a>
                </td>
                <td>
                  <StatusBadge status={item.status} />
                </td>
                {item.data === null ? (
                  <td class="held-cell" colSpan={Math.max(1, columns.length)}>
                    <HeldNote />
                  </td>
                ) : (
                  columns.map((column) => (
                    <td key={column.name} class="value-cell">
                      {valueText(item.data?.[column.name])}
                    </td>
                  ))
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
