// Accounts and the people in them: self-service sign-up (a free account owned by its creator),
// email verification and password reset by single-use mailed links, switching between accounts,
// the team (roles, removal, never without an owner) and invitations by email.

import { PG_UNIQUE_VIOLATION, pgErrorCode, type Database } from '../db/database.ts';
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError, TooManyRequestsError, UnauthorizedError } from '../errors.ts';
import {
  countOwners,
  deleteMembership,
  deleteOtherMemberships,
  getMember,
  getUserByEmail,
  getUserById,
  listMembers,
  listMembershipsByUser,
  listOwnedAccountIds,
  lockAccount,
  lockUserVerified,
  markEmailVerified,
  saveAccount,
  saveMembership,
  saveUser,
  updateMemberRole,
  updatePasswordHash,
  type Member,
  type Role,
} from '../store/accounts.ts';
import { revokeAccountApiKeys } from '../store/api-keys.ts';
import { saveAuditEntry } from '../store/audit.ts';
import { removeNotifyEmailFromAccountForms } from '../store/forms.ts';
import { deleteRecipient } from '../store/recipients.ts';
import {
  acceptInvitation,
  deleteInvitation,
  deletePendingInvitations,
  getInvitationByToken,
  listPendingInvitations,
  saveInvitation,
  type Invitation,
} from '../store/invitations.ts';
import { endSessionsByUser, setSessionAccount, type SessionContext, type SessionEndReason } from '../store/sessions.ts';
import { consumeUserToken, expireUserTokens, saveUserToken } from '../store/user-tokens.ts';
import type { Billing } from '../billing/billing.ts';
import { RecipientCapReached, type AccountMail } from './account-mail.ts';
import type { ConsoleAuth } from './console-auth.ts';
import { normalizeEmail } from './email-address.ts';
import { randomToken } from './ids.ts';
import { hashPassword } from './passwords.ts';
import { sha256 } from './secrets.ts';

const HOUR = 3600_000;
const VERIFY_EMAIL_TTL = 7 * 24 * HOUR;
const RESET_PASSWORD_TTL = HOUR;
const INVITATION_TTL = 7 * 24 * HOUR;

const invalidToken = () => new BadRequestError('invalid_token', 'This link is not valid any more: it was used, it expired, or it was mistyped.');
const capReached = (error: RecipientCapReached) =>
  new TooManyRequestsError(error.retryAfterSeconds, 'This address has been sent enough emails for now; try again later.');
const lastOwner = () => new ConflictError('last_owner', 'An account needs at least one owner: make someone else an owner first.');

type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];

export type SignupPolicy = 'open' | 'invite' | 'closed';

export class AccountService {
  constructor(
    private readonly db: Database,
    private readonly auth: ConsoleAuth,
    private readonly mail: AccountMail,
    private readonly billing: Pick<Billing, 'assertCanAddMember'>,
    private readonly signups: SignupPolicy = 'open',
  ) {}

  /**
   * Who may sign up (SIGNUPS): anyone; only someone holding a live invitation for this address
   * (`invite`); nobody (`closed`; invited people still join through their invitation).
   */
  private async assertMaySignUp(email: string, invitationToken: string | undefined): Promise<void> {
    if (this.signups === 'open') return;
    if (this.signups === 'closed') throw new ForbiddenError('signups_closed', 'Sign-up is closed on this Formline; ask an owner of an account here to invite you.');
    const invitation = invitationToken ? await getInvitationByToken(this.db, sha256(invitationToken)) : null;
    if (!invitation || invitation.email !== email) {
      throw new ForbiddenError('invitation_required', 'Sign-up on this Formline is by invitation only: open the link in your invitation email.');
    }
  }

