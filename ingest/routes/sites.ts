// GET|POST /api/sites, scoped to the signed-in user's account.

import type { RequestHandler } from 'express';
import type { Database } from '../db/database.ts';
import { accountOf } from '../http/console-session.ts';
import { parseInput } from '../http/input.ts';
import { createSiteInput } from '../services/form-definition.ts';
import { listSitesByAccount, saveSite, type Site } from '../store/sites.ts';

export function presentSite(site: Site) {
  return {
    id: site.id,
    name: site.name,
    domain: site.domain,
    allowedOrigins: site.allowedOrigins,
    createdAt: site.createdAt.toISOString(),
    updatedAt: site.updatedAt.toISOString(),
  };
}

export function siteRoutes(db: Database) {
  const list: RequestHandler = async (_req, res) => {
    const { accountId } = accountOf(res);
    const sites = await listSitesByAccount(db, accountId);
    res.json({ items: sites.map(presentSite) });
  };

  const create: RequestHandler = async (req, res) => {
    const { accountId } = accountOf(res);
    const input = parseInput(createSiteInput, req.body);
    const site = await saveSite(db, { accountId, ...input });
    res.status(201).json(presentSite(site));
  };

  return { list, create };
}
