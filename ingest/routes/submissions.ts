// GET /api/forms/:formId/submissions: newest first, keyset pagination with an opaque cursor.

import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Database } from '../db/database.ts';
import { BadRequestError } from '../errors.ts';
import { accountOf } from '../http/console-session.ts';
import { parseInput } from '../http/input.ts';
import { isUuid } from '../services/ids.ts';
import { getFormForAccount } from '../store/forms.ts';
import { listSubmissions, type Submission } from '../store/submissions.ts';
import { formIdParam, formNotFound } from './forms.ts';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

// Years PostgreSQL and PGlite both store; JavaScript dates reach much further.
const MIN_YEAR = 1;
const MAX_YEAR = 9999;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

function inRange(date: Date): boolean {
  const year = date.getUTCFullYear();
  return !Number.isNaN(date.getTime()) && year >= MIN_YEAR && year <= MAX_YEAR;
}

const isoDate = z
  .string()
  .max(40)
  .refine((value) => inRange(new Date(value)), 'must be a date such as 2026-01-31 or 2026-01-31T12:00:00Z');

export const filterQuery = z.object({
  status: z.enum(['new', 'read', 'spam', 'held']).optional(),
  q: z.string().trim().max(200).optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
});

const listQuery = filterQuery.extend({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
  cursor: z.string().max(200).optional(),
});

/** The cursor is the last row's (createdAt, id), base64url-encoded; clients treat it as opaque. */
export function encodeCursor(row: { createdAt: Date; id: string }): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [time, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(time ?? '');
  if (!id || !isUuid(id) || !inRange(createdAt)) {
    throw new BadRequestError('invalid_cursor', 'The cursor is not one this API gave out.');
  }
  return { createdAt, id };
}

/** `to` is exclusive for a moment in time, and takes the whole day for a plain date. */
export function endOf(to: string): Date {
  const date = new Date(to);
  return DATE_ONLY.test(to) ? new Date(date.getTime() + 86_400_000) : date;
}

function present(item: Submission) {
  return { id: item.id, formId: item.formId, data: item.data, status: item.status, createdAt: item.createdAt.toISOString() };
}

export function submissionRoutes(db: Database) {
  const list: RequestHandler = async (req, res) => {
    const { accountId } = accountOf(res);
    const formId = formIdParam(req.params['formId']);
    const query = parseInput(listQuery, req.query);
    const form = await getFormForAccount(db, accountId, formId);
    if (!form) throw formNotFound(formId);
    const page = await listSubmissions(db, {
      formId,
      accountId,
      limit: query.limit,
      after: query.cursor ? decodeCursor(query.cursor) : undefined,
      status: query.status,
      q: query.q || undefined,
      from: query.from ? new Date(query.from) : undefined,
      to: query.to ? endOf(query.to) : undefined,
    });
    const last = page.items[page.items.length - 1];
    res.json({ items: page.items.map(present), nextCursor: page.more && last ? encodeCursor(last) : null });
  };

  return { list };
}
