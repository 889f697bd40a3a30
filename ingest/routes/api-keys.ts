// API keys of an account (owner-only): GET|POST /api/keys, DELETE /api/keys/:id.
// The key is shown once, when made; afterwards only its prefix.

import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Database } from '../db/database.ts';
import { NotFoundError } from '../errors.ts';
import { accountOf, requireVerifiedEmail } from '../http/console-session.ts';
import { parseInput } from '../http/input.ts';
import { newApiKey } from '../services/console-auth.ts';
import { isUuid } from '../services/ids.ts';
import { listApiKeys, revokeApiKey, saveApiKey, type ApiKey } from '../store/api-keys.ts';
import { saveAuditEntry } from '../store/audit.ts';

const createInput = z.object({ name: z.string().trim().min(1).max(100) }).strict();

const present = (key: ApiKey) => ({
  id: key.id,
  name: key.name,
  prefix: key.prefix,
  createdAt: key.createdAt.toISOString(),
  lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
  revokedAt: key.revokedAt?.toISOString() ?? null,
});

export function apiKeyRoutes(db: Database) {
  const list: RequestHandler = async (_req, res) => {
    const { accountId } = accountOf(res);
    res.json({ items: (await listApiKeys(db, accountId)).map(present) });
  };

  const create: RequestHandler = async (req, res) => {
    const actor = accountOf(res);
    requireVerifiedEmail(res);
    const input = parseInput(createInput, req.body);
    const made = newApiKey();
    const key = await saveApiKey(db, { accountId: actor.accountId, name: input.name, prefix: made.prefix, secretHash: made.secretHash, createdBy: actor.userId });
    await saveAuditEntry(db, { accountId: actor.accountId, actor, action: 'api_key.create', target: key.prefix, details: { name: key.name } });
    res.status(201).json({ ...present(key), key: made.key });
  };

  const revoke: RequestHandler = async (req, res) => {
    const actor = accountOf(res);
    const id = String(req.params['id']);
    const key = isUuid(id) ? await revokeApiKey(db, actor.accountId, id) : null;
    if (!key) throw new NotFoundError('api_key_not_found', `There is no API key ${id.slice(0, 40)} in this account.`);
    await saveAuditEntry(db, { accountId: actor.accountId, actor, action: 'api_key.revoke', target: key.prefix, details: { name: key.name } });
    res.status(204).end();
  };

  return { list, create, revoke };
}
