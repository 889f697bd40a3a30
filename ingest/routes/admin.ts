// GET /api/admin/accounts: every account with its plan, sites, members, submissions this
// calendar month and billing status (the platform operator only).

import type { RequestHandler } from 'express';
import type { Database } from '../db/database.ts';
import { listAccountsForAdmin } from '../store/accounts.ts';

export function adminRoutes(db: Database) {
  const accounts: RequestHandler = async (_req, res) => {
    const now = new Date();
    const periodStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString().slice(0, 10);
    const rows = await listAccountsForAdmin(db, periodStart);
    res.json({
      periodStart,
      items: rows.map((row) => ({
        id: row.id,
        name: row.name,
        plan: row.plan,
        createdAt: row.createdAt.toISOString(),
        sites: row.sites,
        members: row.members,
        submissionsThisPeriod: row.submissionsThisPeriod,
        billingStatus: row.billingStatus,
      })),
    });
  };

  return { accounts };
}