  /** A new user owning a new free account, signed in at once; a verification link is mailed. */
  async signUp(input: { email: string; password: string; accountName: string; invitationToken?: string | undefined }): Promise<{ token: string; session: SessionContext }> {
    await this.assertMaySignUp(input.email, input.invitationToken);
    const passwordHash = await hashPassword(input.password);
    let userId: string;
    try {
      userId = await this.db.transaction(async (tx) => {
        const user = await saveUser(tx, { email: input.email, passwordHash });
        const account = await saveAccount(tx, { name: input.accountName });
        await saveMembership(tx, { accountId: account.id, userId: user.id, role: 'owner' });
        try {
          await this.queueVerification(tx, user.id, user.email);
        } catch (error) {
          // The address was mailed enough this hour: the sign-up stands, its link can be resent later.
          if (!(error instanceof RecipientCapReached)) throw error;
        }
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

  private async queueVerification(tx: Tx, userId: string, email: string): Promise<void> {
    const token = randomToken();
    await expireUserTokens(tx, userId, 'verify_email');
    await saveUserToken(tx, { tokenHash: sha256(token), userId, purpose: 'verify_email', expiresAt: new Date(Date.now() + VERIFY_EMAIL_TTL) });
    await this.mail.sendVerification(tx, email, token);
  }

  /**
   * Marks the address verified, only in a session of the token's own user: the link proves the
   * mailbox, the session proves the password. Otherwise whoever signed up with someone else's
   * address, and knows the password they chose, would hold a verified account as soon as the
   * owner clicked the link. Refused, the token stays usable (the transaction rolls back).
   * When the address had never been verified, every foothold made before this proof goes (see
   * revokeBeforeProof), and every other session of the user ends.
   */
  async verifyEmail(token: string, current: SessionContext | undefined): Promise<void> {
    await this.db.transaction(async (tx) => {
      const userId = await consumeUserToken(tx, sha256(token), 'verify_email');
      if (!userId) throw invalidToken();
      if (current?.userId !== userId) {
        throw new UnauthorizedError('sign_in_required', 'Sign in to confirm your address; if you did not sign up, reset the password instead.');
      }
      if ((await lockUserVerified(tx, userId)) === false) {
        await this.revokeBeforeProof(tx, userId, 'ownership_proven', current.sessionId);
      }
      await markEmailVerified(tx, userId);
    });
  }

  /**
   * The rule for the first proof of an address (verification link or password reset): whoever
   * signed up with it before may not have been its owner, so in every account the user owns,
   * every API key is revoked, every other member removed and every pending invitation
   * withdrawn; and every session of the user ends (but `keep`). Each account's audit log says so.
   */
  private async revokeBeforeProof(tx: Tx, userId: string, reason: SessionEndReason, keep: string | undefined): Promise<void> {
    const user = await getUserById(tx, userId);
    for (const accountId of await listOwnedAccountIds(tx, userId)) {
      await lockAccount(tx, accountId);
      const keys = await revokeAccountApiKeys(tx, accountId);
      const removed = await deleteOtherMemberships(tx, accountId, userId);
      for (const member of removed) await this.dropOwnRecipient(tx, accountId, member.email);
      const invitations = await deletePendingInvitations(tx, accountId);
      if (keys.length || removed.length || invitations) {
        await saveAuditEntry(tx, {
          accountId,
          actor: { userId, email: user?.email ?? null },
          action: 'account.ownership_proven',
          target: user?.email ?? null,
          details: { revokedApiKeys: keys, removedMembers: removed.map((m) => m.email), withdrawnInvitations: invitations },
        });
      }
    }
    await endSessionsByUser(tx, userId, reason, keep);
  }

  async resendVerification(userId: string): Promise<void> {
    const user = await getUserById(this.db, userId);
    if (!user || user.emailVerified) return;
    try {
      await this.db.transaction((tx) => this.queueVerification(tx, user.id, user.email));
    } catch (error) {
      if (error instanceof RecipientCapReached) throw capReached(error);
      throw error;
    }
  }

  /** Mails a reset link when the address has a user; answers the same either way. */
  async requestPasswordReset(email: string): Promise<void> {
    const user = await getUserByEmail(this.db, email);
    if (!user) return;
    const token = randomToken();
    try {
      await this.db.transaction(async (tx) => {
        await expireUserTokens(tx, user.id, 'reset_password');
        await saveUserToken(tx, { tokenHash: sha256(token), userId: user.id, purpose: 'reset_password', expiresAt: new Date(Date.now() + RESET_PASSWORD_TTL) });
        await this.mail.sendPasswordReset(tx, user.email, token);
      });
    } catch (error) {
      // Past the address's cap nothing is sent, and the answer stays the same (no enumeration).
      if (error instanceof RecipientCapReached) return;
      throw error;
    }
  }

  /** Sets the new password and signs the user out everywhere; the mailed address is thereby verified too. */
  async resetPassword(token: string, password: string): Promise<void> {
    const passwordHash = await hashPassword(password);
    await this.db.transaction(async (tx) => {
      const userId = await consumeUserToken(tx, sha256(token), 'reset_password');
      if (!userId) throw invalidToken();
      const verified = await lockUserVerified(tx, userId);
      await updatePasswordHash(tx, userId, passwordHash);
      if (verified === false) await this.revokeBeforeProof(tx, userId, 'password_changed', undefined);
      else await endSessionsByUser(tx, userId, 'password_changed');
      await markEmailVerified(tx, userId);
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

  /**
   * Removes the member, and their own address from the alert recipients of every form of the
   * account and from its confirmed recipients (their data flows end with their membership). Returns the member and the forms whose
   * recipients changed.
   */
  async removeMember(accountId: string, userId: string): Promise<{ member: Member; forms: string[] }> {
    return this.db.transaction(async (tx) => {
      await lockAccount(tx, accountId);
      const member = await getMember(tx, accountId, userId);
      if (!member) throw memberNotFound(userId);
      if (member.role === 'owner' && (await countOwners(tx, accountId)) <= 1) throw lastOwner();
      await deleteMembership(tx, accountId, userId);
      const forms = await this.dropOwnRecipient(tx, accountId, member.email);
      return { member, forms };
    });
  }

  /**
   * A former member's own address leaves every form's recipients, and its confirmation goes with
   * it (it was confirmed because it was a member's): added again, it must confirm like a stranger's.
   */
  private async dropOwnRecipient(tx: Tx, accountId: string, email: string): Promise<string[]> {
    const forms = await removeNotifyEmailFromAccountForms(tx, accountId, email);
    await deleteRecipient(tx, accountId, 'email', normalizeEmail(email));
    return forms;
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
    try {
      return await this.db.transaction(async (tx) => {
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
    } catch (error) {
      if (error instanceof RecipientCapReached) throw capReached(error);
      throw error;
    }
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
      // The mailed link, opened signed in as this user, is a first proof of the address too.
      if (existing && (await lockUserVerified(tx, existing.id)) === false) {
        await this.revokeBeforeProof(tx, existing.id, 'ownership_proven', signedIn?.sessionId);
      }
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
