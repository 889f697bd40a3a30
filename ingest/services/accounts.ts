// Accounts and the people in them: self-service sign-up (a free account owned by its creator),
// email verification and password reset by single-use mailed links, switching between accounts,
// the team (roles, removal, never without an owner) and invitations by email.

import { PG_UNIQUE_VIOLATION, pgErrorCode, type Database } from '../db/database.ts';
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError, UnauthorizedError } from '../errors.ts';
import {
  countOwners,
  deleteMembership,
  getMember,
  getUserByEmail,
  getUserById,
  listMembers,
  listMembershipsByUser,
  lockAccount,
  markEmailVerified,
  saveAccount,
  saveMembership,
  saveUser,
  updateMemberRole,
  updatePasswordHash,
  type Member,
  type Role,
} from '../store/accounts.ts';
import {
  acceptInvitation,
  deleteInvitation,
  getInvitationByToken,
  listPendingInvitations,
  saveInvitation,
  type Invitation,
} from '../store/invitations.ts';
import { deleteSessionsByUser, setSessionAccount, type SessionContext } from '../store/sessions.ts';
import { consumeUserToken, expireUserTokens, saveUserToken } from '../store/user-tokens.ts';
import type { Billing } from '../billing/billing.ts';
import type { AccountMail } from './account-mail.ts';
import type { ConsoleAuth } from './console-auth.ts';
import { randomToken } from './ids.ts';
import { hashPassword } from './passwords.ts';
import { sha256 } from './secrets.ts';

const HOUR = 3600_000;
const VERIFY_EMAIL_TTL = 7 * 24 * HOUR;
const RESET_PASSWORD_TTL = HOUR;
const INVITATION_TTL = 7 * 24 * HOUR;

const invalidToken = () => new BadRequestError('invalid_token', 'This link is not valid any more: it was used, it expired, or it was mistyped.');
const lastOwner = () => new ConflictError('last_owner', 'An account needs at least one owner: make someone else an owner first.');

export class AccountService {
  constructor(
    private readonly db: Database,
    private readonly auth: ConsoleAuth,
    private readonly mail: AccountMail,
    private readonly billing: Pick<Billing, 'assertCanAddMember'>,
  ) {}

  /** A new user owning a new free account, signed in at once; a verification link is mailed. */
  async signUp(input: { email: string; password: string; accountName: string }): Promise<{ token: string; session: SessionContext }> {
    const passwordHash = await hashPassword(input.password);
    let userId: string;
    try {
      userId = await this.db.transaction(async (tx) => {
        const user = await saveUser(tx, { email: input.email, passwordHash });
        const account = await saveAccount(tx, { name: input.accountName });
        await saveMembership(tx, { accountId: account.id, userId: user.id, role: 'owner' });
        await this.queueVerification(tx, user.id, user.email);
        return user.id;
      });
    } catch (error) {
      if (pgErrorCode(error) === PG_UNIQUE_VIOLATION) {
        throw new ConflictError('email_taken', 'There is already an account with this email address: sign in, or reset its password.');
      }
      throw error;
    }
    return this.auth.openSession(userId);
  }

  private async queueVerification(tx: Parameters<Parameters<Database['transaction']>[0]>[0], userId: string, email: string): Promise<void> {
    const token = randomToken();
    await expireUserTokens(tx, userId, 'verify_email');
    await saveUserToken(tx, { tokenHash: sha256(token), userId, purpose: 'verify_email', expiresAt: new Date(Date.now() + VERIFY_EMAIL_TTL) });
    await this.mail.sendVerification(tx, email, token);
  }

