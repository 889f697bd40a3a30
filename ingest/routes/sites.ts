// Sites of the signed-in user's account: GET|POST /api/sites, GET|PATCH|DELETE /api/sites/:siteId.
// Changing or deleting a site is for owners (see the route table).

import type { RequestHandler } from 'express';
import type { Billing } from '../billing/billing.ts';
import type { Database } from '../db/database.ts';
import { NotFoundError } from '../errors.ts';
import { accountOf } from '../http/console-session.ts';
import { parseInput } from '../http/input.ts';
import { createSiteInput, updateSiteInput } from '../services/form-definition.ts';
import type { FormDirectory } from '../services/form-directory.ts';
import { isUuid } from '../services/ids.ts';
import { saveAuditEntry } from '../store/audit.ts';
import { listFormsByAccount } from '../store/forms.ts';
import { deleteSiteForAccount, getSiteForAccount, listSitesByAccount, saveSite, updateSiteForAccount, type Site } from '../store/sites.ts';

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

export function siteNotFound(siteId: string): NotFoundError {
  return new NotFoundError('site_not_found', `There is no site ${siteId.slice(0, 40)} in this account.`);
}

function siteIdParam(value: unknown): string {
  const id = String(value);
  if (!isUuid(id)) throw siteNotFound(id);
  return id;
}

export function siteRoutes(db: Database, directory: FormDirectory, billing: Pick<Billing, 'assertCanAddSite'>) {
  const list: RequestHandler = async (_req, res) => {
    const { accountId } = accountOf(res);
    const sites = await listSitesByAccount(db, accountId);
    res.json({ items: sites.map(presentSite) });
  };

  const create: RequestHandler = async (req, res) => {
    const { accountId } = accountOf(res);
    const input = parseInput(createSiteInput, req.body);
    // The limit check and the insert under one lock on the account (see assertCanAddSite).
    const site = await db.transaction(async (tx) => {
      await billing.assertCanAddSite(tx, accountId);
      return saveSite(tx, { accountId, ...input });
    });
    res.status(201).json(presentSite(site));
  };

  const get: RequestHandler = async (req, res) => {
    const { accountId } = accountOf(res);
    const siteId = siteIdParam(req.params['siteId']);
    const site = await getSiteForAccount(db, accountId, siteId);
    if (!site) throw siteNotFound(siteId);
    res.json(presentSite(site));
  };

  const update: RequestHandler = async (req, res) => {
    const { accountId } = accountOf(res);
    const siteId = siteIdParam(req.params['siteId']);
    const input = parseInput(updateSiteInput, req.body);
    const site = await updateSiteForAccount(db, accountId, siteId, input);
    if (!site) throw siteNotFound(siteId);
    // The submission path caches each form with its site's allowed origins.
    for (const form of await listFormsByAccount(db, accountId, siteId)) directory.invalidate(form.id);
    res.json(presentSite(site));
  };

  /** Deletes the site, its forms and every submission to them. */
  const remove: RequestHandler = async (req, res) => {
    const actor = accountOf(res);
    const siteId = siteIdParam(req.params['siteId']);
    const site = await getSiteForAccount(db, actor.accountId, siteId);
    const formIds = site ? await deleteSiteForAccount(db, actor.accountId, siteId) : null;
    if (!site || !formIds) throw siteNotFound(siteId);
    for (const formId of formIds) directory.invalidate(formId);
    await saveAuditEntry(db, { accountId: actor.accountId, actor, action: 'site.delete', target: site.domain, details: { name: site.name, forms: formIds } });
    res.status(204).end();
  };

  return { list, create, get, update, remove };
}
