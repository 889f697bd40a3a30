// The console SPA (console/src/main.tsx), bundled by esbuild when the service starts and served
// at /console/app.js; its ETag is the content hash, so a new release is picked up at once and an
// unchanged one is never downloaded twice.

import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { bundleForBrowsers } from './widget-bundle.ts';

export interface ConsoleBundle {
  code: Buffer;
  /** The first 16 hex digits of its SHA-256 (the ETag). */
  hash: string;
}

const ENTRY = fileURLToPath(new URL('../../console/src/main.tsx', import.meta.url));

export async function buildConsole(): Promise<ConsoleBundle> {
  const code = Buffer.from(await bundleForBrowsers(ENTRY, 'the console', { strict: true }));
  return { code, hash: createHash('sha256').update(code).digest('hex').slice(0, 16) };
}

let shared: Promise<ConsoleBundle> | undefined;

/** The bundle, built once per process. */
export function consoleBundle(): Promise<ConsoleBundle> {
  return (shared ??= buildConsole().catch((error: unknown) => {
    shared = undefined;
    throw error;
  }));
}
