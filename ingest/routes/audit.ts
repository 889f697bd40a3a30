// GET /api/audit?cursor=: the account's audit log, newest first (owner-only).

import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Database } from '../db/database.ts';
import { accountOf } from '../http/console-session.ts';
import { parseInput } from '../http/input.ts';
import { listAuditEntries } from '../store/audit.ts';

const PAGE = 100;
const auditQuery = z.object({ cursor: z.string().regex(/^[1-9]\d{0,15}$/, 'is not a cursor this API gave out').optional() });

export function auditRoutes(db: Database) {
  const list: RequestHandler = async (req, res) => {
    const { accountId } = accountOf(res);
    const { cursor } = parseInput(auditQuery, req.query);
    const page = await listAuditEntries(db, accountId, PAGE, cursor ? Number(cursor) : null);
    const last = page.items[page.items.length - 1];
    res.json({
      items: page.items.map((entry) => ({
        id: String(entry.id),
        action: entry.action,
        actorEmail: entry.actorEmail,
        target: entry.target,
        details: entry.details,
        createdAt: entry.createdAt.toISOString(),
      })),
      nextCursor: page.more && last ? String(last.id) : null,
    });
  };

  return { list };
}
