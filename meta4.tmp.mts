import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { minify } from 'terser';
const r = await build({ entryPoints: ['/work/main/widget/embed/index.ts'], bundle: true, format: 'iife', minify: true, write: false, target: ['chrome111','firefox111','safari16.4'], legalComments: 'none', charset: 'utf8', tsconfigRaw: { compilerOptions: { alwaysStrict: false, jsx: 'react-jsx', jsxImportSource: 'preact' } } });
const c = r.outputFiles[0].text;
console.log(c.slice(0, 30));
for (const opts of [
  { compress: { passes: 3, unsafe_arrows: true, pure_getters: true } },
  { compress: { passes: 5, unsafe_arrows: true, pure_getters: true, unsafe: true, unsafe_comps: true, unsafe_math: true, unsafe_methods: true } },
  { compress: { passes: 3, unsafe_arrows: true, pure_getters: true, hoist_funs: true, hoist_vars: true } },
]) {
  const t = await minify(c, { ...opts, mangle: true, ecma: 2020 });
  console.log(gzipSync(t.code!, { level: 9 }).length);
}
