// Identifiers: public form ids ("f_" + base62) and time-ordered submission ids (UUIDv7).

import { randomBytes, randomFillSync } from 'node:crypto';
import { v7 } from 'uuid';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const FORM_ID_PATTERN = /^f_[A-Za-z0-9]{3,32}$/;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** 12 base62 characters: about 71 bits, unguessable enough for a public id. */
export function newFormId(): string {
  const bytes = randomBytes(12);
  let id = 'f_';
  // 256 % 62 leaves a slight bias towards the first 8 characters; harmless for an identifier.
  for (const byte of bytes) id += BASE62[byte % 62];
  return id;
}

// uuid asks the system for 16 random bytes per id; on the submission path that showed up in
// profiles, so ids draw their randomness from a pool refilled 256 ids at a time.
const RANDOM_POOL = new Uint8Array(16 * 256);
let poolOffset = RANDOM_POOL.length;

export function newSubmissionId(): string {
  if (poolOffset === RANDOM_POOL.length) {
    randomFillSync(RANDOM_POOL);
    poolOffset = 0;
  }
  const random = RANDOM_POOL.subarray(poolOffset, poolOffset + 16);
  poolOffset += 16;
  return v7({ random });
}

export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
