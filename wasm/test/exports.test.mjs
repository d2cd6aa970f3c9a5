// The checked list of exported functions (wasm/exports.txt): every RUNLOG_API
// function of capi/runlog.h is exported or excluded with a reason, and every
// exported name is a function of the built module.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { packageDir, sourceDir } from './helpers.mjs';

const header = fs.readFileSync(path.join(sourceDir, 'capi/runlog.h'), 'utf8');
const list = fs.readFileSync(path.join(sourceDir, 'wasm/exports.txt'), 'utf8').split('\n');

function apiFunctions(text) {
  const names = new Set();
  const decl = /RUNLOG_API\s+[^;{]*?\b(runlog_[a-z0-9_]+)\s*\(/g;
  for (const m of text.replace(/\/\*[\s\S]*?\*\//g, '').matchAll(decl)) names.add(m[1]);
  return names;
}

const exported = new Set();
const excluded = new Map();
const helpers = new Set();
for (const line of list) {
  const t = line.trim();
  if (!t || t.startsWith('#')) continue;
  let m;
  if ((m = /^-([A-Za-z_][A-Za-z0-9_]*):\s*(.+)$/.exec(t))) excluded.set(m[1], m[2]);
  else if ((m = /^\+([A-Za-z_][A-Za-z0-9_]*)$/.exec(t))) helpers.add(m[1]);
  else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(t)) exported.add(t);
  else assert.fail(`wasm/exports.txt: cannot read the line "${t}"`);
}

test('every RUNLOG_API function of capi/runlog.h is in wasm/exports.txt', () => {
  const api = apiFunctions(header);
  assert.ok(api.size >= 30, `found ${api.size} functions in the header`);
  const missing = [...api].filter((f) => !exported.has(f) && !excluded.has(f));
  assert.deepEqual(missing, [], 'add these to wasm/exports.txt (a bare name to export, or "-name: reason" to exclude)');
  const stale = [...exported, ...excluded.keys()].filter((f) => !api.has(f));
  assert.deepEqual(stale, [], 'wasm/exports.txt names functions the header does not declare');
  for (const [f, why] of excluded) assert.ok(why.length > 20, `the reason for excluding ${f} says why`);
});

test('the header parser finds a function added to the header', () => {
  const api = apiFunctions(`${header}\nRUNLOG_API int runlog_brand_new(runlog_run *run,\n    int x);\n`);
  assert.ok(api.has('runlog_brand_new'));
  assert.ok(!exported.has('runlog_brand_new') && !excluded.has('runlog_brand_new'));
});

test('the built module exports exactly the listed functions', async () => {
  // The .wasm's own export names are minified; the loader maps each to
  // Module._<name>, which is what JavaScript calls.
  await import(pathToFileURL(path.join(packageDir, 'src/node.js')).href); // sets the .wasm source
  const { getCore } = await import(pathToFileURL(path.join(packageDir, 'src/core.js')).href);
  const M = (await getCore()).M;
  for (const f of [...exported, ...helpers]) assert.equal(typeof M[`_${f}`], 'function', `the module does not export ${f}`);
  for (const f of excluded.keys()) assert.equal(M[`_${f}`], undefined, `${f} is listed as excluded but exported`);
  const runlogExports = Object.keys(M).filter((n) => n.startsWith('_runlog_')).map((n) => n.slice(1));
  const unlisted = runlogExports.filter((n) => !exported.has(n) && !helpers.has(n));
  assert.deepEqual(unlisted, [], 'exported but not in wasm/exports.txt');
  assert.equal(M._runlog_has_threads(), 0, 'the wasm build has no threads (the event loop pumps)');
  assert.equal(M._runlog_abi_version(), 1);
});

test('every runlog_status of the header has its name and value in the package (errors.js STATUS)', async () => {
  const { STATUS } = await import(pathToFileURL(path.join(packageDir, 'src/errors.js')).href);
  const body = /enum runlog_status \{([\s\S]*?)\};/.exec(header)[1];
  const codes = [...body.matchAll(/(RUNLOG_[A-Z0-9_]+)\s*=\s*(-?\d+)/g)].map((m) => [m[1], +m[2]]);
  assert.ok(codes.length >= 19);
  for (const [name, value] of codes) assert.equal(STATUS[name], value, `${name} = ${value} in capi/runlog.h`);
  assert.equal(Object.keys(STATUS).length, codes.length, 'errors.js names a status the header does not have');
});

test('an abort of the instance becomes a RunlogError, and the next init gets a fresh instance', async () => {
  await import(pathToFileURL(path.join(packageDir, 'src/node.js')).href);
  const { getCore } = await import(pathToFileURL(path.join(packageDir, 'src/core.js')).href);
  const runlog = await import(pathToFileURL(path.join(packageDir, 'src/node.js')).href);
  const before = await getCore();
  // What abort() (a bug, out of memory) raises inside a call:
  assert.throws(() => before.guard(() => { throw new WebAssembly.RuntimeError('unreachable'); }),
    (e) => e instanceof runlog.RunlogError && e.code === 'RUNLOG_E_INTERNAL' && /instance stopped/.test(e.message));
  assert.throws(() => before.guard(() => 1), (e) => e.code === 'RUNLOG_E_INTERNAL', 'the dead instance refuses calls');
  const run = await runlog.init({ mode: 'offline', store: new runlog.MemoryStore(), silent: true });
  assert.notEqual(await getCore(), before, 'a fresh instance');
  run.log({ a: 1 });
  await run.finish();
});

test('size budget of runlog.wasm (target 300 KB raw; fails above 320 KB)', () => {
  const size = fs.statSync(path.join(packageDir, 'dist/runlog.wasm')).size;
  console.log(`runlog.wasm: ${size} bytes`);
  assert.ok(size <= 320 * 1024, `runlog.wasm is ${size} bytes`);
});
