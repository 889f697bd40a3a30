// The console SPA (console/src/main.tsx), bundled by esbuild when the service starts and served
// at /console/app.js; its ETag is the content hash, so a new release is picked up at once and an
// unchanged one is never downloaded twice.

import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export interface ConsoleBundle {
  code: Buffer;
  /** The first 16 hex digits of its SHA-256 (the ETag). */
  hash: string;
}

const ENTRY = fileURLToPath(new URL('../../console/src/main.tsx', import.meta.url));

export async function buildConsole(): Promise<ConsoleBundle> {
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['chrome111', 'firefox111', 'safari16.4'],
    minify: true,
    legalComments: 'none',
    charset: 'utf8',
    tsconfigRaw: { compilerOptions: { jsx: 'react-jsx', jsxImportSource: 'preact' } },
    write: false,
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error('esbuild produced no output for the console');
  const code = Buffer.from(file.contents);
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
