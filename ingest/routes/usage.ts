// GET /api/usage?days=30|90: the account's submissions per UTC day (spam apart), oldest first,
// every day present; the console draws it as a chart.

import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Database } from '../db/database.ts';
import { accountOf } from '../http/console-session.ts';
import { parseInput } from '../http/input.ts';
import { listUsageByDay } from '../store/submissions.ts';

const DAY = 86_400_000;
const usageQuery = z.object({ days: z.enum(['30', '90']).default('30') });

const isoDay = (date: Date) => date.toISOString().slice(0, 10);

export function usageRoutes(db: Database) {
  const get: RequestHandler = async (req, res) => {
    const { accountId } = accountOf(res);
    const days = Number(parseInput(usageQuery, req.query).days);
    const today = new Date();
    const rows = await listUsageByDay(db, accountId, isoDay(new Date(today.getTime() - (days - 1) * DAY)), isoDay(today));
    const totals = rows.reduce((sum, row) => ({ accepted: sum.accepted + row.accepted, spam: sum.spam + row.spam }), { accepted: 0, spam: 0 });
    res.json({ days: rows, totals });
  };

  return { get };
}
