// The team of an account: members and their roles, and invitations by email.
//   GET /api/members, PATCH|DELETE /api/members/:userId,
//   GET|POST /api/invitations, DELETE /api/invitations/:id,
//   GET /api/invitations/lookup?token=, POST /api/invitations/accept

import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Database } from '../db/database.ts';
import { ForbiddenError, NotFoundError, UnauthorizedError } from '../errors.ts';
import { accountOf, requireVerifiedEmail, sessionToken } from '../http/console-session.ts';
import { parseInput } from '../http/input.ts';
import type { AccountService } from '../services/accounts.ts';
import type { ConsoleAuth } from '../services/console-auth.ts';
import { emailAddress } from '../services/email-address.ts';
import { isUuid } from '../services/ids.ts';
import type { Member } from '../store/accounts.ts';
import { saveAuditEntry } from '../store/audit.ts';
import type { Invitation } from '../store/invitations.ts';
import { newPassword, type sessionRoutes } from './session.ts';

const role = z.enum(['owner', 'member']);
const roleInput = z.object({ role }).strict();
const inviteInput = z.object({ email: emailAddress, role: role.default('member') }).strict();
const lookupQuery = z.object({ token: z.string().min(1).max(200) });
const acceptInput = z.object({ token: z.string().min(1).max(200), password: newPassword.optional() }).strict();

const presentMember = (member: Member) => ({ userId: member.userId, email: member.email, role: member.role, createdAt: member.createdAt.toISOString() });
const presentInvitation = (invitation: Invitation) => ({
  id: invitation.id,
  email: invitation.email,
  role: invitation.role,
  createdAt: invitation.createdAt.toISOString(),
  expiresAt: invitation.expiresAt.toISOString(),
});

function userIdParam(value: unknown): string {
  const id = String(value);
  if (!isUuid(id)) throw new NotFoundError('member_not_found', `There is no member ${id.slice(0, 40)} in this account.`);
  return id;
}

export function teamRoutes(db: Database, auth: ConsoleAuth, accounts: AccountService, session: ReturnType<typeof sessionRoutes>) {
  const members: RequestHandler = async (_req, res) => {
    const { accountId } = accountOf(res);
    res.json({ items: (await accounts.members(accountId)).map(presentMember) });
  };

  const changeRole: RequestHandler = async (req, res) => {
    const actor = accountOf(res);
    const userId = userIdParam(req.params['userId']);
    const input = parseInput(roleInput, req.body);
    const member = await accounts.changeRole(actor.accountId, userId, input.role);
    await saveAuditEntry(db, { accountId: actor.accountId, actor, action: 'member.role', target: member.email, details: { role: input.role } });
    res.json(presentMember(member));
  };

  /** An owner removes anyone; a member may only leave. */
  const remove: RequestHandler = async (req, res) => {
    const actor = accountOf(res);
    const userId = userIdParam(req.params['userId']);
    if (actor.role !== 'owner' && userId !== actor.userId) {
      throw new ForbiddenError('owner_required', 'Only an owner of this account can do this.');
    }
    const { member, forms } = await accounts.removeMember(actor.accountId, userId);
    await saveAuditEntry(db, {
      accountId: actor.accountId,
      actor,
      action: 'member.remove',
      target: member.email,
      details: { removedFromRecipientsOf: forms },
    });
    res.status(204).end();
  };

  const invitations: RequestHandler = async (_req, res) => {
    const { accountId } = accountOf(res);
    res.json({ items: (await accounts.invitations(accountId)).map(presentInvitation) });
  };

  const invite: RequestHandler = async (req, res) => {
    const actor = accountOf(res);
    requireVerifiedEmail(res);
    const input = parseInput(inviteInput, req.body);
    const invitation = await accounts.invite(actor.accountId, { userId: actor.userId as string, email: actor.email as string }, input.email, input.role);
    await saveAuditEntry(db, { accountId: actor.accountId, actor, action: 'invitation.create', target: input.email, details: { role: input.role } });
    res.status(201).json(presentInvitation(invitation));
  };

  const cancel: RequestHandler = async (req, res) => {
    const { accountId } = accountOf(res);
    const id = String(req.params['id']);
    if (!isUuid(id)) throw new NotFoundError('invitation_not_found', `There is no pending invitation ${id.slice(0, 40)} in this account.`);
    await accounts.cancelInvitation(accountId, id);
    res.status(204).end();
  };

  const lookup: RequestHandler = async (req, res) => {
    const { token } = parseInput(lookupQuery, req.query);
    const { invitation, userExists } = await accounts.lookupInvitation(token);
    res.json({ accountName: invitation.accountName, email: invitation.email, role: invitation.role, userExists });
  };

  const accept: RequestHandler = async (req, res) => {
    const input = parseInput(acceptInput, req.body);
    const result = await accounts.acceptInvitation(input.token, input.password, res.locals.auth);
    if ('token' in result) {
      await session.opened(res, 200, result);
      return;
    }
    // Already signed in: the session now works on the account just joined.
    const updated = await auth.resolve(sessionToken(req) ?? '');
    if (!updated) throw new UnauthorizedError();
    res.json(await session.present(updated));
  };

  return { members, changeRole, remove, invitations, invite, cancel, lookup, accept };
}
