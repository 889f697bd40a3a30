// A form's submissions for the console: the list (newest first, keyset pagination with an opaque
// cursor), one submission with its metadata, marking read/spam, deleting (audited), and erasing
// everything one email address submitted (a data-subject request, audited).

import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Database } from '../db/database.ts';
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError } from '../errors.ts';
import { accountOf } from '../http/console-session.ts';
import { parseInput } from '../http/input.ts';
import { isUuid } from '../services/ids.ts';
import { getFormForAccount } from '../store/forms.ts';
import { saveAuditEntry } from '../store/audit.ts';
import {
  deleteSubmissionsForAccount,
  eraseSubmissionsByEmail,
  getSubmissionForAccount,
  listSubmissions,
  updateSubmissionStatuses,
  type Submission,
} from '../store/submissions.ts';
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
  // A plain date takes its whole day (endOf): 9999-12-31 would end in year 10000.
  to: isoDate.refine((value) => inRange(endOf(value)), 'must be a date no later than 9999-12-31T23:59:59Z').optional(),
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

const settableStatus = z.enum(['new', 'read', 'spam']);
const patchInput = z.object({ status: settableStatus }).strict();
const MAX_BATCH = 500;
const batchInput = z
  .object({
    ids: z.array(z.uuid()).min(1).max(MAX_BATCH),
    action: z.enum(['new', 'read', 'spam', 'delete']),
  })
  .strict();
const erasureInput = z.object({ email: z.email().max(254) }).strict();

export function submissionNotFound(id: string): NotFoundError {
  return new NotFoundError('submission_not_found', `There is no submission ${id.slice(0, 40)} in this account.`);
}

function submissionIdParam(value: unknown): string {
  const id = String(value);
  if (!isUuid(id)) throw submissionNotFound(id);
  return id;
}

/** "ada@example.com" becomes "a***@example.com": the audit log says an erasure happened without keeping the address it erased. */
function maskEmail(email: string): string {
  const [local = '', domain = ''] = email.split('@');
  return `${local.slice(0, 1)}***@${domain}`;
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

  const get: RequestHandler = async (req, res) => {
    const { accountId } = accountOf(res);
    const id = submissionIdParam(req.params['id']);
    const item = await getSubmissionForAccount(db, accountId, id);
    if (!item) throw submissionNotFound(id);
    res.json({ ...present(item), meta: item.meta });
  };

  /** PATCH /api/submissions/:id {status}: read, new (unread) or spam (and back). */
  const update: RequestHandler = async (req, res) => {
    const { accountId } = accountOf(res);
    const id = submissionIdParam(req.params['id']);
    const { status } = parseInput(patchInput, req.body);
    const current = await getSubmissionForAccount(db, accountId, id);
    if (!current) throw submissionNotFound(id);
    if (current.status === 'held') {
      throw new ConflictError('submission_held', "This submission is held over the plan's quota; upgrading reveals it.");
    }
    await updateSubmissionStatuses(db, accountId, [id], status);
    res.json({ ...present({ ...current, status }), meta: current.meta });
  };

  const remove: RequestHandler = async (req, res) => {
    const actor = accountOf(res);
    const id = submissionIdParam(req.params['id']);
    const deleted = await deleteSubmissionsForAccount(db, actor.accountId, [id]);
    if (deleted.length === 0) throw submissionNotFound(id);
    await saveAuditEntry(db, { accountId: actor.accountId, actor, action: 'submission.delete', target: id, details: { formId: deleted[0]?.formId } });
    res.status(204).end();
  };

  /** POST /api/submissions/batch {ids, action}: mark or delete several at once (deleting is for owners). */
  const batch: RequestHandler = async (req, res) => {
    const actor = accountOf(res);
    const input = parseInput(batchInput, req.body);
    const ids = [...new Set(input.ids.map((id) => id.toLowerCase()))];
    if (input.action === 'delete') {
      if (actor.role !== 'owner') throw new ForbiddenError('owner_required', 'Only an owner of this account can do this.');
      const deleted = await deleteSubmissionsForAccount(db, actor.accountId, ids);
      if (deleted.length > 0) {
        await saveAuditEntry(db, {
          accountId: actor.accountId,
          actor,
          action: 'submissions.delete',
          target: `${deleted.length} submissions`,
          details: { ids: deleted.map((d) => d.id), formIds: [...new Set(deleted.map((d) => d.formId))] },
        });
      }
      res.json({ count: deleted.length });
      return;
    }
    const changed = await updateSubmissionStatuses(db, actor.accountId, ids, input.action);
    res.json({ count: changed.length });
  };

  /** POST /api/erasure {email}: deletes every submission of the account holding this address (owner-only). */
  const erase: RequestHandler = async (req, res) => {
    const actor = accountOf(res);
    const { email } = parseInput(erasureInput, req.body);
    const deleted = await eraseSubmissionsByEmail(db, actor.accountId, email);
    await saveAuditEntry(db, { accountId: actor.accountId, actor, action: 'erasure', target: maskEmail(email), details: { deleted } });
    res.json({ deleted });
  };

  return { list, get, update, remove, batch, erase };
}
