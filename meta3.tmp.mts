import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { minify } from 'terser';
for (const alias of [{}, { preact: '/tmp/p10/node_modules/preact' }]) {
  const r = await build({ entryPoints: ['/work/main/widget/embed/index.ts'], bundle: true, format: 'iife', minify: true, write: false, alias, target: ['chrome111','firefox111','safari16.4'], legalComments: 'none', charset: 'utf8' });
  const c = r.outputFiles[0].text;
  const t = await minify(c, { compress: { passes: 3, unsafe_arrows: true, pure_getters: true }, mangle: true, ecma: 2020 });
  console.log(JSON.stringify(alias), gzipSync(c, { level: 9 }).length, gzipSync(t.code!, { level: 9 }).length);
}
