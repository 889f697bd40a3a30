// The embed script (widget/embed/index.ts), bundled by esbuild when the service starts: one
// minified IIFE file (esbuild, then terser), Preact included, served at /w.js and at a content-hashed immutable URL whose
// Subresource Integrity hash the owner can pin in the script tag.

import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { minify } from 'terser';

export interface WidgetBundle {
  code: Buffer;
  /** The first 16 hex digits of its SHA-256: the immutable URL is /w.<hash>.js. */
  hash: string;
  /** Its SRI value ("sha384-..."), for the script tag's integrity attribute. */
  integrity: string;
}

const ENTRY = fileURLToPath(new URL('../../widget/embed/index.ts', import.meta.url));
/** Preact's mangled internal property names (`__`, `__k`, `__P`, `_sb`, ...; not `__html`, which is its public API). */
const PREACT_INTERNALS = /^(__[a-zA-Z]?|_sb)$/;

/**
 * One minified IIFE file of a browser entry point and what it imports, for the browsers since
 * 2023 (shadow DOM, adoptedStyleSheets, fetch keepalive, optional chaining), with Preact's JSX.
 * `strict: false` leaves out the "use strict" prologue (for code that does not rely on it).
 */
export async function bundleForBrowsers(entry: string, what: string, options: { strict: boolean }): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['chrome111', 'firefox111', 'safari16.4'],
    minify: true,
    legalComments: 'none',
    charset: 'utf8',
    // Our own compiler settings, not tsconfig.json's.
    tsconfigRaw: { compilerOptions: { alwaysStrict: options.strict, jsx: 'react-jsx', jsxImportSource: 'preact' } },
    write: false,
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error(`esbuild produced no output for ${what}`);
  return file.text;
}

/** Builds the embed; `entry` is for tests that need a build of changed source. */
export async function buildWidget(entry = ENTRY): Promise<WidgetBundle> {
  const text = await bundleForBrowsers(entry, 'the widget', { strict: false });
  // terser's compressor, after esbuild's minifier, finds a few hundred bytes more (about 2%
  // gzipped): this file is downloaded by every visitor of every form.
  const compressed = await minify(text, {
    ecma: 2020,
    // (Measured: statements joined by commas gzip worse here than separate ones.)
    compress: { passes: 5, sequences: false, unsafe_arrows: true, pure_getters: true, unsafe: true, unsafe_methods: true, unsafe_comps: true },
    // Preact's published build keeps its internal properties as `__k`, `__e`, ... so that separately
    // loaded add-ons (hooks, devtools) can reach them. Here Preact is bundled whole and alone, so
    // nothing outside this file ever reads them: they become one letter each.
    mangle: { properties: { regex: PREACT_INTERNALS } },
  });
  if (!compressed.code) throw new Error('terser produced no output for the widget');
  const code = Buffer.from(compressed.code);
  return {
    code,
    hash: createHash('sha256').update(code).digest('hex').slice(0, 16),
    integrity: 'sha384-' + createHash('sha384').update(code).digest('base64'),
  };
}

let shared: Promise<WidgetBundle> | undefined;

/** The bundle, built once per process. */
export function widgetBundle(): Promise<WidgetBundle> {
  return (shared ??= buildWidget().catch((error: unknown) => {
    shared = undefined;
    throw error;
  }));
}
