// Keys derived from the instance secret (SECRET_KEY, or one generated once and kept in the
// database so every process shares it). Each purpose gets its own key.

import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Queryable } from '../db/database.ts';
import { getOrCreateInstanceSetting } from '../store/instance-settings.ts';

export interface Secrets {
  timeTrapKey: Buffer;
  ipHashKey: Buffer;
  /** Signs the device cookie a browser gets when it signs in (see ConsoleAuth.deviceCookie). */
  deviceKey: Buffer;
}

export async function loadSecrets(db: Queryable, configured: string | undefined): Promise<Secrets> {
  const secret = configured ?? (await getOrCreateInstanceSetting(db, 'secret_key', randomBytes(32).toString('hex')));
  const derive = (purpose: string) => createHmac('sha256', secret).update(purpose).digest();
  return { timeTrapKey: derive('time-trap'), ipHashKey: derive('ip-hash'), deviceKey: derive('device-cookie') };
}

/** A visitor IP is stored only as a keyed hash: enough to group a flood, useless to identify anyone. */
export function hashIp(key: Buffer, ip: string): string {
  return createHmac('sha256', key).update(ip).digest('base64url').slice(0, 22);
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