  async verifyEmail(token: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const userId = await consumeUserToken(tx, sha256(token), 'verify_email');
      if (!userId) throw invalidToken();
      await markEmailVerified(tx, userId);
    });
  }

  async resendVerification(userId: string): Promise<void> {
    const user = await getUserById(this.db, userId);
    if (!user || user.emailVerified) return;
    await this.db.transaction((tx) => this.queueVerification(tx, user.id, user.email));
  }

  /** Mails a reset link when the address has a user; answers the same either way. */
  async requestPasswordReset(email: string): Promise<void> {
    const user = await getUserByEmail(this.db, email);
    if (!user) return;
    const token = randomToken();
    await this.db.transaction(async (tx) => {
      await expireUserTokens(tx, user.id, 'reset_password');
      await saveUserToken(tx, { tokenHash: sha256(token), userId: user.id, purpose: 'reset_password', expiresAt: new Date(Date.now() + RESET_PASSWORD_TTL) });
      await this.mail.sendPasswordReset(tx, user.email, token);
    });
  }

  /** Sets the new password and signs the user out everywhere; the mailed address is thereby verified too. */
  async resetPassword(token: string, password: string): Promise<void> {
    const passwordHash = await hashPassword(password);
    await this.db.transaction(async (tx) => {
      const userId = await consumeUserToken(tx, sha256(token), 'reset_password');
      if (!userId) throw invalidToken();
      await updatePasswordHash(tx, userId, passwordHash);
      await markEmailVerified(tx, userId);
      await deleteSessionsByUser(tx, userId);
    });
  }

  async switchAccount(session: SessionContext, accountId: string): Promise<void> {
    if (!(await setSessionAccount(this.db, session.sessionId, accountId))) {
      throw new NotFoundError('account_not_found', 'You are not a member of that account.');
    }
  }

  accounts(userId: string) {
    return listMembershipsByUser(this.db, userId);
  }

  members(accountId: string): Promise<Member[]> {
    return listMembers(this.db, accountId);
  }

  async changeRole(accountId: string, userId: string, role: Role): Promise<Member> {
    return this.db.transaction(async (tx) => {
      await lockAccount(tx, accountId);
      const member = await getMember(tx, accountId, userId);
      if (!member) throw memberNotFound(userId);
      if (member.role === 'owner' && role !== 'owner' && (await countOwners(tx, accountId)) <= 1) throw lastOwner();
      await updateMemberRole(tx, accountId, userId, role);
      return { ...member, role };
    });
  }

  async removeMember(accountId: string, userId: string): Promise<Member> {
    return this.db.transaction(async (tx) => {
      await lockAccount(tx, accountId);
      const member = await getMember(tx, accountId, userId);
      if (!member) throw memberNotFound(userId);
      if (member.role === 'owner' && (await countOwners(tx, accountId)) <= 1) throw lastOwner();
      await deleteMembership(tx, accountId, userId);
      return member;
    });
  }

  invitations(accountId: string): Promise<Invitation[]> {
    return listPendingInvitations(this.db, accountId);
  }

  async invite(accountId: string, inviter: { userId: string; email: string }, email: string, role: Role): Promise<Invitation> {
    const existing = await getUserByEmail(this.db, email);
    if (existing && (await getMember(this.db, accountId, existing.id))) {
      throw new ConflictError('already_member', `${email} is already a member of this account.`);
    }
    const token = randomToken();
    return this.db.transaction(async (tx) => {
      // Under the account's lock until commit: parallel invitations are counted one after another.
      await this.billing.assertCanAddMember(tx, accountId);
      const invitation = await saveInvitation(tx, {
        accountId,
        email,
        role,
        tokenHash: sha256(token),
        invitedBy: inviter.userId,
        expiresAt: new Date(Date.now() + INVITATION_TTL),
      });
      await this.mail.sendInvitation(tx, email, token, { accountName: invitation.accountName, invitedBy: inviter.email, role });
      return invitation;
    });
  }

  async cancelInvitation(accountId: string, id: string): Promise<void> {
    if (!(await deleteInvitation(this.db, accountId, id))) {
      throw new NotFoundError('invitation_not_found', `There is no pending invitation ${id} in this account.`);
    }
  }

  async lookupInvitation(token: string): Promise<{ invitation: Invitation; userExists: boolean }> {
    const invitation = await getInvitationByToken(this.db, sha256(token));
    if (!invitation) throw invalidToken();
    return { invitation, userExists: (await getUserByEmail(this.db, invitation.email)) !== null };
  }

  /**
   * Joins the invitation's account. Someone new chooses a password here (the mailed link proves
   * the address); someone who already has a user must be signed in as that address.
   */
  async acceptInvitation(
    token: string,
    password: string | undefined,
    signedIn: SessionContext | undefined,
  ): Promise<{ token: string; session: SessionContext } | { accountId: string }> {
    const invitation = await getInvitationByToken(this.db, sha256(token));
    if (!invitation) throw invalidToken();
    const existing = await getUserByEmail(this.db, invitation.email);
    if (existing) {
      if (!signedIn) throw new UnauthorizedError('unauthorized', `Sign in as ${invitation.email} to accept this invitation.`);
      if (signedIn.userId !== existing.id) {
        throw new ForbiddenError('wrong_user', `This invitation is for ${invitation.email}; you are signed in as ${signedIn.email}.`);
      }
    } else if (!password) {
      throw new BadRequestError('password_required', 'Choose a password to create your user.', { password: 'is required' });
    }
    const passwordHash = existing ? null : await hashPassword(password as string);
    const userId = await this.db.transaction(async (tx) => {
      if (!(await acceptInvitation(tx, invitation.id))) throw invalidToken();
      const user = existing ?? (await saveUser(tx, { email: invitation.email, passwordHash: passwordHash as string, emailVerified: true }));
      await markEmailVerified(tx, user.id);
      if (!(await getMember(tx, invitation.accountId, user.id))) {
        await saveMembership(tx, { accountId: invitation.accountId, userId: user.id, role: invitation.role });
      }
      return user.id;
    });
    if (signedIn) {
      await setSessionAccount(this.db, signedIn.sessionId, invitation.accountId);
      return { accountId: invitation.accountId };
    }
    return this.auth.openSession(userId, invitation.accountId);
  }
}

function memberNotFound(userId: string): NotFoundError {
  return new NotFoundError('member_not_found', `There is no member ${userId} in this account.`);
}
