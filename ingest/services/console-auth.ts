// Console sign-in: email + password (scrypt), server-side sessions behind an httpOnly cookie,
// and a signed device cookie that marks a browser which signed in before (its attempts are
// limited apart from a stranger's, so guessing at an account cannot lock its owner out).

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Database } from '../db/database.ts';
import { UnauthorizedError } from '../errors.ts';
import { getUserByEmail, listMembershipsByUser } from '../store/accounts.ts';
import { getLiveApiKeyByPrefix, touchApiKey } from '../store/api-keys.ts';
import {
  deleteSession,
  getSessionContext,
  getSessionEndReason,
  saveSession,
  touchSession,
  type SessionContext,
  type SessionEndReason,
} from '../store/sessions.ts';
import { randomToken } from './ids.ts';
import { decoyHash, verifyPassword } from './passwords.ts';
import { sha256 } from './secrets.ts';

export const SESSION_COOKIE = 'formline_session';
export const SESSION_DAYS = 30;
export const DEVICE_COOKIE = 'formline_device';
export const DEVICE_DAYS = 365;

/** `<user id>.<device id>.<HMAC of both>`: which browser signed in as whom, unforgeable. */
const DEVICE = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

/** `fl_` + 8 hex digits (the prefix, shown in lists) + `_` + 43 base64url characters (the secret). */
const API_KEY = /^(fl_[0-9a-f]{8})_([A-Za-z0-9_-]{43})$/;

/** An API key, as the account's programs present it. */
export interface ApiKeyContext {
  keyId: string;
  accountId: string;
}

/** A new API key: what is shown once, and what is stored. */
export function newApiKey(): { key: string; prefix: string; secretHash: string } {
  const prefix = `fl_${randomBytes(4).toString('hex')}`;
  const secret = randomBytes(32).toString('base64url');
  return { key: `${prefix}_${secret}`, prefix, secretHash: sha256(secret) };
}

export interface ConsoleAuthOptions {
  /** A session unused for this long ends (besides its absolute SESSION_DAYS). */
  idleMinutes: number;
  deviceKey: Buffer;
}

export class ConsoleAuth {
  constructor(
    private readonly db: Database,
    private readonly options: ConsoleAuthOptions,
  ) {}

  private deviceMac(userId: string, deviceId: string): string {
    return createHmac('sha256', this.options.deviceKey).update(`${userId}.${deviceId}`).digest('base64url');
  }

  /** The user and device a device cookie stands for; null when it is malformed or not ours. */
  readDevice(value: unknown): { userId: string; deviceId: string } | null {
    if (typeof value !== 'string') return null;
    const match = DEVICE.exec(value);
    if (!match) return null;
    const [, userId, deviceId, mac] = match as unknown as [string, string, string, string];
    const given = Buffer.from(mac);
    const expected = Buffer.from(this.deviceMac(userId, deviceId));
    return given.length === expected.length && timingSafeEqual(given, expected) ? { userId, deviceId } : null;
  }

  /** The device cookie to give a browser that just signed in as `userId` (the same device id when it had one). */
  deviceCookie(userId: string, current: unknown): string {
    const known = this.readDevice(current);
    const deviceId = known && known.userId === userId ? known.deviceId : randomBytes(16).toString('base64url');
    return `${userId}.${deviceId}.${this.deviceMac(userId, deviceId)}`;
  }

  /**
   * The device id when the cookie is a valid device cookie of the user with this address: such
   * a browser signed in as them before, and its attempts are counted on their own.
   */
  async trustedDevice(email: string, cookie: unknown): Promise<string | null> {
    const device = this.readDevice(cookie);
    if (!device) return null;
    const user = await getUserByEmail(this.db, email);
    return user && user.id === device.userId ? device.deviceId : null;
  }

  /** Checks the credentials and opens a session; returns the cookie token and who signed in. */
  async signIn(email: string, password: string): Promise<{ token: string; session: SessionContext }> {
    const user = await getUserByEmail(this.db, email);
    // Unknown emails cost as much as wrong passwords, so timing does not reveal who has an account.
    const valid = await verifyPassword(password, user?.passwordHash ?? (await decoyHash()));
    if (!user || !valid) throw new UnauthorizedError('invalid_credentials', 'The email or password is not right.');
    return this.openSession(user.id);
  }

  /** A new session for the user, on `accountId` or else their oldest account; returns the cookie token. */
  async openSession(userId: string, accountId?: string): Promise<{ token: string; session: SessionContext }> {
    const memberships = await listMembershipsByUser(this.db, userId);
    const chosen = memberships.find((m) => m.accountId === accountId) ?? memberships[0];
    const token = randomToken();
    await saveSession(this.db, {
      id: sha256(token),
      userId,
      accountId: chosen?.accountId ?? null,
      expiresAt: new Date(Date.now() + SESSION_DAYS * 86_400_000),
    });
    const session = await getSessionContext(this.db, sha256(token), this.options.idleMinutes);
    if (!session) throw new Error('a session just saved was not found');
    return { token, session };
  }

  async resolve(token: string): Promise<SessionContext | null> {
    if (token.length === 0 || token.length > 100) return null;
    const session = await getSessionContext(this.db, sha256(token), this.options.idleMinutes);
    // A write at most once a minute per session, not one per request.
    if (session && Date.now() - session.lastSeenAt.getTime() > 60_000) await touchSession(this.db, session.sessionId);
    return session;
  }

  /** Why the session behind this cookie was ended elsewhere, if it was. */
  async endReason(token: string): Promise<SessionEndReason | null> {
    if (token.length === 0 || token.length > 100) return null;
    return getSessionEndReason(this.db, sha256(token));
  }

  /** The account an API key belongs to; null for a malformed, unknown or revoked key. */
  async resolveApiKey(key: string): Promise<ApiKeyContext | null> {
    const match = API_KEY.exec(key);
    if (!match) return null;
    const stored = await getLiveApiKeyByPrefix(this.db, match[1] as string);
    if (!stored) return null;
    const given = Buffer.from(sha256(match[2] as string), 'hex');
    const expected = Buffer.from(stored.secretHash, 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    await touchApiKey(this.db, stored.id);
    return { keyId: stored.id, accountId: stored.accountId };
  }

  async signOut(token: string): Promise<void> {
    await deleteSession(this.db, sha256(token));
  }
}
