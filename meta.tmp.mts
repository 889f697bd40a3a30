import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { minify } from 'terser';
const stubs: Record<string, string> = {
  none: '',
  validate: 'export function validateFields(){return {ok:true}}',
  send: 'export function send(){} export function flush(){}',
  styles: 'export const CSS=""',
  controller: 'export function control(){} export const newId=()=>1',
  index: 'import {renderForm} from "./render.tsx"; import {control} from "./controller.ts"; import {flush} from "./send.ts"; window.x=[renderForm,control,flush]',
  messages: 'export const EN_OFFLINE={}',
};
let base = 0;
for (const [name, stub] of Object.entries(stubs)) {
  const r = await build({ entryPoints: ['/work/main/widget/embed/index.ts'], bundle: true, format: 'iife', minify: true, write: false, target: ['chrome111','firefox111','safari16.4'], legalComments: 'none', charset: 'utf8',
    plugins: stub ? [{ name: 'stub', setup(b) { b.onLoad({ filter: new RegExp('/' + name + '\\.tsx?$') }, () => ({ contents: stub, loader: 'ts' })); } }] : [] });
  const t = await minify(r.outputFiles[0].text, { compress: { passes: 3, unsafe_arrows: true, pure_getters: true }, mangle: true, ecma: 2020 });
  const size = gzipSync(t.code!, { level: 9 }).length;
  if (!stub) base = size;
  console.log(name.padEnd(10), size, base - size);
}
