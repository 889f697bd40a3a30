// Export the inbox's current view (the same filters) as CSV, optionally with a BOM so Excel reads
// UTF-8, or as JSON; progress shows while it streams and the download can be cancelled.

import { useRef, useState } from 'preact/hooks';
import { query } from '../../api.ts';
import { CheckboxField, SelectField } from '../../controls.tsx';
import { StatusLine, useStatus } from '../../feedback.tsx';
import { formatBytes, formatNumber, plural } from '../../format.ts';
import { downloadExport, saveFile, type ExportFormat, type ExportProgress } from './export-download.ts';
import { filterParams, hasFilters, type Filters } from './filters.ts';

const FORMATS = [
  { value: 'csv', label: 'CSV' },
  { value: 'json', label: 'JSON' },
] as const;

export function ExportPanel({ formId, filters }: { formId: string; filters: Filters }) {
  const [format, setFormat] = useState<ExportFormat>('csv');
  const [bom, setBom] = useState(false);
  const [progress, setProgress] = useState<ExportProgress | null>(null);
  const controller = useRef<AbortController | null>(null);
  const status = useStatus();

  const start = async () => {
    const abort = new AbortController();
    controller.current = abort;
    status.busy('Preparing the export…');
    const params = { ...filterParams(filters), ...(format === 'csv' && bom ? { bom: '1' } : {}) };
    const url = `/api/forms/${encodeURIComponent(formId)}/submissions.${format}${query(params)}`;
    try {
      const file = await downloadExport(url, format, `${formId}-submissions.${format}`, setProgress, abort.signal);
      saveFile(file);
      status.ok(`Exported ${plural(file.records, 'submission')} (${formatBytes(file.blob.size)}) to ${file.filename}.`);
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') status.ok('Export cancelled.');
      else status.error(error);
    } finally {
      controller.current = null;
      setProgress(null);
    }
  };

  return (
    <section class="card export" aria-labelledby="export-title">
      <div class="inline-form">
        <h2 id="export-title" class="export-label">
          Export {hasFilters(filters) ? 'this view' : 'all but spam'}
        </h2>
        <SelectField<ExportFormat> class="field-compact" label={<span class="visually-hidden">Format</span>} value={format} options={FORMATS} onChange={setFormat} />
        {format === 'csv' && <CheckboxField class="field-compact" label="Excel (BOM)" checked={bom} onChange={setBom} />}
        {progress ? (
          <button type="button" class="button" onClick={() => controller.current?.abort()}>
            Cancel export
          </button>
        ) : (
          <button type="button" class="button button-primary" onClick={start}>
            Export {format.toUpperCase()}
          </button>
        )}
        {progress && (
          <div class="progress">
            {progress.total !== null ? <progress max={Math.max(1, progress.total)} value={progress.records} aria-label="Export progress" /> : <progress aria-label="Export progress" />}
            <span>
              {progress.total !== null ? `${formatNumber(progress.records)} of ${plural(progress.total, 'submission')}` : plural(progress.records, 'submission')} ·{' '}
              {formatBytes(progress.bytes)}
            </span>
          </div>
        )}
      </div>
      <p class="hint">The same filters as the list. Excel (BOM) adds a byte-order mark so Excel reads accented letters correctly.</p>
      <StatusLine status={status.status} />
    </section>
  );
}
