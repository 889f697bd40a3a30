// Downloads an export with fetch and a stream reader, so the console can show progress (records
// received against X-Total-Count) for exports of any size, then saves it through a Blob URL and an
// <a download> click. Records are counted as they stream: CSV rows are line ends outside quotes
// (a value may hold a newline), JSON records are the objects at the array's top level.

import { send } from '../../api.ts';

export type ExportFormat = 'csv' | 'json';

export interface ExportProgress {
  records: number;
  bytes: number;
  /** X-Total-Count, when the service sent it. */
  total: number | null;
}

export interface ExportFile {
  blob: Blob;
  filename: string;
  records: number;
}

/** Counts records in a stream of text, chunk by chunk. */
export interface RecordCounter {
  push(text: string): void;
  /** Records seen so far. */
  readonly count: number;
}

export function csvCounter(): RecordCounter {
  let quoted = false;
  let lineEnds = 0;
  return {
    push(text) {
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        // A doubled quote inside a quoted value toggles twice: still quoted.
        if (c === 34) quoted = !quoted;
        else if (c === 10 && !quoted) lineEnds++;
      }
    },
    // The first line is the header.
    get count() {
      return Math.max(0, lineEnds - 1);
    },
  };
}

export function jsonCounter(): RecordCounter {
  let depth = 0;
  let inString = false;
  let escaped = false;
  let records = 0;
  return {
    push(text) {
      for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (inString) {
          if (escaped) escaped = false;
          else if (c === '\\') escaped = true;
          else if (c === '"') inString = false;
        } else if (c === '"') inString = true;
        else if (c === '{' || c === '[') {
          if (c === '{' && depth === 1) records++;
          depth++;
        } else if (c === '}' || c === ']') depth--;
      }
    },
    get count() {
      return records;
    },
  };
}

function filenameOf(disposition: string | null, fallback: string): string {
  const match = disposition ? /filename="?([^";]+)"?/i.exec(disposition) : null;
  return match?.[1] ?? fallback;
}

export async function downloadExport(
  url: string,
  format: ExportFormat,
  fallbackName: string,
  onProgress: (progress: ExportProgress) => void,
  signal: AbortSignal,
): Promise<ExportFile> {
  const res = await send('GET', url, undefined, { signal });
  const totalHeader = res.headers.get('x-total-count');
  const total = totalHeader !== null && /^\d+$/.test(totalHeader) ? Number(totalHeader) : null;
  const counter = format === 'csv' ? csvCounter() : jsonCounter();
  const decoder = new TextDecoder();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  onProgress({ records: 0, bytes: 0, total });
  if (res.body) {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      bytes += value.byteLength;
      counter.push(decoder.decode(value, { stream: true }));
      onProgress({ records: counter.count, bytes, total });
    }
  }
  counter.push(decoder.decode());
  const type = format === 'csv' ? 'text/csv;charset=utf-8' : 'application/json;charset=utf-8';
  return { blob: new Blob(chunks as BlobPart[], { type }), filename: filenameOf(res.headers.get('content-disposition'), fallbackName), records: counter.count };
}

/** Hands a file to the browser's downloads, as a click on a link would. */
export function saveFile(file: ExportFile): void {
  const url = URL.createObjectURL(file.blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = file.filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has its own copy once started; a minute is plenty for a slow disk.
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
