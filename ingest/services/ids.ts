// Identifiers: public form ids ("f_" + base62) and time-ordered submission ids (UUIDv7).

import { randomBytes } from 'node:crypto';
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

export function newSubmissionId(): string {
  return v7();
}

export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
