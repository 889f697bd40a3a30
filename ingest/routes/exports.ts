// Exports of a form's submissions, streamed from the database in keyset pages so the server's
// memory stays flat whatever the size: CSV (csv-stringify; every column of the form plus id,
// status and time; cells that a spreadsheet would run as a formula neutralised, header cells
// included; `?bom=1` for Excel) and JSON (one array). The list's filters (status, q, from, to) apply.

import type { RequestHandler, Response } from 'express';
import { stringify } from 'csv-stringify';
import { z } from 'zod';
import type { Database } from '../db/database.ts';
import { accountOf } from '../http/console-session.ts';
import { parseInput } from '../http/input.ts';
import { getFormForAccount, type Form } from '../store/forms.ts';
import { countSubmissions, listSubmissions, type Submission, type SubmissionQuery } from '../store/submissions.ts';
import { formIdParam, formNotFound } from './forms.ts';
import { endOf, filterQuery } from './submissions.ts';

const PAGE = 1000;
const exportQuery = filterQuery.extend({ bom: z.enum(['0', '1']).optional() });

/** A spreadsheet runs a cell starting with = + - @ (or a tab or CR before one) as a formula. */
export function neutralise(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

function cellOf(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map(cellOf).join('; ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** The form's columns: its schema's fields in order, or (without a schema) the names its submissions used. */
function columnsOf(form: Form, first: Submission[]): string[] {
  if (form.schema) return form.schema.fields.map((field) => field.name);
  const names = new Set<string>();
  for (const item of first) for (const name of Object.keys(item.data ?? {})) names.add(name);
  return [...names];
}

/** Every submission matching the filters, newest first, a page at a time. */
async function* pages(db: Database, base: Omit<SubmissionQuery, 'limit' | 'after'>): AsyncGenerator<Submission[]> {
  let after: SubmissionQuery['after'];
  for (;;) {
    const page = await listSubmissions(db, { ...base, limit: PAGE, after });
    if (page.items.length) yield page.items;
    const last = page.items[page.items.length - 1];
    if (!page.more || !last) return;
    after = { createdAt: last.createdAt, id: last.id };
  }
}

/** Writes, waiting for the client to take it when its buffer is full (backpressure). */
function write(res: Response, chunk: string): Promise<void> | void {
  if (!res.write(chunk)) return new Promise((resolve) => res.once('drain', resolve));
}

export function exportRoutes(db: Database) {
  const prepare = async (req: Parameters<RequestHandler>[0], res: Response) => {
    const { accountId } = accountOf(res);
    const formId = formIdParam(req.params['formId']);
    const query = parseInput(exportQuery, req.query);
    const form = await getFormForAccount(db, accountId, formId);
    if (!form) throw formNotFound(formId);
    const base = {
      formId,
      accountId,
      status: query.status,
      q: query.q || undefined,
      from: query.from ? new Date(query.from) : undefined,
      to: query.to ? endOf(query.to) : undefined,
    };
    // How many rows will come, so a client can show progress (counted before the first page).
    res.setHeader('X-Total-Count', String(await countSubmissions(db, base)));
    return { form, query, source: pages(db, base) };
  };

  const csv: RequestHandler = async (req, res) => {
    const { form, query, source } = await prepare(req, res);
    const first = await source.next();
    const firstPage = first.done ? [] : first.value;
    const columns = columnsOf(form, firstPage);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${form.id}-submissions.csv"`);
    res.setHeader('Cache-Control', 'no-store');
    // A form without a schema takes its columns from visitors' own field names: the header cells
    // are neutralised like every other cell.
    const header = ['id', 'status', 'createdAt', ...columns].map((name) => ({ key: name, header: neutralise(name) }));
    const csvStream = stringify({ bom: query.bom === '1', header: true, columns: header });
    csvStream.on('data', (chunk: Buffer) => {
      if (!res.write(chunk)) {
        csvStream.pause();
        res.once('drain', () => csvStream.resume());
      }
    });
    const ended = new Promise<void>((resolve, reject) => {
      csvStream.once('end', resolve);
      csvStream.once('error', reject);
    });
    const put = (item: Submission) =>
      new Promise<void>((resolve) => {
        const row = [item.id, item.status, item.createdAt.toISOString(), ...columns.map((name) => neutralise(cellOf(item.data?.[name])))];
        if (csvStream.write(row)) resolve();
        else csvStream.once('drain', () => resolve());
      });
    for (const item of firstPage) await put(item);
    for await (const page of source) {
      if (res.destroyed) break;
      for (const item of page) await put(item);
    }
    csvStream.end();
    await ended;
    res.end();
  };

  const json: RequestHandler = async (req, res) => {
    const { source } = await prepare(req, res);
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${String(req.params['formId'])}-submissions.json"`);
    res.setHeader('Cache-Control', 'no-store');
    let separator = '[\n';
    for await (const page of source) {
      if (res.destroyed) break;
      const text = page
        .map((item) => JSON.stringify({ id: item.id, formId: item.formId, status: item.status, createdAt: item.createdAt.toISOString(), data: item.data }))
        .join(',\n');
      await write(res, separator + text);
      separator = ',\n';
    }
    res.end(separator === '[\n' ? '[]\n' : '\n]\n');
  };

  return { csv, json };
}
